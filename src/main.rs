//! The `atg` binary: parse the command line, run one command, render any
//! error once, and exit with the documented code (0 ok, 1 check failed,
//! 2 usage or input error, 3 external tool failed, 130 interrupted).

use atg::cli::Cli;
use atg::error::{CliError, render};
use atg::output::Printer;
use clap::Parser;
use std::process::ExitCode;

// mimalloc: the pipeline allocates many small strings and JSON values;
// glibc's allocator cost about 30% of wall time at 100k resources.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // One TLS crypto provider for the whole process: ring. Both ring and
    // aws-lc-rs are compiled in (the Neo4j driver brings the latter), and
    // rustls then refuses to pick a default, so clients that build their
    // own TLS config (kube's) would panic without this.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let printer = Printer::new(cli.quiet);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            printer.error(&render(
                &CliError::tool("cannot start the async runtime").caused_by(e),
            ));
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(atg::commands::run(cli, &printer)) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            printer.error(&render(&e));
            ExitCode::from(e.exit_code())
        }
    }
}
