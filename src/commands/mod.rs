//! One module per command: resolve the settings from the CLI and the
//! environment, wire the stages together, and hand results to the output
//! layer. No stage logic lives here.

pub mod agent;
pub mod compare;
pub mod deploy;
pub mod fidelity;
pub mod generate;
pub mod graph;
pub mod iterate;
pub mod monitor;
pub mod patch;
pub mod scan;
pub mod synth;
pub mod validate;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::error::{CliError, ExitStatus};
use crate::output::Printer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Runs the parsed command line.
///
/// Returns the exit status for a completed command, or the error to render.
pub async fn run(cli: Cli, printer: &Printer) -> Result<ExitStatus, CliError> {
    let neo4j_uri = std::env::var("NEO4J_URI").ok();
    let graph = crate::graph::resolve_spec(
        cli.graph.as_deref(),
        neo4j_uri.as_deref(),
        cli.neo4j_database.as_deref(),
    );
    match cli.command {
        Command::Scan(args) => scan::run(&graph, args, printer).await,
        Command::Generate(args) => generate::run(&graph, args, printer).await,
        Command::Validate(args) => validate::run(args, printer).await,
        Command::Iterate(args) => iterate::run(&graph, args, printer).await,
        Command::Synth(args) => synth::run(args, printer),
        Command::Deploy(args) => deploy::run(&graph, args, printer).await,
        Command::Fidelity(args) => fidelity::run(&graph, args, printer).await,
        Command::Compare(args) => compare::run(&graph, args, printer).await,
        Command::CompareIterations(args) => compare::run_iterations(args, printer),
        Command::Monitor(args) => monitor::run(&graph, args, printer).await,
        Command::Graph(args) => graph::run(args, cli.neo4j_database.as_deref(), printer).await,
        Command::Agent(args) => agent::run(args, printer).await,
        Command::Patch(args) => patch::run(args, printer),
    }
}

/// This process's Ctrl-C flag. The handler is installed on first use (a
/// process can hold only one), so every stage of one run, such as iterate
/// and then its auto-deploy, watches the same flag.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = flag.clone();
        let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::SeqCst));
        flag
    })
    .clone()
}

/// The sign-in method `--auth` names (`auto` when absent).
pub(crate) fn auth_method(a: Option<crate::cli::AuthArg>) -> crate::azure::auth::AuthMethod {
    use crate::azure::auth::AuthMethod;
    use crate::cli::AuthArg;
    match a.unwrap_or(AuthArg::Auto) {
        AuthArg::Auto => AuthMethod::Auto,
        AuthArg::Cli => AuthMethod::Cli,
        AuthArg::Sp => AuthMethod::ServicePrincipal,
        AuthArg::Msi => AuthMethod::ManagedIdentity,
        AuthArg::Workload => AuthMethod::WorkloadIdentity,
    }
}
