//! Differential test of the builtin validator against the real thing
//! (issue 3): every configuration under `tests/validate_corpus/` is
//! validated by `terraform validate -json` and by atg's builtin validator
//! with the provider schemas `terraform providers schema -json` printed for
//! the same working directory, and both must report the same multiset of
//! (severity, summary, resource address).
//!
//! Layout: `tests/validate_corpus/<corpus>/oracle.json` names the providers
//! the corpus needs (`{"providers": ["registry.terraform.io/hashicorp/aws"]}`,
//! or `[]` for Terraform's builtin provider alone); every other folder of
//! the corpus is one configuration (`*.tf` and/or `*.tf.json`); folders
//! named `valid*` must be valid for terraform, the others must give it
//! something to report. `differences.json` records deliberate
//! differences per configuration, each with its reason. `oracle.json`'s
//! optional `checks` names provider validation data files (issue 15) the
//! builtin validator gets besides the schemas. A new provider
//! (say a locally built azurerm) needs only a new corpus folder and the
//! provider in the plugin directory.
//!
//! The plugin directory is `ATG_TF_PLUGIN_DIR` when set, else the first
//! folder holding `registry.terraform.io/<namespace>/<name>` among
//! Terraform's implied local mirror folders and `/opt`. A missing terraform
//! or provider fails the test with a message saying so; it never skips.
//! Each corpus is initialised once (`terraform init -backend=false
//! -plugin-dir DIR`); its cases share that `.terraform` through
//! `TF_DATA_DIR` and its lock file, and run in parallel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use atg::terraform::find_binary;
use atg::validate::config::Config;
use atg::validate::rules::ProviderRules;
use atg::validate::schema::Schemas;
use atg::validate::terraform::parse_validate_json;
use atg::validate::{Diagnostic, Severity, builtin};
use serde::Deserialize;

mod common;
use common::plugin_dir;

/// Summaries the corpus as a whole must make terraform report: one per
/// class of validate error issue 3 lists.
const REQUIRED_SUMMARIES: &[&str] = &[
    "Unsupported argument",
    "Unsupported block type",
    "Extraneous JSON object property",
    "Missing required argument",
    "Insufficient * blocks",
    "Too many * blocks",
    "Incorrect attribute value type",
    "Value for unconfigurable attribute",
    "Reference to undeclared resource",
    "Reference to undeclared input variable",
    "Reference to undeclared local value",
    "Duplicate resource * configuration",
    "Unsupported attribute",
    "Conflicting configuration arguments",
    "Invalid combination of arguments",
    "expected *",
];

#[derive(Deserialize)]
struct Oracle {
    providers: Vec<String>,
    /// Provider validation data files (`validate::rules`), relative to the
    /// corpus folder, for the builtin validator.
    #[serde(default)]
    checks: Vec<String>,
}

/// A recorded, deliberate difference: what terraform reports instead of
/// what the builtin validator reports (either side may be absent).
#[derive(Deserialize, Clone)]
struct Difference {
    terraform: Option<Side>,
    builtin: Option<Side>,
    /// Why the builtin validator does not (or should not) agree.
    reason: String,
}

/// One diagnostic as compared: severity, summary, resource address.
#[derive(Deserialize, Clone)]
struct Side {
    severity: Severity,
    summary: String,
    address: Option<String>,
}

type Key = (Severity, String, Option<String>);

fn key(d: &Diagnostic) -> Key {
    (d.severity, normalize(&d.summary), d.address.clone())
}

/// Terraform lists the members of a dependency cycle ("Cycle: a, b") in
/// no fixed order from one run to the next: they are compared as a set.
fn normalize(summary: &str) -> String {
    match summary.strip_prefix("Cycle: ") {
        Some(members) => {
            let mut m: Vec<&str> = members.split(", ").collect();
            m.sort_unstable();
            format!("Cycle: {}", m.join(", "))
        }
        None => summary.to_string(),
    }
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_corpus")
}

fn terraform() -> PathBuf {
    find_binary(Path::new("terraform")).unwrap_or_else(|| {
        panic!(
            "the differential validator test needs the real `terraform` binary (1.x) on PATH; install it (the test never skips)"
        )
    })
}

fn run(
    dir: &Path,
    args: &[&str],
    data_dir: Option<&Path>,
    cli_config: &Path,
) -> std::process::Output {
    let mut cmd = Command::new(terraform());
    cmd.args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove("TF_LOG");
    match data_dir {
        Some(d) => cmd.env("TF_DATA_DIR", d),
        None => cmd.env_remove("TF_DATA_DIR"),
    };
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run terraform {}: {e}", args.join(" ")))
}

/// A corpus initialised for terraform: its working folder and schemas.
struct Prepared {
    work: tempfile::TempDir,
    schemas: Schemas,
    cli_config: PathBuf,
}

/// `terraform init` once for the corpus (with the plugin directory when it
/// needs providers) and `terraform providers schema -json`, with the
/// corpus's provider validation data added to the schemas.
fn prepare(corpus_dir: &Path, oracle: &Oracle) -> Result<Prepared, String> {
    let corpus = corpus_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let corpus = corpus.as_str();
    let providers = &oracle.providers;
    let work = tempfile::tempdir().unwrap();
    let cli_config = work.path().join("terraformrc");
    std::fs::write(&cli_config, "").unwrap();
    let mut main = String::from("terraform {\n  required_providers {\n");
    for p in providers {
        let source = p.strip_prefix("registry.terraform.io/").unwrap_or(p);
        let local = p.rsplit('/').next().unwrap();
        main.push_str(&format!("    {local} = {{ source = \"{source}\" }}\n"));
    }
    // The probe makes `providers schema -json` include the builtin provider.
    main.push_str("  }\n}\nresource \"terraform_data\" \"schema_probe\" {}\n");
    std::fs::write(work.path().join("main.tf"), main).unwrap();
    let mut init = vec!["init", "-backend=false", "-input=false", "-no-color"];
    let plugin;
    if !providers.is_empty() {
        plugin = plugin_dir(providers)
            .map_err(|e| format!("corpus `{corpus}`: {e}"))?
            .to_string_lossy()
            .into_owned();
        init.push("-plugin-dir");
        init.push(&plugin);
    }
    let out = run(work.path(), &init, None, &cli_config);
    if !out.status.success() {
        return Err(format!(
            "corpus `{corpus}`: terraform init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let out = run(
        work.path(),
        &["providers", "schema", "-json"],
        None,
        &cli_config,
    );
    if !out.status.success() {
        return Err(format!(
            "corpus `{corpus}`: terraform providers schema failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut schemas = Schemas::from_slice(&out.stdout, Path::new("providers schema -json"))
        .map_err(|e| format!("corpus `{corpus}`: {e}"))?;
    for c in &oracle.checks {
        let rules = ProviderRules::load_file(&corpus_dir.join(c))
            .map_err(|e| format!("corpus `{corpus}`: {e}"))?;
        schemas.add_rules(rules);
    }
    for p in providers {
        assert!(
            schemas.addresses().any(|a| a == p),
            "corpus `{corpus}`: terraform's schema lacks {p}"
        );
    }
    Ok(Prepared {
        work,
        schemas,
        cli_config,
    })
}

/// What one case gave.
struct Outcome {
    name: String,
    terraform: Vec<Diagnostic>,
    builtin: Vec<Diagnostic>,
    json: bool,
}

fn run_case(p: &Prepared, case_dir: &Path) -> Outcome {
    let name = case_dir.file_name().unwrap().to_string_lossy().into_owned();
    let dir = p.work.path().join("cases").join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let mut json = false;
    for e in std::fs::read_dir(case_dir).unwrap().flatten() {
        if e.path().is_file() {
            json |= e.file_name().to_string_lossy().ends_with(".tf.json");
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    // No lock file when the corpus needs no provider.
    let lock = p.work.path().join(".terraform.lock.hcl");
    if lock.is_file() {
        std::fs::copy(&lock, dir.join(".terraform.lock.hcl")).unwrap();
    }
    let cfg = Config::parse_dir(&dir).unwrap();
    let out = run(
        &dir,
        &["validate", "-json", "-no-color"],
        Some(&p.work.path().join(".terraform")),
        &p.cli_config,
    );
    let terraform = parse_validate_json(&out.stdout, Some(&cfg))
        .unwrap_or_else(|| {
            panic!(
                "case `{name}`: terraform validate gave no JSON ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .diagnostics;
    let (_, builtin) = builtin::check(&cfg, Some(&p.schemas));
    Outcome {
        name,
        terraform,
        builtin,
        json,
    }
}

fn multiset(ds: &[Diagnostic]) -> BTreeMap<Key, usize> {
    let mut m = BTreeMap::new();
    for d in ds {
        *m.entry(key(d)).or_insert(0) += 1;
    }
    m
}

fn show(ds: &[Diagnostic]) -> String {
    ds.iter()
        .map(|d| {
            let at = d
                .range
                .as_ref()
                .map(|r| format!("{}:{}", r.filename, r.start.line))
                .unwrap_or_else(|| "-".into());
            format!(
                "      {:?} | {} | {} | {at} | {}\n",
                d.severity,
                d.summary,
                d.address.as_deref().unwrap_or("-"),
                d.detail.replace('\n', " ")
            )
        })
        .collect()
}

/// Compares one case; `None` when it agrees (after recorded differences).
fn compare(o: &Outcome, recorded: &[Difference]) -> Option<String> {
    let mut problems = Vec::new();
    let errors = o.terraform.iter().filter(|d| d.is_error()).count();
    if o.name.starts_with("valid") && errors > 0 {
        problems.push("a `valid*` case must be valid for terraform".to_string());
    }
    if !o.name.starts_with("valid") && o.terraform.is_empty() {
        problems.push("terraform reports nothing for a case meant to be invalid".to_string());
    }
    let mut tf = multiset(&o.terraform);
    let mut bi = multiset(&o.builtin);
    for d in recorded {
        for (side, name, set) in [
            (&d.terraform, "terraform", &mut tf),
            (&d.builtin, "builtin", &mut bi),
        ] {
            let Some(side) = side else { continue };
            let k = (
                side.severity,
                normalize(&side.summary),
                side.address.clone(),
            );
            match set.get_mut(&k) {
                Some(n) if *n > 0 => *n -= 1,
                _ => problems.push(format!(
                    "recorded difference no longer occurs ({name} does not report {k:?}); update differences.json"
                )),
            }
        }
    }
    tf.retain(|_, n| *n > 0);
    bi.retain(|_, n| *n > 0);
    if tf != bi {
        let only = |a: &BTreeMap<Key, usize>, b: &BTreeMap<Key, usize>| -> Vec<String> {
            a.iter()
                .filter(|(k, n)| b.get(*k).copied().unwrap_or(0) < **n)
                .map(|(k, n)| format!("{n} × {k:?}"))
                .collect()
        };
        problems.push(format!(
            "only terraform: {:?}\n    only builtin: {:?}",
            only(&tf, &bi),
            only(&bi, &tf)
        ));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "case `{}`:\n    {}\n    terraform said:\n{}    builtin said:\n{}",
            o.name,
            problems.join("\n    "),
            show(&o.terraform),
            show(&o.builtin)
        )
    })
}

fn matches(pattern: &str, summary: &str) -> bool {
    match pattern.split_once('*') {
        Some((a, b)) => {
            summary.starts_with(a) && summary.ends_with(b) && summary.len() > a.len() + b.len()
        }
        None => pattern == summary,
    }
}

#[test]
fn builtin_validator_agrees_with_terraform_validate() {
    terraform();
    let mut corpora: Vec<PathBuf> = std::fs::read_dir(corpus_root())
        .expect("tests/validate_corpus exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    corpora.sort();
    let mut failures: Vec<String> = Vec::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut timings = Vec::new();
    for corpus in &corpora {
        let name = corpus.file_name().unwrap().to_string_lossy().into_owned();
        let started = Instant::now();
        let oracle: Oracle = serde_json::from_slice(
            &std::fs::read(corpus.join("oracle.json"))
                .unwrap_or_else(|e| panic!("corpus `{name}`: oracle.json: {e}")),
        )
        .unwrap_or_else(|e| panic!("corpus `{name}`: oracle.json: {e}"));
        let differences: BTreeMap<String, Vec<Difference>> =
            match std::fs::read(corpus.join("differences.json")) {
                Ok(b) => serde_json::from_slice(&b)
                    .unwrap_or_else(|e| panic!("corpus `{name}`: differences.json: {e}")),
                Err(_) => BTreeMap::new(),
            };
        let prepared = match prepare(corpus, &oracle) {
            Ok(p) => p,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        for case in differences.keys() {
            assert!(
                cases.iter().any(|c| c.ends_with(case)),
                "corpus `{name}`: differences.json names `{case}`, which is not a case"
            );
        }
        for d in differences.values().flatten() {
            assert!(
                !d.reason.trim().is_empty(),
                "corpus `{name}`: every difference needs a reason"
            );
        }
        let next = AtomicUsize::new(0);
        let results = Mutex::new(Vec::new());
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(case) = cases.get(i) else { break };
                        let o = run_case(&prepared, case);
                        results.lock().unwrap().push(o);
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap();
        results.sort_by(|a, b| a.name.cmp(&b.name));
        for o in &results {
            let recorded = differences
                .get(&o.name)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if let Some(f) = compare(o, recorded) {
                failures.push(format!("[{name}] {f}"));
            }
        }
        let json = results.iter().filter(|o| o.json).count();
        let valid = results
            .iter()
            .filter(|o| o.name.starts_with("valid"))
            .count();
        assert!(
            json > 0 && json < results.len(),
            "corpus `{name}` must hold configurations in both HCL and JSON syntax"
        );
        assert!(
            valid > 0 && valid < results.len(),
            "corpus `{name}` must hold valid and invalid configurations"
        );
        timings.push(format!(
            "{name}: {} configurations ({json} JSON, {valid} valid), {} diagnostics from terraform, {:.1} s",
            results.len(),
            results.iter().map(|o| o.terraform.len()).sum::<usize>(),
            started.elapsed().as_secs_f64()
        ));
        outcomes.extend(results);
    }
    eprintln!("{}", timings.join("\n"));
    assert!(
        failures.is_empty(),
        "{} problems (a configuration that disagrees, or a corpus that could not run); {} configurations were compared:\n\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n\n")
    );
    assert!(
        outcomes.len() >= 60,
        "the corpus must hold at least 60 configurations, it has {}",
        outcomes.len()
    );
    for pattern in REQUIRED_SUMMARIES {
        assert!(
            outcomes
                .iter()
                .flat_map(|o| &o.terraform)
                .any(|d| matches(pattern, &d.summary)),
            "no configuration makes terraform report `{pattern}`: the corpus lost a class of validate error"
        );
    }
}
