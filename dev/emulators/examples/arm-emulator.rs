//! A local Azure Resource Manager emulator serving a tenant export, for
//! trying `atg scan --tenant-id` without an Azure account. A thin wrapper
//! around `atg_emulators::arm` (which the tests start in-process).
//!
//! ```sh
//! cargo run -p atg-emulators --example arm-emulator -- --tenant ../shared/fixtures/tenant-contoso.json --port 8443 --ca-out ca.pem
//! ```
//!
//! It prints the environment and the `atg scan` command to use; Ctrl-C stops it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use atg_emulators::arm::{
    Emulator, EmulatorClient, EmulatorConfig, Faults, GraphQuota, TenantData,
};
use clap::Parser;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Serve a tenant export as Azure Resource Manager, Resource Graph and Entra ID, over HTTPS.
#[derive(Debug, Parser)]
#[command(name = "arm-emulator")]
struct Args {
    /// Tenant export to serve (atg format or `az graph query -o json` output).
    #[arg(long, value_name = "FILE")]
    tenant: PathBuf,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8443)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// Where to write the CA certificate (PEM) clients must trust.
    #[arg(long, value_name = "FILE")]
    ca_out: PathBuf,
    /// Client ID the token endpoint accepts.
    #[arg(long, default_value = "00000000-0000-0000-0000-00000000a7a7")]
    client_id: String,
    /// Client secret the token endpoint accepts.
    #[arg(
        long,
        env = "EMULATOR_CLIENT_SECRET",
        default_value = "emulator-secret"
    )]
    client_secret: String,
    /// Answer the right secret with AADSTS7000222 (expired).
    #[arg(long)]
    expired_secret: bool,
    /// Extra host name for the certificate (repeatable).
    #[arg(long)]
    host: Vec<String>,
    /// Most rows per Resource Graph page.
    #[arg(long, default_value_t = 1000)]
    page_size: usize,
    /// Items per ARM LIST page.
    #[arg(long, default_value_t = 100)]
    list_page_size: usize,
    /// Resource Graph queries per quota window (Azure: 15); 0 turns quota emulation off.
    #[arg(long, default_value_t = 15)]
    quota: u32,
    /// Quota window in seconds (Azure: 5).
    #[arg(long, default_value_t = 5.0)]
    quota_window: f64,
    /// Answer every Nth request with 429.
    #[arg(long, value_name = "N")]
    throttle_every: Option<u64>,
    /// Retry-After of those 429s, in seconds.
    #[arg(long, default_value_t = 1.0)]
    retry_after: f64,
    /// Answer every Nth request with 500 or 503.
    #[arg(long, value_name = "N")]
    fail_every: Option<u64>,
    /// Delay every response by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Answer this subscription's requests with 403 (repeatable).
    #[arg(long, value_name = "ID")]
    fail_subscription: Vec<String>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let tenant = TenantData::load(&args.tenant)?;
    let resources = tenant.resource_count();
    let config = EmulatorConfig {
        bind: SocketAddr::new(args.listen, args.port),
        extra_hosts: args.host,
        clients: vec![EmulatorClient {
            client_id: args.client_id.clone(),
            secret: Some(args.client_secret),
            federated_token: None,
            secret_expired: args.expired_secret,
        }],
        graph_page_rows: args.page_size,
        list_page_items: args.list_page_size,
        graph_quota: (args.quota > 0).then(|| GraphQuota {
            queries: args.quota,
            window: Duration::from_secs_f64(args.quota_window),
        }),
        faults: Faults {
            throttle_every: args.throttle_every,
            retry_after: Duration::from_secs_f64(args.retry_after),
            server_error_every: args.fail_every,
            latency: Duration::from_millis(args.latency_ms),
            failing_subscriptions: args.fail_subscription,
        },
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::spawn(tenant, config)?;
    atg::fsutil::write_atomic(&args.ca_out, emulator.ca_pem().as_bytes())?;
    let url = emulator.url();
    println!(
        "ARM emulator for tenant {} ({resources} resources) at {url}; CA written to {}",
        emulator.tenant_id(),
        args.ca_out.display()
    );
    println!();
    println!("  export AZURE_CLIENT_ID={}", args.client_id);
    println!("  export AZURE_CLIENT_SECRET=<the --client-secret value; default emulator-secret>");
    println!(
        "  atg scan --tenant-id {} --arm-endpoint {url} --authority-host {url} --ca-cert {}",
        emulator.tenant_id(),
        args.ca_out.display()
    );
    println!();
    println!("Ctrl-C stops it.");
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })?;
    let _ = rx.recv();
    let s = emulator.stats();
    println!(
        "served {} requests ({} Resource Graph pages, {} ARM LIST pages), {} throttled, {} server errors injected, {} tokens",
        s.requests, s.graph_queries, s.list_requests, s.throttled, s.server_errors, s.tokens
    );
    Ok(())
}
