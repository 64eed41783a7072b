//! Benchmark of `fidelity` and `compare` on 100k vs 100k synthetic
//! resources: the source is `atg synth --seed 7`; the target is the same
//! tenant as a deployed copy would look (other subscriptions,
//! `ITERATION1_` resource groups, globally unique names with generated
//! suffixes) with known edits: every 1000th resource removed, every
//! 1000th (offset 500) with a changed tag, and one extra resource per 2000.
//!
//! Run by hand: `cargo bench --bench fidelity` (sizes as arguments, e.g.
//! `-- 10000 100000`). Preparing the store runs in one child process;
//! fidelity and compare each run three times in their own child process,
//! timed from opening the store to the rendered report, so each peak
//! resident memory (VmHWM) is the command's own. Each run reports wall
//! time and CPU time (user + system, all threads). Figures go in
//! docs/PERFORMANCE.md.

use atg::fidelity::scope::{self, ScopeSpec};
use atg::fidelity::{MatchOptions, render, score};
use atg::graph::sqlite::SqliteStore;
use atg::iac::{emitters, naming};
use atg::model::{ScanInfo, Snapshot};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

// The same allocator as the `atg` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [mode, dir] = args.as_slice()
        && mode.starts_with("--")
    {
        child(mode, Path::new(dir));
        return;
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![100_000]
    } else {
        args.iter().map(|a| a.parse().expect("size")).collect()
    };
    let me = std::env::current_exe().expect("own path");
    let run = |mode: &str, dir: &Path| -> String {
        let out = Command::new(&me)
            .arg(mode)
            .arg(dir)
            .output()
            .expect("run child");
        assert!(
            out.status.success(),
            "{mode} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    println!(
        "| source | target | prepare s | command | wall s / CPU s (3 runs) | peak RSS MiB | verdicts |"
    );
    println!("|---:|---:|---:|---|---|---:|---|");
    for n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("size"), n.to_string()).unwrap();
        let prep = run("--prepare", dir.path());
        for cmd in ["--fidelity", "--compare"] {
            let results: Vec<String> = (0..RUNS).map(|_| run(cmd, dir.path())).collect();
            let walls: Vec<&str> = results
                .iter()
                .map(|r| r.split(' ').next().unwrap())
                .collect();
            let rss = results[0].split(' ').nth(1).unwrap();
            let verdicts = results[0].splitn(3, ' ').nth(2).unwrap();
            println!(
                "| {} | {} | {} | {} | {} | {rss} | {verdicts} |",
                prep.split(' ').nth(1).unwrap(),
                prep.split(' ').nth(2).unwrap(),
                prep.split(' ').next().unwrap(),
                cmd.trim_start_matches("--"),
                walls.join(", ")
            );
        }
    }
}

/// User plus system CPU seconds of this process so far (`/proc/self/stat`,
/// in USER_HZ = 100 ticks a second). Unlike wall time, it does not grow
/// when other processes compete for the cores.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn info(id: &str) -> ScanInfo {
    ScanInfo::running(
        id.into(),
        atg::clock::now_rfc3339(),
        "bench".into(),
        &Default::default(),
    )
}

/// The copy's text: one pass over the export's words, renaming
/// subscriptions, resource groups and globally unique names.
fn copy_text(text: &str, renames: &HashMap<String, String>) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len() + text.len() / 10);
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let at_word = i < bytes.len() && word(bytes[i] as char);
        if !at_word {
            if start < i {
                let w = &text[start..i];
                if let Some(new) = renames.get(w) {
                    out.push_str(new);
                } else if w.starts_with("rg-wl") {
                    out.push_str("ITERATION1_");
                    out.push_str(w);
                } else if w.contains("-5a5a-") {
                    out.push_str(&w.replace("-5a5a-", "-6b6b-"));
                } else {
                    out.push_str(w);
                }
            }
            if i < bytes.len() {
                // Non-word bytes are copied as they are (UTF-8 safe: only
                // ASCII bytes start or end words).
                let ch_end = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + ch_end]);
                i += ch_end;
            } else {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out
}

fn store(store: &SqliteStore, id: &str, mut snap: Snapshot) -> usize {
    snap.relationships = atg::graph::relationships::derive(&snap);
    let mut i = info(id);
    i.subscriptions = snap
        .subscriptions
        .iter()
        .map(|s| s.subscription_id.clone())
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(atg::graph::store_snapshot(store, &i, &snap, 5000))
        .expect("store");
    snap.resources.len()
}

fn prepare(dir: &Path) {
    let t = Instant::now();
    let n: usize = std::fs::read_to_string(dir.join("size"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut text = Vec::new();
    atg::synth::write_tenant(&mut text, n, 7).expect("synth");
    let text = String::from_utf8(text).unwrap();
    let (source, _) = atg::azure::normalize::normalize(
        atg::azure::export::parse(text.as_bytes(), "source").expect("parse"),
    );
    let renames: HashMap<String, String> = source
        .resources
        .iter()
        .filter_map(|r| {
            let rule = emitters::global_name_rule(&r.type_key())?;
            let suffix = naming::suffix(&[&r.id_key(), "ITERATION1_"]);
            Some((r.name.clone(), naming::unique_name(&r.name, rule, &suffix)))
        })
        .collect();
    let (mut target, _) = atg::azure::normalize::normalize(
        atg::azure::export::parse(copy_text(&text, &renames).as_bytes(), "target")
            .expect("parse copy"),
    );
    drop(text);
    // The edits: removed, changed and extra resources.
    let mut extra = Vec::new();
    let mut kept = Vec::with_capacity(target.resources.len());
    for (i, mut r) in std::mem::take(&mut target.resources)
        .into_iter()
        .enumerate()
    {
        match i % 1000 {
            0 => continue,
            500 => r.tags["bench"] = serde_json::json!("changed"),
            _ => {}
        }
        if i % 2000 == 1 {
            let mut x = r.clone();
            x.id = format!("{}-extra", x.id);
            x.name = format!("{}-extra", x.name);
            extra.push(x);
        }
        kept.push(r);
    }
    kept.extend(extra);
    target.resources = kept;
    let db = SqliteStore::open(&dir.join("graph.db")).expect("store");
    let (s, t2) = (store(&db, "source", source), store(&db, "target", target));
    println!("{:.1} {s} {t2}", t.elapsed().as_secs_f64());
}

fn load_both(dir: &Path) -> (atg::fidelity::ScopeData, atg::fidelity::ScopeData) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let spec = |id: &str| ScopeSpec::Given {
        scan_id: Some(id.into()),
        subscription: None,
    };
    let graph = format!("sqlite:{}", dir.join("graph.db").display());
    rt.block_on(scope::load_pair(&graph, &spec("source"), &spec("target")))
        .expect("load")
}

fn child(mode: &str, dir: &Path) {
    if mode == "--prepare" {
        prepare(dir);
        return;
    }
    let t = Instant::now();
    let (s, tg) = load_both(dir);
    let c = atg::fidelity::compare(&s, &tg, &MatchOptions::default());
    // As the commands do: the snapshots are not freed before exit.
    std::mem::forget((s, tg));
    let totals = c.totals;
    let bytes = if mode == "--fidelity" {
        let report = score::report(c, atg::clock::now_rfc3339(), 95.0);
        atg::report::json(&report).len()
    } else {
        render::compare_document(&c, "source", "target", true)
            .to_markdown()
            .len()
    };
    let wall = t.elapsed().as_secs_f64();
    assert!(bytes > 0);
    println!(
        "{wall:.2}/{:.2} {:.0} {} exact, {} drifted, {} missing, {} extra",
        cpu_seconds(),
        peak_rss_mib(),
        totals.exact_match,
        totals.drifted,
        totals.missing_target,
        totals.missing_source
    );
}
