//! Préau's integration tests: the real server on 127.0.0.1 (port 0) against a fresh database,
//! SQLite by default or PostgreSQL when `DATABASE_URL` points at one.
#![expect(clippy::expect_used, reason = "a failed step fails the test, with its message")]

mod account;
mod admin;
mod auth;
mod bulletins;
mod cli;
mod dashboard;
mod demo;
mod grades;
mod helpers;
mod housekeeping;
mod operations;
mod pads;
mod pads_crash;
mod pads_history;
mod pads_nodes;
mod pads_pending;
mod permissions;
mod quiz_authoring;
mod quiz_handoff;
mod quiz_live;
mod quiz_results;
mod quizzes;
mod security;
mod session_sockets;
mod websocket;
