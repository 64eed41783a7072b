//! Regression tests for what a new user's trial found (issue 14), each
//! named after what broke. They run the real `atg` binary in a fresh
//! folder; the deploy, scan and validator suites hold the rest.

mod common;
use common::*;

/// `atg` with terraform isolated in the test folder (an empty CLI
/// configuration), so no plugin cache or mirror of the machine is used.
fn atg(d: &Dir) -> assert_cmd::Command {
    let rc = d.write("terraformrc", "");
    let mut c = d.atg();
    c.env("TF_CLI_CONFIG_FILE", rc);
    c
}

/// Issue 14, item 2: `--validator terraform` took a failed `terraform init`
/// ("Missing required provider") for an invalid configuration (exit 1), and
/// iterate then said "Stuck". It is terraform failing to run: exit 3.
#[test]
fn a_failed_terraform_init_is_exit_3_with_its_reason() {
    let d = Dir::new();
    d.write(
        "cfg/main.tf",
        "resource \"azurerm_resource_group\" \"a\" {\n  name     = \"x\"\n  location = \"westeurope\"\n}\n",
    );
    std::fs::create_dir_all(d.path().join("no-plugins")).unwrap();
    let out = atg(&d)
        .args([
            "validate",
            "cfg",
            "--validator",
            "terraform",
            "--plugin-dir",
            "no-plugins",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("init` failed, so terraform could not validate the configuration: Failed to query available provider packages"),
        "{err}"
    );
    assert!(
        err.contains("hint: terraform needs every provider"),
        "{err}"
    );
    assert!(!err.contains("Missing required provider"), "{err}");

    d.scan(&contoso());
    let out = atg(&d)
        .args([
            "iterate",
            "--validator",
            "terraform",
            "--plugin-dir",
            "no-plugins",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("Stuck"), "{err}");
    assert!(err.contains("init` failed"), "{err}");
}

/// Found with item 2: terraform runs inside the configuration folder, so a
/// relative `--plugin-dir` was looked up there, not where atg was started.
#[test]
fn a_relative_plugin_dir_is_relative_to_the_working_folder() {
    let plugins = plugin_dir(&["registry.terraform.io/hashicorp/aws".to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    let d = Dir::new();
    std::os::unix::fs::symlink(&plugins, d.path().join("plugins")).unwrap();
    d.write(
        "cfg/main.tf",
        "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n  bogus      = 1\n}\n",
    );
    let out = atg(&d)
        .args([
            "validate",
            "cfg",
            "--validator",
            "terraform",
            "--plugin-dir",
            "plugins",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["validator"], "terraform");
    assert_eq!(v["diagnostics"][0]["summary"], "Unsupported argument");
}

/// `atg ARGS` in `d` as a `std::process::Command` (whose stdout can be
/// set), atg's variables cleared, stderr captured.
fn std_atg(d: &Dir, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("atg"));
    cmd.current_dir(d.path())
        .args(args)
        .stderr(std::process::Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("AZURE_") || k.starts_with("ATG_") || k.starts_with("NEO4J_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// `atg ARGS` in `d` with stdout a pipe whose reader is already gone, as
/// with `atg … | head -1` once head has exited; waits at most 60 s.
fn with_closed_stdout(d: &Dir, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = std_atg(d, args).stdout(writer).spawn().unwrap();
    finish(
        child,
        &format!("`atg {}` with its stdout closed", args.join(" ")),
    )
}

/// The output of `child` once it exits; kills it and fails after 60 s.
fn finish(mut child: std::process::Child, what: &str) -> std::process::Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} kept running");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Issue 14, item 3: `atg scan --list | head -1` panicked (exit 101 and a
/// backtrace) once head had gone. A closed stdout ends quietly, with the
/// command's own exit code, for every command that prints a result.
#[test]
fn a_closed_stdout_ends_quietly() {
    let d = Dir::new();
    d.scan(&contoso());
    d.write(
        "tf/main.tf",
        "resource \"terraform_data\" \"a\" {\n  bogus = 1\n}\n",
    );
    for n in [1, 2] {
        d.atg()
            .args(["generate", "--output", &format!("demos/iteration{n}")])
            .assert()
            .success();
    }
    d.write(
        "demos/deployments.jsonl",
        "{\"event\":\"start\",\"id\":\"deploy-20260101T000000Z-0001\",\"at\":\"2026-01-01T00:00:00Z\",\"iteration\":1,\"dir\":\"demos/iteration1\",\"target\":{\"tenant_id\":\"t\",\"subscription_id\":\"s\"},\"auth\":\"sp\",\"dry_run\":true,\"log\":\"x.log\"}\n",
    );
    let scan_id = {
        let out = d
            .atg()
            .args(["scan", "--list", "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        v[0]["scan_id"].as_str().unwrap().to_string()
    };
    let s = scan_id.as_str();
    let export = contoso();
    let export = export.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["scan", "--list"], 0),
        (vec!["scan", "--list", "--format", "json"], 0),
        (
            vec![
                "validate",
                "tf",
                "--validator",
                "builtin",
                "--format",
                "json",
            ],
            1,
        ),
        (vec!["validate", "tf", "--validator", "builtin"], 1),
        (vec!["deploy", "list"], 0),
        (vec!["deploy", "list", "--format", "json"], 0),
        (vec!["monitor"], 0),
        (vec!["monitor", "--watch", "--interval", "0.05"], 0),
        (
            vec!["monitor", "--detect-stabilization", "--interval", "0.05"],
            0,
        ),
        (vec!["fidelity", "--source-scan", s, "--target-scan", s], 0),
        (vec!["compare", "--source", s, "--target", s], 0),
        (vec!["compare-iterations", "--iterations", "1,2"], 0),
        (vec!["synth", "--resources", "2000"], 0),
        (vec!["scan", "--from-file", export], 0),
    ];
    for (args, code) in cases {
        let out = with_closed_stdout(&d, &args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(code),
            "`atg {}`: {err}",
            args.join(" ")
        );
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("error:"),
            "`atg {}`: {err}",
            args.join(" ")
        );
    }
}

/// With item 3: a stdout that fails otherwise (a full disk) is still an
/// error, so a result is never lost without a word.
#[test]
fn a_full_stdout_is_an_error() {
    let d = Dir::new();
    d.scan(&contoso());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std_atg(&d, &["scan", "--list"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with(
            "error: cannot write the result to stdout\n  caused by: No space left on device"
        ),
        "{}",
        stderr(&out)
    );
}

/// Issue 14, item 6: an empty export became a 0-resource snapshot, the
/// newest scan. It is refused (exit 2) unless `--allow-empty`.
#[test]
fn an_empty_export_is_refused_unless_allowed() {
    let d = Dir::new();
    d.scan(&contoso());
    let scans = |d: &Dir| -> usize {
        let out = d
            .atg()
            .args(["scan", "--list", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_str::<serde_json::Value>(&stdout(&out))
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    for (name, text) in [
        (
            "empty.json",
            "{\"tenantId\": \"t\", \"subscriptions\": [], \"resourceGroups\": [], \"resources\": []}",
        ),
        ("az.json", "{\"data\": []}"),
        ("bare.json", "[]"),
    ] {
        d.write(name, text);
        let out = d
            .atg()
            .args(["scan", "--from-file", name])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.starts_with(&format!("error: `{name}` holds no resources (0 subscriptions, 0 resource groups): nothing was stored\n")), "{err}");
        assert!(err.contains("--allow-empty"), "{err}");
        assert!(!err.contains("Stored"), "{err}");
    }
    assert_eq!(scans(&d), 1, "only contoso is stored");
    // In a fresh folder, a refused export (empty or malformed) leaves no store.
    let fresh = Dir::new();
    for (name, text) in [
        ("empty.json", "{\"resources\": []}"),
        ("bad.json", "{\"resources\": ["),
    ] {
        fresh.write(name, text);
        let out = fresh
            .atg()
            .args(["scan", "--from-file", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            !fresh.path().join(".atg").exists(),
            "{name} created a store"
        );
    }
    let out = d
        .atg()
        .args(["scan", "--from-file", "empty.json", "--allow-empty"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(scans(&d), 2);
}

/// Issue 14, item 7: `--graph sqlite:` (no path) said "Stored scan" into a
/// temporary file and lost it. It is an input error, as is `:memory:`.
#[test]
fn a_graph_store_without_a_path_is_an_input_error() {
    let d = Dir::new();
    for spec in ["sqlite:", "sqlite::memory:", "sqlite:  "] {
        let out = d
            .atg()
            .args(["--graph", spec, "scan", "--from-file"])
            .arg(contoso())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{spec}: {err}");
        assert!(
            err.starts_with(&format!(
                "error: `--graph {spec}` names no store file: a scan stored there would be lost\n"
            )),
            "{err}"
        );
        assert!(!err.contains("Stored"), "{err}");
    }
}

/// The scans in `d`'s store, newest first, as `scan --list --format json` gives them.
fn scan_list(d: &Dir) -> Vec<serde_json::Value> {
    let out = d
        .atg()
        .args(["scan", "--list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<serde_json::Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Issue 14, item 8: a killed scan stayed "running" forever and `monitor`
/// took it for the newest scan. Its process is gone, so it reads as
/// abandoned, monitor passes it over, and `scan --prune` removes it.
#[test]
fn a_killed_scan_is_abandoned_and_pruned() {
    let d = Dir::new();
    d.scan(&contoso());
    d.atg()
        .args(["synth", "--resources", "30000", "--output", "big.json"])
        .assert()
        .success();
    let store = atg::graph::open(&format!(
        "sqlite:{}",
        d.path().join(".atg/graph.db").display()
    ))
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let running = || -> Option<String> {
        rt.block_on(store.scans())
            .unwrap()
            .into_iter()
            .find(|s| s.status == atg::model::ScanStatus::Running)
            .map(|s| s.scan_id)
    };
    // Kill the scan while it is storing (it shows as running then).
    let mut child = std_atg(&d, &["scan", "--from-file", "big.json"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let killed = loop {
        if let Some(id) = running() {
            child.kill().unwrap();
            break id;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scan finished before it could be seen running"
        );
        assert!(
            start.elapsed().as_secs() < 120,
            "the scan never started storing"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    child.wait().unwrap();

    let scans = scan_list(&d);
    assert_eq!(scans[0]["scan_id"], killed.as_str());
    assert_eq!(scans[0]["status"], "abandoned");
    let out = d.atg().arg("scan").arg("--list").output().unwrap();
    assert!(stdout(&out).contains("abandoned"), "{}", stdout(&out));
    let out = d
        .atg()
        .args(["monitor", "--format", "json"])
        .output()
        .unwrap();
    let poll: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        poll["scan_id"], scans[1]["scan_id"],
        "monitor skips the abandoned scan"
    );
    assert_eq!(poll["scan_status"], "finished");

    let out = d
        .atg()
        .args(["scan", "--prune", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&killed), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Would remove 1 abandoned or failed scan"),
        "{}",
        stderr(&out)
    );
    assert_eq!(scan_list(&d).len(), 2);
    let out = d
        .atg()
        .args(["scan", "--prune", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["removed"][0]["scan_id"], killed.as_str());
    assert_eq!(v["removed"][0]["status"], "abandoned");
    let scans = scan_list(&d);
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["status"], "finished");
    let counts = rt.block_on(store.counts(&killed, None)).unwrap();
    assert_eq!(counts.resources, 0, "its rows are gone too");
}

/// Issue 14, item 9: Ctrl-C during `scan` ended it silently (exit 130,
/// nothing said). It says "interrupted, nothing stored", like the other
/// commands, and stores nothing. The export is a FIFO no one writes, so the
/// scan is certainly still reading when the signal comes.
#[test]
fn ctrl_c_during_scan_says_nothing_was_stored() {
    let d = Dir::new();
    let fifo = d.path().join("export.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let child = std_atg(&d, &["scan", "--from-file", "export.json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = finish(child, "the interrupted scan");
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(stderr(&out), "error: scan interrupted; nothing stored\n");
    assert!(scan_list(&d).is_empty());
}

/// Issue 14, item 11: hints that misled. A malformed `graph.db` said "check
/// the folder exists and is writable". (The other one, an unwritable output
/// root told to "move the damaged state file aside", is tested in
/// `commands::iterate`: as root, which these tests may run as, no folder is
/// unwritable.)
#[test]
fn a_malformed_store_is_not_called_unwritable() {
    let d = Dir::new();
    d.write(".atg/graph.db", &"not a database at all\n".repeat(20));
    let out = d.atg().args(["scan", "--list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: `.atg/graph.db` is not a graph store this atg can read: file is not a database\nhint: move the file aside (the next scan creates a new store), or pass another `--graph sqlite:PATH`\n"
    );
}

/// Issue 14, item 12: one name for one meaning. `generate --format hcl|json`
/// meant the syntax that `iterate --syntax` names: generate now has
/// `--syntax` and a `--format table|json` summary (the old `--format hcl`
/// still works, hidden); `scan --list` says `resources` as `scan` does;
/// iterate's JSON names its scan.
#[test]
fn flags_and_json_fields_mean_one_thing() {
    let d = Dir::new();
    let out = d
        .atg()
        .args(["scan", "--format", "json", "--from-file"])
        .arg(contoso())
        .output()
        .unwrap();
    let scanned: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let scan_id = scanned["scan_id"].as_str().unwrap();
    let listed = &scan_list(&d)[0];
    assert_eq!(listed["resources"], scanned["resources"]);
    assert_eq!(listed["relationships"], scanned["relationships"]);
    assert!(listed.get("resource_count").is_none(), "{listed}");

    let out = d
        .atg()
        .args(["generate", "-o", "tfjson", "--syntax", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(d.path().join("tfjson/network.tf.json").exists());
    assert!(
        stdout(&out).is_empty(),
        "the table format prints status lines only"
    );
    let out = d
        .atg()
        .args(["generate", "-o", "hcl", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["scan_id"], scan_id);
    assert_eq!(summary["syntax"], "hcl");
    assert_eq!(summary["output"], "hcl");
    assert!(
        summary["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "network.tf"),
        "{summary}"
    );
    assert!(summary["emitted_resources"].as_u64().unwrap() > 0);
    assert_eq!(summary["generic_resources"], 0, "no schema, no fallback");
    // The variables to set: contoso's VM and database admin passwords.
    let variables = summary["variables"].as_array().unwrap();
    assert!(
        !variables.is_empty()
            && variables
                .iter()
                .all(|v| v.as_str().unwrap().ends_with("_password")),
        "{summary}"
    );
    assert!(d.path().join("hcl/network.tf").exists());
    // The old spelling still works, with a word about the new one.
    let out = d
        .atg()
        .args(["generate", "-o", "old", "--format", "hcl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: `--format hcl` is now `--syntax hcl`"));
    assert!(d.path().join("old/network.tf").exists());
    let help = stdout(&d.atg().args(["generate", "--help"]).output().unwrap());
    assert!(help.contains("--syntax <SYNTAX>"), "{help}");
    let format_help = &help[help
        .find("--format <FORMAT>")
        .expect("--format is documented")..];
    let format_help = &format_help[..format_help.find("[default").unwrap()];
    assert!(
        format_help.contains("- table:") && !format_help.contains("hcl"),
        "{help}"
    );

    let out = d
        .atg()
        .args(["iterate", "--validator", "builtin", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["scan_id"], scan_id);
}

/// Issue 14, item 12: `generate` in an empty folder created `.atg/graph.db`
/// before failing. Commands that only read leave no store behind.
#[test]
fn reading_commands_create_no_store() {
    let d = Dir::new();
    for args in [
        vec!["generate", "-o", "out"],
        vec!["iterate", "--validator", "builtin"],
        vec!["fidelity", "--source-scan", "a", "--target-scan", "b"],
        vec!["compare", "--source", "a", "--target", "b"],
    ] {
        let out = d.atg().args(&args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("error: no graph store at `.atg/graph.db`: nothing has been scanned into it\nhint: run `atg scan"),
            "{args:?}: {err}"
        );
    }
    for args in [vec!["scan", "--list"], vec!["scan", "--prune"]] {
        let out = d.atg().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    assert!(!d.path().join(".atg").exists(), "no store was created");
}

/// Issue 14, item 13: CI did not run clippy, so the crate's ban on printing
/// outside the output layer was enforced by nothing. `.ci/run` runs clippy
/// with warnings as errors on every target, both crate roots deny the print
/// lints, and no file but the output layer prints.
#[test]
fn ci_runs_clippy_and_only_the_output_layer_prints() {
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines()
            .any(|l| l.trim() == "cargo clippy --all-targets --locked -- -D warnings"),
        "{ci}"
    );
    for crate_root in ["src/lib.rs", "src/main.rs"] {
        let text = std::fs::read_to_string(root().join(crate_root)).unwrap();
        assert!(
            text.contains("#![deny(clippy::print_stdout, clippy::print_stderr)]"),
            "{crate_root} does not deny printing"
        );
    }
    for p in rust_files() {
        let text = std::fs::read_to_string(&p).unwrap();
        for banned in [
            "allow(clippy::print_",
            "println!(",
            "eprintln!(",
            "eprint!(",
        ] {
            assert!(
                !text.contains(banned) || p.ends_with("src/output.rs"),
                "`{}` prints (`{banned}`): stages report through `Reporter`/`Printer`",
                p.display()
            );
        }
    }
}

/// Every `.rs` file under `src/`.
fn rust_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    files
}

/// The module a `src/` file is, e.g. `["fidelity", "score"]` for
/// `src/fidelity/score.rs` (`mod.rs` is its folder; `lib.rs` the root).
fn module_of(file: &std::path::Path) -> Vec<String> {
    let rel = file.strip_prefix(root().join("src")).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts
}

/// `use a::{b, c::D};` spelled out as `a::b a::c::D` (nested groups too),
/// so every imported path can be read as one word.
fn expand_braces(code: &str) -> String {
    let Some(open) = code.find("::{") else {
        return code.to_string();
    };
    let start = code[..open]
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .map_or(0, |i| i + 1);
    let prefix = &code[start..open];
    let (mut depth, mut end) = (0, code.len());
    let mut items = Vec::new();
    let mut item_start = open + 3;
    for (i, c) in code[open + 2..].char_indices() {
        let i = i + open + 2;
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    items.push(&code[item_start..i]);
                    end = i + 1;
                    break;
                }
            }
            ',' if depth == 1 => {
                items.push(&code[item_start..i]);
                item_start = i + 1;
            }
            _ => {}
        }
    }
    let spelled: Vec<String> = items
        .iter()
        .map(|it| format!("{prefix}::{}", it.trim()))
        .collect();
    format!(
        "{} {} {}",
        &code[..start],
        expand_braces(&spelled.join(" ")),
        expand_braces(&code[end..])
    )
}

/// Structural review of issue 14: `commands/deploy` ↔ `commands/verify` and
/// `fidelity/objective` ↔ `score` imported each other. No two modules of
/// `src/` may depend on each other through `use` (or path) references,
/// other than a parent and its children (this covers `validate/`, whose
/// `builtin` ↔ `decode` ↔ `provider_checks` circle issue 15 broke).
#[test]
fn no_import_circles_between_modules() {
    let files: Vec<_> = rust_files()
        .into_iter()
        .filter(|p| !p.ends_with("main.rs"))
        .collect();
    let modules: std::collections::BTreeSet<Vec<String>> =
        files.iter().map(|f| module_of(f)).collect();
    let mut deps: std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>> =
        Default::default();
    for f in &files {
        let me = module_of(f);
        let text = std::fs::read_to_string(f).unwrap();
        // Code before the unit tests: tests may reach anywhere.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code = expand_braces(code);
        let words: Vec<&str> = code
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .filter(|w| w.starts_with("crate::") || w.starts_with("super::"))
            .collect();
        for w in words {
            let mut path: Vec<String> = if let Some(rest) = w.strip_prefix("crate::") {
                rest.split("::").map(String::from).collect()
            } else {
                let mut base = me.clone();
                let mut rest = w;
                // `super` of a mod.rs file is its folder's parent.
                let is_dir_module = f.ends_with("mod.rs");
                if !is_dir_module {
                    base.pop();
                }
                while let Some(r) = rest.strip_prefix("super::") {
                    if is_dir_module || r.starts_with("super::") {
                        base.pop();
                    }
                    rest = r;
                }
                base.extend(rest.split("::").map(String::from));
                base
            };
            while !path.is_empty() && !modules.contains(&path) {
                path.pop();
            }
            let related = path.starts_with(&me) || me.starts_with(&path);
            if !related {
                deps.entry(me.clone()).or_default().insert(path);
            }
        }
    }
    let mut circles = Vec::new();
    for (a, outs) in &deps {
        for b in outs {
            if a < b && deps.get(b).is_some_and(|o| o.contains(a)) {
                circles.push(format!("{} <-> {}", a.join("::"), b.join("::")));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules importing each other: {circles:#?}"
    );
}

/// Structural review of issue 14: the ARM emulator shipped in the library
/// and pulled axum, axum-server and rcgen into every build. It lives in the
/// dev-only workspace member `atg-emulators`, a dev-dependency.
#[test]
fn the_emulators_are_not_shipped() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let section = |name: &str| -> String {
        let start = manifest
            .find(&format!("\n[{name}]\n"))
            .unwrap_or_else(|| panic!("no [{name}] in Cargo.toml"));
        let rest = &manifest[start + name.len() + 4..];
        rest[..rest.find("\n[").unwrap_or(rest.len())].to_string()
    };
    let shipped = section("dependencies");
    for server_side in ["axum", "axum-server", "rcgen", "atg-emulators"] {
        assert!(
            !shipped
                .lines()
                .any(|l| l.starts_with(&format!("{server_side} "))),
            "`{server_side}` is a dependency of the shipped binary"
        );
    }
    assert!(section("dev-dependencies").contains("atg-emulators = { path = \"dev/emulators\" }"));
    // The emulators are default members (tested at the root), so `cargo run`
    // needs to be told which binary is atg's.
    assert!(section("package").contains("default-run = \"atg\""));
    assert!(!root().join("src/azure/emulator").exists());
    let emulators = std::fs::read_to_string(root().join("dev/emulators/Cargo.toml")).unwrap();
    assert!(
        emulators.contains("name = \"atg-emulators\"") && emulators.contains("publish = false")
    );
}

/// Issue 14, item 1, beyond deploy and live scan (tested in their own
/// files): every command prints through one output layer that redacts the
/// secrets of atg's environment in every escaping. Each command here is
/// handed the secret as an argument it echoes in its error (a path, an ID),
/// as a careless user or script might; none prints it.
#[test]
fn secrets_never_reach_any_commands_output() {
    for secret in [
        "abc<def&ghi-123456",
        "p\"w'd\\x y$z`!;|",
        "ümlaut€%2B+/=?#é",
    ] {
        let d = Dir::new();
        // A store, so the commands that read one get as far as the scan ID.
        d.scan(&contoso());
        // `patch` wants a repository before it reads the patch file.
        for args in [
            &["init", "-q"][..],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "--allow-empty",
                "-qm",
                "init",
            ],
        ] {
            let git = std::process::Command::new("git")
                .args(args)
                .current_dir(d.path())
                .status()
                .unwrap();
            assert!(git.success());
        }
        let commands: Vec<Vec<String>> = vec![
            vec![
                "scan".into(),
                "--from-file".into(),
                format!("{secret}.json"),
            ],
            vec!["validate".into(), secret.into()],
            vec![
                "generate".into(),
                "-o".into(),
                "out".into(),
                "--scan-id".into(),
                secret.into(),
            ],
            vec!["iterate".into(), "--scan-id".into(), secret.into()],
            vec![
                "fidelity".into(),
                "--source-subscription".into(),
                secret.into(),
                "--target-subscription".into(),
                "t".into(),
            ],
            vec!["patch".into(), "verify".into(), format!("{secret}.diff")],
        ];
        for args in commands {
            for format in ["table", "json"] {
                let mut cmd = d.atg();
                cmd.env("ATG_TENANT_TARGET_CLIENT_SECRET", secret)
                    .args(&args);
                if args[0] != "patch" {
                    cmd.args(["--format", format]);
                }
                let out = cmd.output().unwrap();
                assert!(!out.status.success(), "{args:?} should fail");
                let json = serde_json::to_string(secret).unwrap();
                let text = format!("{}{}", stdout(&out), stderr(&out));
                for spelling in [secret, &json[1..json.len() - 1]] {
                    assert!(
                        !text.contains(spelling),
                        "{args:?} printed `{spelling}`: {text}"
                    );
                }
                assert!(text.contains("[REDACTED]"), "{args:?}: {text}");
            }
        }
    }
}
