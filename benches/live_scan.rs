//! Benchmark of a live scan: a synthetic tenant (`atg synth --seed 7`)
//! served by the ARM emulator over HTTPS, scanned by atg's scanner with a
//! real azure_identity client secret credential, then normalised and
//! stored, as `atg scan --tenant-id` does.
//!
//! Run by hand: `cargo bench --bench live_scan` (default 50,000 resources;
//! pass sizes as arguments, e.g. `-- 10000 50000`). Each size runs twice:
//! with Resource Graph's per-user quota emulated (15 queries per 5 s, the
//! figure that matters) and without it (the emulator's and client's own
//! speed). Reported per run: requests per resource (target ≤ 0.01),
//! resources per second, and that as a fraction of the quota-imposed
//! maximum (target ≥ 80%). The maximum is the scan's resources over the
//! least time the quota allows for its rows: every query a full page of
//! 1000 rows, 15 queries at once and 15 more at each 5 s reset. (Over the
//! steady rate alone, 1000 × 15 / 5 s = 3000 rows/s, the first burst of 15
//! would count as free and push the fraction past 100%.) Figures go in
//! docs/PERFORMANCE.md.

use atg::azure::arm::{ArmClient, ArmClientOptions, RetrySettings};
use atg::azure::auth::{self, AuthMethod};
use atg::azure::cloud::CloudEndpoints;
use atg::azure::credential::{self, CredentialRequest};
use atg::azure::scanner::{self, ScanScope};
use atg::reporter::NoReporter;
use atg_emulators::arm::{Emulator, EmulatorClient, EmulatorConfig, GraphQuota, TenantData};
use std::time::{Duration, Instant};

// The same allocator as the `atg` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENT_ID: &str = "0b5e1c7a-5d1e-4c1b-9f0e-6a7b8c9d0e1f";
const SECRET: &str = "bench-secret";

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .map(|a| a.parse().expect("size"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![50_000]
    } else {
        sizes
    };
    println!(
        "| resources | quota | scan s | store s | queries | requests | requests/resource | resources/s | quota-bound minimum s | quota max resources/s | fraction of max | 429s | waited for quota s |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        for quota in [Some(GraphQuota::AZURE), None] {
            run(n, quota);
        }
    }
}

fn run(n: usize, quota: Option<GraphQuota>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("tenant.json");
    atg::fsutil::write_atomic_with(&export, |w| atg::synth::write_tenant(w, n, 7)).expect("synth");
    let tenant = TenantData::load(&export).expect("tenant");
    let tenant_id = tenant.tenant_id.clone();
    let emulator = Emulator::spawn(
        tenant,
        EmulatorConfig {
            clients: vec![EmulatorClient {
                client_id: CLIENT_ID.into(),
                secret: Some(SECRET.into()),
                federated_token: None,
                secret_expired: false,
            }],
            graph_quota: quota,
            ..EmulatorConfig::default()
        },
    )
    .expect("emulator");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emulator.ca_pem()).expect("ca");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let cloud = CloudEndpoints::resolve(Some(emulator.url()), Some(emulator.url())).unwrap();
        let transport = atg::azure::transport::transport(
            atg::azure::transport::http_client(&[ca]).expect("client"),
        );
        let env = |k: &str| match k {
            "AZURE_CLIENT_ID" => Some(CLIENT_ID.to_string()),
            "AZURE_CLIENT_SECRET" => Some(SECRET.to_string()),
            _ => None,
        };
        let credentials = auth::resolve(AuthMethod::ServicePrincipal, None, &env).unwrap();
        let resolved = credential::resolve(&CredentialRequest {
            credentials,
            tenant_id: tenant_id.clone(),
            cloud: cloud.clone(),
            transport: transport.clone(),
        })
        .await
        .expect("credential");
        let client = ArmClient::new(ArmClientOptions {
            endpoint: cloud.resource_manager.clone(),
            credential: resolved.credential,
            scope: cloud.scope(),
            transport,
            retry: RetrySettings::default(),
        });
        let scope = ScanScope {
            tenant_id: tenant_id.clone(),
            subscriptions: Vec::new(),
            resource_groups: Vec::new(),
            concurrency: 4,
            batch_size: scanner::DEFAULT_BATCH_SIZE,
        };
        let started = Instant::now();
        let scanned = scanner::scan(&client, &scope, &NoReporter, &NoReporter)
            .await
            .expect("scan");
        let scan_time = started.elapsed();
        assert!(scanned.failures.is_empty(), "{:?}", scanned.failures);
        let rows = scanned.graph_rows;

        let t = Instant::now();
        let (snapshot, _) = atg::azure::normalize::normalize(scanned.export);
        let resources = snapshot.resources.len();
        let store =
            atg::graph::sqlite::SqliteStore::open(&dir.path().join("graph.db")).expect("store");
        let info = atg::model::ScanInfo {
            tenant_id: Some(tenant_id.clone()),
            ..atg::model::ScanInfo::running(
                "bench".into(),
                atg::clock::now_rfc3339(),
                format!("live:{tenant_id}"),
                &snapshot,
            )
        };
        atg::graph::import_snapshot(&store, &info, std::sync::Arc::new(snapshot), 20_000)
            .await
            .expect("store");
        let store_time = t.elapsed();

        let traffic = scanned.traffic;
        let per_second = resources as f64 / scan_time.as_secs_f64();
        let (min, max, fraction) = match quota {
            // Under one window's worth of queries the quota never binds.
            Some(q) if rows.div_ceil(1000) > u64::from(q.queries) => {
                // The fewest queries the rows need (full pages of 1000), and
                // the least time the window allows for them: the first
                // `queries` at once, then `queries` more per window.
                let needed = rows.div_ceil(1000).max(1);
                let windows = (needed - 1) / u64::from(q.queries);
                let min = windows as f64 * q.window.as_secs_f64();
                let max = resources as f64 / min;
                (
                    format!("{min:.1}"),
                    format!("{max:.0}"),
                    format!("{:.0}%", 100.0 * per_second / max),
                )
            }
            _ => ("—".into(), "—".into(), "—".into()),
        };
        println!(
            "| {resources} | {} | {:.2} | {:.2} | {} | {} | {:.4} | {per_second:.0} | {min} | {max} | {fraction} | {} | {:.1} |",
            if quota.is_some() { "15 per 5 s" } else { "off" },
            scan_time.as_secs_f64(),
            store_time.as_secs_f64(),
            traffic.graph_queries,
            traffic.requests,
            traffic.requests as f64 / resources as f64,
            traffic.throttled,
            Duration::from_millis(traffic.paced_ms).as_secs_f64(),
        );
    });
}
