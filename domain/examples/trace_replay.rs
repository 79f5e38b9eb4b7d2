//! Replays real editing traces (josephg/editing-traces, CC BY 4.0, read from outside the
//! repository) through Préau's pad document and through plain yrs.
//!
//! ```sh
//! cargo run --release -p domain --example trace_replay -- ../shared/data/editing-traces
//! cargo run --release -p domain --example trace_replay -- --check ../shared/data/editing-traces
//! ```
//! The first form times the sequential automerge-paper trace (259,778 transactions) four
//! ways, each in a child process reading a compact copy of the edits, with the heap counted
//! from the start of the replay: as local one-keystroke
//! transactions (each producing the update an editor sends) through `PadDoc` and through plain
//! yrs, then as remote updates applied to a fresh document through both. `--check` replays the
//! concurrent traces (several authors, causal graph) and the sequential one through `PadDoc`
//! and fails unless each ends on its `endContent`.

use domain::pad::PadDoc;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, OffsetKind, Options, Text, Transact, Update};

type Patch = (u32, u32, String);

fn load(dir: &Path, name: &str) -> Result<Value, String> {
    let path = dir.join(format!("{name}.json.gz"));
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut json = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut json).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&json).map_err(|e| format!("{}: {e}", path.display()))
}

fn patches(txn: &Value) -> Vec<Patch> {
    let list = txn["patches"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|p| {
            let pos = p[0].as_u64().unwrap_or(0) as u32;
            let del = p[1].as_u64().unwrap_or(0) as u32;
            (pos, del, p[2].as_str().unwrap_or("").to_string())
        })
        .collect()
}

fn end_content(trace: &Value) -> String {
    trace["endContent"].as_str().unwrap_or("").to_string()
}

/// Positions in the traces count code points; the pad counts UTF-16 units. They agree while
/// the text stays in the Basic Multilingual Plane, which these traces do (checked).
fn check_bmp(trace: &Value, name: &str) -> Result<(), String> {
    let content = end_content(trace);
    let inserted = trace["txns"].as_array().into_iter().flatten().flat_map(patches).map(|p| p.2);
    if content.chars().chain(inserted.flat_map(|s| s.chars().collect::<Vec<_>>())).any(|c| c as u32 > 0xffff) {
        return Err(format!("{name}: characters outside the BMP, positions would need converting"));
    }
    Ok(())
}

fn sequential(trace: &Value) -> Vec<Patch> {
    trace["txns"].as_array().into_iter().flatten().flat_map(patches).collect()
}

fn splice_pad(pad: &mut PadDoc, (pos, del, ins): &Patch, out: &mut Vec<Vec<u8>>) {
    if *del > 0 {
        out.push(pad.delete(*pos, *del));
    }
    if !ins.is_empty() {
        out.push(pad.insert(*pos, ins));
    }
}

fn yrs_doc() -> Doc {
    Doc::with_options(Options { offset_kind: OffsetKind::Utf16, ..Options::with_client_id(yrs::ClientID::new(1)) })
}

/// Counts heap bytes, so peak memory is the replay's own, whatever the process held before.
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

/// Writes the sequential trace's edits and final text compactly (one JSON value per line), so
/// a measuring child never holds the parsed trace: its peak memory is then the replay's.
fn write_compact(dir: &Path, to: &Path) -> Result<(), String> {
    let trace = load(dir, "automerge-paper")?;
    check_bmp(&trace, "automerge-paper")?;
    let mut out = serde_json::to_string(&end_content(&trace)).map_err(|e| e.to_string())?;
    out.push('\n');
    for (pos, del, ins) in sequential(&trace) {
        out.push_str(&format!("{pos} {del} {}\n", serde_json::to_string(&ins).map_err(|e| e.to_string())?));
    }
    std::fs::write(to, out).map_err(|e| format!("{}: {e}", to.display()))
}

fn read_compact(from: &Path) -> Result<(String, Vec<Patch>), String> {
    let text = std::fs::read_to_string(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut lines = text.lines();
    let expected: String = serde_json::from_str(lines.next().unwrap_or("\"\"")).map_err(|e| e.to_string())?;
    let mut edits = Vec::new();
    for line in lines {
        let mut parts = line.splitn(3, ' ');
        let pos = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let del = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let ins: String = serde_json::from_str(parts.next().unwrap_or("\"\"")).map_err(|e| e.to_string())?;
        edits.push((pos, del, ins));
    }
    Ok((expected, edits))
}

/// One measured replay, in this (child) process: prints `ms peak_growth_kib text_ok`.
fn run(mode: &str, compact: &Path) -> Result<(), String> {
    let (expected, edits) = read_compact(compact)?;
    let mut remote = Vec::new();
    if mode.ends_with("remote") {
        let mut pad = PadDoc::new(1);
        for p in &edits {
            splice_pad(&mut pad, p, &mut remote);
        }
    }
    HEAP.reset_peak_usage();
    let before = HEAP.current_usage();
    let start = Instant::now();
    let text = match mode {
        "pad-local" => {
            let mut pad = PadDoc::new(1);
            let mut sent = 0usize;
            for p in &edits {
                let mut out = Vec::new();
                splice_pad(&mut pad, p, &mut out);
                sent += out.len();
            }
            std::hint::black_box(sent);
            pad.text()
        }
        "yrs-local" => {
            let doc = yrs_doc();
            let text = doc.get_or_insert_text("content");
            let mut sent = 0usize;
            for (pos, del, ins) in &edits {
                if *del > 0 {
                    let mut txn = doc.transact_mut();
                    text.remove_range(&mut txn, *pos, *del);
                    sent += txn.encode_update_v1().len();
                }
                if !ins.is_empty() {
                    let mut txn = doc.transact_mut();
                    text.insert(&mut txn, *pos, ins);
                    sent += txn.encode_update_v1().len();
                }
            }
            std::hint::black_box(sent);
            text.get_string(&doc.transact())
        }
        "pad-remote" => {
            let mut pad = PadDoc::new(2);
            for u in &remote {
                pad.apply_update(u).map_err(|e| e.to_string())?;
            }
            pad.text()
        }
        "yrs-remote" => {
            let doc = yrs_doc();
            let text = doc.get_or_insert_text("content");
            for u in &remote {
                let update = Update::decode_v1(u).map_err(|e| e.to_string())?;
                doc.transact_mut().apply_update(update).map_err(|e| e.to_string())?;
            }
            text.get_string(&doc.transact())
        }
        other => return Err(format!("unknown mode {other}")),
    };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("{ms:.0} {} {}", HEAP.peak_usage().saturating_sub(before) / 1024, text == expected);
    Ok(())
}

fn measure(dir: &Path) -> Result<(), String> {
    let compact = std::env::temp_dir().join(format!("preau-trace-{}.txt", std::process::id()));
    write_compact(dir, &compact)?;
    let result = measure_with(&compact);
    let _ = std::fs::remove_file(&compact);
    result
}

fn measure_with(dir: &Path) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results: HashMap<&str, (f64, f64)> = HashMap::new();
    for mode in ["yrs-local", "pad-local", "yrs-remote", "pad-remote"] {
        let out = Command::new(&exe).arg("--run").arg(mode).arg(dir).output().map_err(|e| e.to_string())?;
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 3 || fields[2] != "true" {
            return Err(format!("{mode}: {line} {}", String::from_utf8_lossy(&out.stderr)));
        }
        let ms: f64 = fields[0].parse().unwrap_or(f64::NAN);
        let kib: f64 = fields[1].parse().unwrap_or(f64::NAN);
        println!("{mode:<11} {ms:>8.0} ms   peak heap {:>7.1} MiB   final text = endContent", kib / 1024.0);
        results.insert(mode, (ms, kib));
    }
    for kind in ["local", "remote"] {
        let (pm, pk) = results[format!("pad-{kind}").as_str()];
        let (ym, yk) = results[format!("yrs-{kind}").as_str()];
        println!("{kind:<6} PadDoc / plain yrs: time {:.2}x, memory {:.2}x", pm / ym, pk / yk.max(1.0));
    }
    Ok(())
}

/// Replays a concurrent trace: each transaction starts from the merge of its parents, its
/// agent's edits are local edits, and the final text must be `endContent`.
fn concurrent(dir: &Path, name: &str) -> Result<(), String> {
    let trace = load(dir, name)?;
    check_bmp(&trace, name)?;
    let txns = trace["txns"].as_array().cloned().unwrap_or_default();
    let agents = trace["numAgents"].as_u64().unwrap_or(0);
    // The state after each transaction, kept until its last child has used it.
    let mut states: HashMap<usize, (Vec<u8>, u64)> = HashMap::new();
    let mut agent_clock: HashMap<u64, u32> = HashMap::new();
    let mut spare_id = agents + 1;
    let mut heads = Vec::new();
    let start = Instant::now();
    for (i, txn) in txns.iter().enumerate() {
        let parents: Vec<usize> =
            txn["parents"].as_array().into_iter().flatten().filter_map(|p| p.as_u64()).map(|p| p as usize).collect();
        let agent = txn["agent"].as_u64().unwrap_or(0) + 1;
        let mut parent_states = Vec::new();
        for p in &parents {
            let (state, children) =
                states.get_mut(p).ok_or_else(|| format!("{name}: txn {i} has unknown parent {p}"))?;
            parent_states.push(state.clone());
            *children = children.saturating_sub(1);
            if *children == 0 {
                states.remove(p);
            }
        }
        let probe = PadDoc::from_updates(agent, &parent_states).map_err(|e| e.to_string())?;
        // An agent keeps its id only if this branch has seen all its edits; otherwise its
        // edits here are concurrent with its own elsewhere and need an id of their own.
        let id = if probe.clock(agent) == agent_clock.get(&agent).copied().unwrap_or(0) {
            agent
        } else {
            spare_id += 1;
            spare_id
        };
        let mut pad =
            if id == agent { probe } else { PadDoc::from_updates(id, &parent_states).map_err(|e| e.to_string())? };
        let mut sent = Vec::new();
        for p in patches(txn) {
            splice_pad(&mut pad, &p, &mut sent);
        }
        if id == agent {
            agent_clock.insert(agent, pad.clock(agent));
        }
        let children = txn["numChildren"].as_u64().unwrap_or(0);
        if children == 0 {
            heads.push(pad.full_state());
        } else {
            states.insert(i, (pad.full_state(), children));
        }
    }
    let fin = PadDoc::from_updates(0, &heads).map_err(|e| e.to_string())?;
    let ok = fin.text() == end_content(&trace);
    println!(
        "{name}: {} transactions, {} authors, {} ids beyond the authors', {:.1} s: final text {}",
        txns.len(),
        agents,
        spare_id - agents - 1,
        start.elapsed().as_secs_f64(),
        if ok { "= endContent" } else { "DIFFERS from endContent" }
    );
    if ok { Ok(()) } else { Err(format!("{name}: the replay did not converge to endContent")) }
}

fn check(dir: &Path) -> Result<(), String> {
    for name in ["friendsforever", "clownschool"] {
        concurrent(dir, name)?;
    }
    let trace = load(dir, "automerge-paper")?;
    let mut pad = PadDoc::new(1);
    let mut sent = Vec::new();
    for p in sequential(&trace) {
        splice_pad(&mut pad, &p, &mut sent);
    }
    if pad.text() != end_content(&trace) {
        return Err("automerge-paper: the replay did not end on endContent".into());
    }
    println!("automerge-paper: {} updates, final text = endContent", sent.len());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--run", mode, dir] => run(mode, Path::new(dir)),
        ["--check", dir] => check(Path::new(dir)),
        [dir] => measure(Path::new(dir)),
        _ => Err("usage: trace_replay [--check] <editing-traces directory>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace_replay: {e}");
            ExitCode::FAILURE
        }
    }
}
