//! Benchmark of the Neo4j graph store beside SQLite: writing a synthetic
//! tenant's snapshot (as `atg scan --from-file` does: relationships derived
//! while resources are written, 20,000 rows a transaction) and reading it
//! back whole (as `atg generate` does), at 10k and 100k resources.
//!
//! Run by hand: `cargo bench --bench neo4j_store` (sizes as arguments, e.g.
//! `-- 10000`). Neo4j is kglite-bolt-server, started fresh per size with an
//! in-memory graph on a loopback port (the binary from ATG_TEST_BOLT_SERVER
//! or target/tools/kglite, where `.ci/run` installs it). Figures go in
//! docs/PERFORMANCE.md. Targets (issue 10): 100k resources with their
//! relationships written in under 20 s and read back in under 5 s.
//!
//! Wall time depends on what else runs on the machine; the CPU seconds the
//! server and this process spent in each phase do not, so both are shown
//! (`wall (server CPU + atg CPU)`).

#[allow(dead_code)]
#[path = "../tests/common/bolt.rs"]
mod bolt;

use atg::graph::GraphStore;
use atg::graph::neo4j::{Neo4jSettings, Neo4jStore};
use atg::graph::sqlite::SqliteStore;
use atg::model::{ScanInfo, Snapshot};
use std::sync::Arc;
use std::time::Instant;

// The same allocator as the `atg` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rows a transaction, as `atg scan` writes them.
const BATCH: usize = 20_000;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let sizes: Vec<usize> = if args.is_empty() {
        vec![10_000, 100_000]
    } else {
        args.iter().map(|a| a.parse().expect("size")).collect()
    };
    println!(
        "| resources | relationships | SQLite write s (CPU) | SQLite read s (CPU) | Neo4j write s (server + atg CPU) | Neo4j read s (server + atg CPU) | server peak RSS MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for n in sizes {
        rt.block_on(size(n));
    }
}

/// Wall seconds and CPU seconds of the server (if any) and of this process.
struct Phase {
    wall: f64,
    server: f64,
    own: f64,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.server > 0.0 {
            write!(f, "{:.2} ({:.2} + {:.2})", self.wall, self.server, self.own)
        } else {
            write!(f, "{:.2} ({:.2})", self.wall, self.own)
        }
    }
}

/// Times `work`: wall clock, `server` CPU, this process's CPU.
async fn timed<T>(server: Option<&bolt::BoltServer>, work: impl Future<Output = T>) -> (Phase, T) {
    let cpu = || {
        (
            server.and_then(|s| s.cpu_seconds()).unwrap_or(0.0),
            bolt::cpu_seconds("/proc/self/stat").unwrap_or(0.0),
        )
    };
    let (s0, o0) = cpu();
    let t = Instant::now();
    let out = work.await;
    let wall = t.elapsed().as_secs_f64();
    let (s1, o1) = cpu();
    (
        Phase {
            wall,
            server: s1 - s0,
            own: o1 - o0,
        },
        out,
    )
}

/// Writes the snapshot with `import_snapshot`, then loads it.
async fn round_trip(
    store: &dyn GraphStore,
    server: Option<&bolt::BoltServer>,
    snap: &Arc<Snapshot>,
) -> (Phase, Phase, Snapshot) {
    let info = ScanInfo::running(
        "bench".into(),
        atg::clock::now_rfc3339(),
        "bench".into(),
        snap,
    );
    let (write, written) = timed(
        server,
        atg::graph::import_snapshot(store, &info, Arc::clone(snap), BATCH),
    )
    .await;
    written.expect("write");
    let (read, loaded) = timed(server, store.load_snapshot("bench")).await;
    (write, read, loaded.expect("read"))
}

async fn size(n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("tenant.json");
    atg::fsutil::write_atomic_with(&export, |w| atg::synth::write_tenant(w, n, 7)).expect("synth");
    let (snap, _) = atg::azure::load_file(&export).expect("load");
    let snap = Arc::new(snap);

    let sqlite = SqliteStore::open(&dir.path().join("graph.db")).expect("sqlite");
    let (sql_write, sql_read, from_sqlite) = round_trip(&sqlite, None, &snap).await;

    let server = bolt::BoltServer::start();
    let neo = Neo4jStore::open(Neo4jSettings::new(&server.uri(), "neo4j", None)).expect("neo4j");
    let (neo_write, neo_read, from_neo4j) = round_trip(&neo, Some(&server), &snap).await;
    assert!(
        from_neo4j.resources == from_sqlite.resources
            && from_neo4j.relationships == from_sqlite.relationships,
        "the two stores read back different snapshots"
    );
    println!(
        "| {} | {} | {sql_write} | {sql_read} | {neo_write} | {neo_read} | {} |",
        snap.resources.len(),
        from_neo4j.relationships.len(),
        server
            .peak_rss_mib()
            .map_or("?".to_string(), |m| m.to_string())
    );
}
