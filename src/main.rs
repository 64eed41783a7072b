//! The `atg` binary: parse the command line, run one command, render any
//! error once, and exit with the documented code (0 ok, 1 check failed,
//! 2 usage or input error, 3 external tool failed, 130 interrupted).
//! It prints nothing itself: the library's output layer does.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use atg::cli::Cli;
use atg::error::{CliError, render};
use atg::output::Printer;
use atg::redact::Redactor;
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
    // Secret-named variables of the environment never reach the output.
    let env = atg::deploy::env::process_vars();
    let printer = Printer::new(
        cli.quiet,
        Redactor::new(atg::deploy::env::secret_values(env)),
    );
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
    let result = runtime.block_on(atg::commands::run(cli, &printer));
    // A blocking task still running (a read Ctrl-C abandoned) must not hold
    // the exit: its work is moot now.
    runtime.shutdown_background();
    // A closed pipe on stdout ends quietly; another write error is a failure.
    let result = match (result, printer.take_stdout_error()) {
        (Ok(_), Some(e)) => Err(CliError::tool("cannot write the result to stdout").caused_by(e)),
        (result, _) => result,
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            printer.error(&render(&e));
            ExitCode::from(e.exit_code())
        }
    }
}
