//! A local Kubernetes API emulator, for trying `atg agent` without a
//! cluster: it serves CodeRuns, Leases, ConfigMaps, Pods and the Argo
//! types over HTTPS and writes a kubeconfig for itself. A thin wrapper
//! around `atg_emulators::kube` (which the tests start in-process).
//!
//! ```sh
//! cargo run -p atg-emulators --bin kube-emulator -- --kubeconfig-out kubeconfig --simulate
//! ```
//!
//! Ctrl-C stops it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use atg_emulators::kube::{EmulatorOptions, Faults, Forbid, KubeEmulator, Simulation};
use clap::Parser;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Serve a Kubernetes API (CodeRuns, Leases, ConfigMaps, Pods, Argo types) over HTTPS.
#[derive(Debug, Parser)]
#[command(name = "kube-emulator")]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 6443)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// Where to write a kubeconfig for the emulator (CA and token included).
    #[arg(long, value_name = "FILE")]
    kubeconfig_out: PathBuf,
    /// The namespace the kubeconfig's context uses.
    #[arg(long, default_value = "agents")]
    namespace: String,
    /// Play the CodeRun controller: new runs go Running, then finish.
    #[arg(long)]
    simulate: bool,
    /// With --simulate: seconds a run runs before it finishes.
    #[arg(long, default_value_t = 3.0)]
    run_seconds: f64,
    /// With --simulate: finish runs `Failed` instead of `Succeeded`.
    #[arg(long)]
    fail_runs: bool,
    /// Do not serve the CodeRun CRD (`agents.platform`), as on a cluster without it.
    #[arg(long)]
    without_coderun_crd: bool,
    /// Refuse `VERB:RESOURCE` with 403, e.g. `create:coderuns` or `*:leases` (repeatable).
    #[arg(long, value_name = "VERB:RESOURCE")]
    forbid: Vec<String>,
    /// Answer every Nth request with 500.
    #[arg(long, value_name = "N")]
    fail_every: Option<u64>,
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let any = |s: &str| (s != "*" && !s.is_empty()).then(|| s.to_string());
    let forbid = args
        .forbid
        .iter()
        .map(|f| {
            let (verb, resource) = f.split_once(':').unwrap_or(("*", f));
            Forbid {
                verb: any(verb),
                resource: any(resource),
            }
        })
        .collect();
    let options = EmulatorOptions {
        bind: SocketAddr::new(args.listen, args.port),
        faults: Faults {
            forbid,
            fail_every: args.fail_every,
            latency: Duration::ZERO,
        },
        simulation: args.simulate.then(|| Simulation {
            start_after: Duration::from_millis(500),
            finish_after: Duration::from_secs_f64(args.run_seconds),
            outcome: if args.fail_runs {
                "Failed"
            } else {
                "Succeeded"
            }
            .into(),
        }),
        ..EmulatorOptions::default()
    };
    let emulator = KubeEmulator::spawn(options)?;
    if args.without_coderun_crd {
        emulator.uninstall_group("agents.platform");
    }
    emulator.write_kubeconfig(&args.kubeconfig_out, &args.namespace)?;
    println!(
        "Kubernetes API emulator at {}; kubeconfig written to {} (context `emulator`, namespace `{}`)",
        emulator.url(),
        args.kubeconfig_out.display(),
        args.namespace
    );
    println!("  export KUBECONFIG={}", args.kubeconfig_out.display());
    println!("Ctrl-C stops it.");
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })?;
    let _ = rx.recv();
    println!("served {} requests", emulator.requests().len());
    Ok(())
}
