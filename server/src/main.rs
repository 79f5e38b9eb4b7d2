//! `preau`: serves Préau (default), or runs an administration command (`preau admin ...`).

use server::{cli, config::Settings};

/// mimalloc rather than glibc's malloc: rendering a page is allocation-heavy, and under load
/// glibc's arenas kept 90 MiB resident where mimalloc keeps 55 MiB, with about 8 % more pages
/// served per second (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // The command line first: `preau --help` answers whatever the environment holds.
    let cli = match cli::parse(std::env::args_os().skip(1)) {
        cli::Parsed::Run(cli) => cli,
        cli::Parsed::Exit { text, code } => {
            if code == 0 {
                print!("{text}");
            } else {
                eprint!("{text}");
            }
            return std::process::ExitCode::from(code);
        }
    };
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Configuration invalide : {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new(&settings.log_filter)).init();
    match cli::run(settings, cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Erreur : {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
