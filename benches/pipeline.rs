//! Benchmark of the main pipeline on synthetic tenants: scan-import,
//! generate and builtin validation at 1k, 10k and 100k resources.
//!
//! Run by hand: `cargo bench --bench pipeline` (add sizes as arguments, e.g.
//! `-- 1000 10000`). Each size runs in a child process so its peak resident
//! memory (VmHWM) is its own. The azurerm schema from `../shared/reference`
//! is used when present, with its validation data; otherwise validation is
//! structural and the output says so. The last columns time validation
//! without the provider's own checks (issue 15), for comparison, also in
//! CPU seconds (all threads), which other work on the machine disturbs
//! less than wall time. Figures go in docs/PERFORMANCE.md.

use std::path::{Path, PathBuf};

// The same allocator as the `atg` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::Command;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let n: usize = args[pos + 1].parse().expect("size");
        child(n);
        return;
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        args.iter().map(|a| a.parse().expect("size")).collect()
    };
    println!(
        "| resources | import s | generate s | validate s | total s | peak RSS MiB | validation | validate without provider checks s | validate CPU s, with / without checks |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|---:|---:|");
    let me = std::env::current_exe().expect("own path");
    for n in sizes {
        let out = Command::new(&me)
            .args(["--child", &n.to_string()])
            .output()
            .expect("run child");
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// CPU seconds (user + system, all threads) this process has used so far,
/// from `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the line; `after` starts at field 3.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn schema() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/azurerm-4.79.0.schema.json");
    p.exists().then_some(p)
}

fn child(n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("tenant.json");
    atg::fsutil::write_atomic_with(&export, |w| atg::synth::write_tenant(w, n, 7)).expect("synth");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Import: read, normalise, derive relationships, store.
    let t = Instant::now();
    let (snap, _) = atg::azure::load_file(&export).expect("load");
    let store = atg::graph::sqlite::SqliteStore::open(&dir.path().join("graph.db")).expect("store");
    let info = atg::model::ScanInfo::running(
        "bench".into(),
        atg::clock::now_rfc3339(),
        "bench".into(),
        &snap,
    );
    // As `atg scan` does it: relationships derived while resources are written.
    let snap = std::sync::Arc::new(snap);
    rt.block_on(atg::graph::import_snapshot(
        &store,
        &info,
        std::sync::Arc::clone(&snap),
        20_000,
    ))
    .expect("store");
    let resources = snap.resources.len();
    // As the commands do: large values are freed off the critical path.
    atg::background::drop_later(snap);
    let import = t.elapsed().as_secs_f64();

    // Generate: load the snapshot from the store, generate, write HCL.
    let t = Instant::now();
    let snap = rt
        .block_on(atg::graph::GraphStore::load_snapshot(&store, "bench"))
        .expect("load snapshot");
    let mut opts = atg::iac::GenerateOptions::default();
    opts.target.resource_group_prefix = "ITERATION1_".into();
    let generated = atg::iac::generate(&snap, &opts);
    let out = dir.path().join("iteration1");
    atg::iac::write_output(&out, &generated, atg::iac::Syntax::Hcl).expect("write");
    atg::background::drop_later(generated);
    atg::background::drop_later(snap);
    let generate = t.elapsed().as_secs_f64();

    // The provider's own checks (issue 15) are measured apart: the same
    // validation with the schema alone (a copy without the validation
    // data beside it), before the one a user runs.
    let bare = schema().map(|s| {
        let copy = dir.path().join("bare.schema.json");
        std::fs::copy(s, &copy).expect("copy schema");
        copy
    });
    let t = Instant::now();
    let cpu = cpu_seconds();
    let bare_opts = atg::validate::ValidateOptions {
        validator: atg::validate::ValidatorChoice::Builtin,
        schema_files: bare.into_iter().collect(),
        schema_cache_dir: dir.path().join("schemas"),
        ..Default::default()
    };
    drop(atg::validate::validate_dir(&out, &bare_opts).expect("validate"));
    let without_checks = t.elapsed().as_secs_f64();
    let without_checks_cpu = cpu_seconds() - cpu;

    // Validate: builtin, against the azurerm schema when available, with
    // the validation data found beside it.
    let t = Instant::now();
    let vopts = atg::validate::ValidateOptions {
        validator: atg::validate::ValidatorChoice::Builtin,
        schema_files: schema().into_iter().collect(),
        checks_files: Vec::new(),
        terraform_bin: None,
        plugin_dir: None,
        schema_cache_dir: dir.path().join("schemas"),
    };
    let cpu = cpu_seconds();
    let outcome = atg::validate::validate_dir(&out, &vopts).expect("validate");
    let validate = t.elapsed().as_secs_f64();
    let validate_cpu = cpu_seconds() - cpu;
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    let level = atg::iterate::run::level_name(outcome.level);

    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    println!(
        "| {resources} | {import:.2} | {generate:.2} | {validate:.2} | {:.2} | {:.0} | {level}, {errors} errors | {without_checks:.2} | {validate_cpu:.2} / {without_checks_cpu:.2} |",
        import + generate + validate,
        hwm_kib / 1024.0
    );
}
