//! The Neo4j graph store end to end, through the `atg` binary, against a
//! real Bolt server (kglite-bolt-server, see `common::bolt`): the same
//! results as the SQLite store, ATG-py's graphs read right, `graph copy`,
//! and the errors a user meets.

mod common;

use common::bolt::BoltServer;
use common::{Dir, contoso};
use std::path::Path;

/// Every file under `dir`, relative path → bytes, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Asserts two generated folders hold the same files with the same bytes.
fn assert_same_tree(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb), "different files");
    assert!(!ta.is_empty(), "nothing generated");
    for ((name, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(x == y, "`{name}` differs between the two stores");
    }
}

#[test]
fn contoso_scanned_into_neo4j_generates_the_same_bytes_as_from_sqlite() {
    let server = BoltServer::start();
    let d = Dir::new();
    let neo = d
        .atg()
        .args(["--graph", &server.uri(), "scan", "--from-file"])
        .arg(contoso())
        .output()
        .unwrap();
    assert!(neo.status.success(), "{}", common::stderr(&neo));
    let sql = d
        .atg()
        .args(["scan", "--from-file"])
        .arg(contoso())
        .output()
        .unwrap();
    assert!(sql.status.success(), "{}", common::stderr(&sql));
    // The same summary line, scan ID aside.
    let summary = |o: &std::process::Output| {
        let e = common::stderr(o);
        let line = e
            .lines()
            .find(|l| l.starts_with("Stored scan"))
            .unwrap()
            .to_string();
        line.split_once(": ").unwrap().1.to_string()
    };
    assert_eq!(summary(&neo), summary(&sql));
    for fmt in ["hcl", "json"] {
        d.atg()
            .env("NEO4J_URI", server.uri())
            .args(["generate", "-o", &format!("neo-{fmt}"), "--format", fmt])
            .assert()
            .success();
        d.atg()
            .args(["generate", "-o", &format!("sql-{fmt}"), "--format", fmt])
            .assert()
            .success();
        assert_same_tree(
            &d.path().join(format!("neo-{fmt}")),
            &d.path().join(format!("sql-{fmt}")),
        );
    }
}

const SOURCE_SUB: &str = "50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab";
const TARGET_SUB: &str = "11111111-2222-4333-8444-555555555555";

/// contoso copied into another subscription, one public IP left out and
/// one tag changed: a target with a known drift.
fn write_target(d: &Dir) -> std::path::PathBuf {
    let text = std::fs::read_to_string(contoso())
        .unwrap()
        .replace(SOURCE_SUB, TARGET_SUB);
    let mut t: serde_json::Value = serde_json::from_str(&text).unwrap();
    let resources = t["resources"].as_array_mut().unwrap();
    resources.retain(|r| r["name"] != "pip-aks-contoso-dev-egress-02");
    for r in resources.iter_mut() {
        if r["name"] == "nsg-contoso-dev-app" {
            r["tags"]["env"] = serde_json::json!("test");
        }
    }
    d.write("target.json", &t.to_string())
}

/// JSON output with the keys that name scans or times taken out.
fn verdict(o: &std::process::Output) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.retain(|k, _| !k.contains("scan") && k != "timestamp" && !k.ends_with("_at"));
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    assert!(o.status.success(), "{}", common::stderr(o));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    strip(&mut v);
    v
}

#[test]
fn fidelity_compare_and_monitor_give_the_same_results_on_neo4j_as_on_sqlite() {
    let server = BoltServer::start();
    let d = Dir::new();
    let target = write_target(&d);
    let run = |neo: bool, args: &[&str]| {
        let mut cmd = d.atg();
        if neo {
            cmd.args(["--graph", &server.uri()]);
        }
        cmd.args(args).output().unwrap()
    };
    for neo in [true, false] {
        for file in [contoso(), target.clone()] {
            let out = run(neo, &["scan", "--from-file", file.to_str().unwrap()]);
            assert!(out.status.success(), "{}", common::stderr(&out));
        }
    }
    let fidelity = [
        "fidelity",
        "--source-subscription",
        SOURCE_SUB,
        "--target-subscription",
        TARGET_SUB,
        "--format",
        "json",
    ];
    let (neo, sql) = (
        verdict(&run(true, &fidelity)),
        verdict(&run(false, &fidelity)),
    );
    assert_eq!(neo, sql);
    assert_eq!(neo["fidelity"]["overall"], serde_json::json!(98.0), "{neo}");
    let compare = [
        "compare",
        "--source",
        SOURCE_SUB,
        "--target",
        TARGET_SUB,
        "--format",
        "json",
        "--show-missing",
    ];
    let (neo, sql) = (
        verdict(&run(true, &compare)),
        verdict(&run(false, &compare)),
    );
    assert_eq!(neo, sql);
    assert!(
        neo.to_string().contains("pip-aks-contoso-dev-egress-02"),
        "{neo}"
    );
    let monitor = [
        "monitor",
        "--subscription-id",
        SOURCE_SUB,
        "--detect-stabilization",
        "--threshold",
        "2",
        "--interval",
        "0.05",
        "--format",
        "json",
    ];
    let polls = |o: std::process::Output| {
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        let last = String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string();
        let mut v: serde_json::Value = serde_json::from_str(&last).unwrap();
        v.as_object_mut()
            .unwrap()
            .retain(|k, _| !k.contains("scan") && k != "timestamp" && k != "time");
        v
    };
    let (neo, sql) = (polls(run(true, &monitor)), polls(run(false, &monitor)));
    assert_eq!(neo, sql);
    assert_eq!(neo["resources"], 51, "{neo}");
}

#[test]
fn a_graph_atg_py_wrote_reads_each_resource_once_and_cut_values_are_not_generated() {
    let server = BoltServer::start();
    common::bolt::write_atg_py_graph(&server.uri());
    let d = Dir::new();
    let list = d
        .atg()
        .args([
            "--graph",
            &server.uri(),
            "scan",
            "--list",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", common::stderr(&list));
    let scans: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(scans[0]["scan_id"], "atg-py", "{scans}");
    assert_eq!(scans[0]["resources"], 8, "{scans}");
    let out = d
        .atg()
        .args(["--graph", &server.uri(), "generate", "-o", "out"])
        .output()
        .unwrap();
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "warning: scan `atg-py` has 1 resource with values that Azure Tenant Grapher cut at 5000 characters (`...(truncated)`): they are skipped (listed in generation_report.md)"
        ),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&d.read("out/generation_report.json")).unwrap();
    let skipped = report["skipped"].as_array().unwrap();
    let st = skipped
        .iter()
        .find(|s| {
            s["arm_id"]
                .as_str()
                .is_some_and(|i| i.ends_with("/stlegacy"))
        })
        .unwrap_or_else(|| panic!("stlegacy not skipped: {report}"));
    assert_eq!(st["reason"], "truncated_source", "{st}");
    let tf: String = tree(&d.path().join("out"))
        .into_iter()
        .filter(|(n, _)| n.ends_with(".tf"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    assert!(!tf.contains("azurerm_storage_account"), "{tf}");
    assert!(tf.contains("resource \"azurerm_virtual_network\""), "{tf}");
    assert!(tf.contains("resource \"azurerm_subnet\""), "{tf}");
}

/// Every scan of a SQLite store, and each one's snapshot, as the trait reads them.
fn sqlite_contents(path: &Path) -> Vec<(atg::model::ScanInfo, String)> {
    use atg::graph::GraphStore;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = atg::graph::sqlite::SqliteStore::open(path).unwrap();
    rt.block_on(async {
        let mut out = Vec::new();
        for mut scan in store.scans().await.unwrap() {
            let s = store.load_snapshot(&scan.scan_id).await.unwrap();
            scan.finished_at = None;
            out.push((
                scan,
                format!(
                    "{:?}",
                    (
                        s.subscriptions,
                        s.resource_groups,
                        s.resources,
                        s.relationships
                    )
                ),
            ));
        }
        out
    })
}

#[test]
fn graph_copy_round_trips_sqlite_to_neo4j_to_sqlite_keeping_every_resource_and_relationship() {
    let server = BoltServer::start();
    let d = Dir::new();
    for file in [
        contoso(),
        common::root().join("fixtures/tenant-synthetic-small.json"),
    ] {
        d.atg()
            .args(["--graph", "sqlite:a.db", "scan", "--from-file"])
            .arg(file)
            .assert()
            .success();
    }
    let copy = |from: &str, to: &str, extra: &[&str]| {
        let out = d
            .atg()
            .args(["graph", "copy", "--from", from, "--to", to])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        (common::stdout(&out), common::stderr(&out))
    };
    let (table, _) = copy("sqlite:a.db", &server.uri(), &["--dry-run"]);
    assert!(table.contains("would copy"), "{table}");
    let (_, status) = copy("sqlite:a.db", &server.uri(), &[]);
    let line = format!(
        "Copied 2 of 2 scans from `sqlite:a.db` to `{}`",
        server.uri()
    );
    assert!(status.contains(&line), "{status}");
    let (json, _) = copy(&server.uri(), "sqlite:b.db", &["--format", "json"]);
    let outcomes: serde_json::Value = serde_json::from_str(&json).unwrap();
    let states: Vec<&str> = outcomes
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["copied", "copied"], "{outcomes}");
    assert_eq!(outcomes[0]["resources"], 51, "contoso first (oldest)");
    assert_eq!(outcomes[0]["relationships"], 122);
    let (a, b) = (
        sqlite_contents(&d.path().join("a.db")),
        sqlite_contents(&d.path().join("b.db")),
    );
    assert_eq!(a.len(), 2);
    assert!(a == b, "the round trip changed a scan or a snapshot");
    // Run again: nothing to do.
    let (table, status) = copy("sqlite:a.db", &server.uri(), &[]);
    assert!(table.contains("already there"), "{table}");
    assert!(status.contains("Copied 0 of 2 scans"), "{status}");
}

#[test]
fn an_atg_py_graph_copied_to_sqlite_keeps_its_cut_values_flagged() {
    let server = BoltServer::start();
    common::bolt::write_atg_py_graph(&server.uri());
    let d = Dir::new();
    d.atg()
        .args([
            "graph",
            "copy",
            "--from",
            &server.uri(),
            "--to",
            "sqlite:c.db",
            "--scan-id",
            "atg-py",
        ])
        .assert()
        .success();
    let out = d
        .atg()
        .args(["--graph", "sqlite:c.db", "generate", "-o", "out"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out)
            .contains("scan `atg-py` has 1 resource with values that Azure Tenant Grapher cut"),
        "{}",
        common::stderr(&out)
    );
}

/// Output with the test's port numbers written as `PORT`.
fn ports_out(text: &str, ports: &[u16]) -> String {
    ports
        .iter()
        .fold(text.to_string(), |t, p| t.replace(&p.to_string(), "PORT"))
}

#[test]
fn a_server_that_is_down_a_wrong_password_and_an_unknown_scheme_each_fail_in_one_line() {
    // Down: nothing listens on a port that was just free.
    let port = common::bolt::free_port();
    let d = Dir::new();
    let down = d
        .atg()
        .args([
            "--graph",
            &format!("bolt://127.0.0.1:{port}"),
            "scan",
            "--list",
        ])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(3), "{}", common::stderr(&down));
    insta::assert_snapshot!(
        "neo4j_down_stderr",
        ports_out(&common::stderr(&down), &[port])
    );
    let routed = d
        .atg()
        .env("NEO4J_URI", format!("neo4j://127.0.0.1:{port}"))
        .args(["generate", "-o", "out"])
        .output()
        .unwrap();
    assert_eq!(routed.status.code(), Some(3));
    assert!(
        common::stderr(&routed).starts_with(&format!(
            "error: cannot reach the Neo4j server at `neo4j://127.0.0.1:{port}`: Connection refused"
        )),
        "{}",
        common::stderr(&routed)
    );

    let server = BoltServer::with_auth("atg", "right-password");
    let as_user = |password: Option<&str>| {
        let mut cmd = d.atg();
        cmd.env("NEO4J_USER", "atg");
        if let Some(p) = password {
            cmd.env("NEO4J_PASSWORD", p);
        }
        cmd.args([
            "--graph",
            &server.uri(),
            "scan",
            "--list",
            "--format",
            "json",
        ])
        .output()
        .unwrap()
    };
    let wrong = as_user(Some("wrong-password"));
    assert_eq!(wrong.status.code(), Some(3), "{}", common::stderr(&wrong));
    let text = ports_out(&common::stderr(&wrong), &[server.port()]);
    assert!(
        !text.contains("wrong-password"),
        "the password is never shown"
    );
    insta::assert_snapshot!("neo4j_wrong_password_stderr", text);
    let none = as_user(None);
    assert_eq!(none.status.code(), Some(3));
    assert!(
        common::stderr(&none)
            .contains("requires a user and password, and NEO4J_PASSWORD is not set"),
        "{}",
        common::stderr(&none)
    );
    let right = as_user(Some("right-password"));
    assert!(right.status.success(), "{}", common::stderr(&right));
    assert_eq!(common::stdout(&right).trim(), "[]");

    let scheme = d
        .atg()
        .args(["--graph", "mongodb://127.0.0.1:27017", "scan", "--list"])
        .output()
        .unwrap();
    assert_eq!(scheme.status.code(), Some(2));
    insta::assert_snapshot!("neo4j_unknown_scheme_stderr", common::stderr(&scheme));
}

#[test]
fn iterate_on_neo4j_runs_the_same_iterations_as_on_sqlite() {
    let server = BoltServer::start();
    let run = |neo: bool| {
        let d = Dir::new();
        let graph = if neo {
            server.uri()
        } else {
            "sqlite:g.db".to_string()
        };
        d.atg()
            .args(["--graph", &graph, "scan", "--from-file"])
            .arg(contoso())
            .assert()
            .success();
        let out = d
            .atg()
            .args([
                "--graph",
                &graph,
                "iterate",
                "--until-stable",
                "--validator",
                "builtin",
            ])
            .arg("--provider-schema")
            .arg(common::azurerm_schema())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        (d, common::stdout(&out))
    };
    let ((neo, neo_table), (sql, sql_table)) = (run(true), run(false));
    assert_eq!(neo_table, sql_table);
    assert!(neo_table.contains("builtin (provider)"), "{neo_table}");
    for n in 1..=3 {
        assert_same_tree(
            &neo.path().join(format!("demos/iteration{n}")),
            &sql.path().join(format!("demos/iteration{n}")),
        );
    }
}

/// Writes `long.json`: contoso's subscriptions, resource groups and
/// resources first, then a synthetic tenant of 24,000 resources, so that a
/// scan of it rewrites contoso's nodes in its first batch and is still
/// writing for seconds after.
fn write_long_export(d: &Dir) -> std::path::PathBuf {
    d.atg()
        .args(["synth", "--resources", "24000", "--output", "synth.json"])
        .assert()
        .success();
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let (contoso, mut long) = (read(&contoso()), read(&d.path().join("synth.json")));
    for key in ["subscriptions", "resourceGroups", "resources"] {
        let mut items = contoso[key].as_array().unwrap().clone();
        items.append(long[key].as_array_mut().unwrap());
        long[key] = serde_json::Value::Array(items);
    }
    d.write("long.json", &long.to_string())
}

/// Starts `atg --graph GRAPH scan --from-file long.json` in `d`, and returns
/// it with its scan ID once the store holds resources of that scan.
fn start_long_scan(d: &Dir, graph: &str) -> (std::process::Child, String) {
    let mut child = d
        .std_atg()
        .args(["--graph", graph, "scan", "--from-file", "long.json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let store = atg::graph::open(graph).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        let running = rt
            .block_on(store.scans())
            .unwrap()
            .into_iter()
            .find(|s| s.status == atg::model::ScanStatus::Running);
        if let Some(s) = running
            && rt
                .block_on(store.counts(&s.scan_id, None))
                .unwrap()
                .resources
                > 0
        {
            return (child, s.scan_id);
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scan ended before it was seen storing"
        );
        assert!(start.elapsed().as_secs() < 180, "the scan never stored");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `atg --graph GRAPH ARGS --format json` in `d`, parsed; it must succeed.
fn json_of(d: &Dir, graph: &str, args: &[&str]) -> serde_json::Value {
    let out = d
        .atg()
        .args(["--graph", graph])
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A scan listing without what differs between two runs (IDs, times).
fn listing(scans: &serde_json::Value) -> serde_json::Value {
    let mut scans = scans.clone();
    for s in scans.as_array_mut().unwrap() {
        let s = s.as_object_mut().unwrap();
        s.retain(|k, _| k != "scan_id" && !k.ends_with("_at"));
    }
    scans
}

/// Issue 14, item 8, on Neo4j (issue 10: every command works there as on
/// SQLite): a scan killed while it was writing (after it had rewritten the
/// nodes of a finished scan) lists as abandoned, `monitor` passes it over,
/// and `scan --prune` removes it, leaving the graph as it was before it and
/// the same listing as on SQLite.
#[test]
fn a_killed_scan_is_abandoned_and_pruned_on_neo4j_as_on_sqlite() {
    let server = BoltServer::start();
    let d = Dir::new();
    write_long_export(&d);
    let sqlite = format!("sqlite:{}", d.path().join("g.db").display());
    let mut after = Vec::new();
    for graph in [server.uri(), sqlite] {
        d.atg()
            .args(["--graph", &graph, "scan", "--from-file"])
            .arg(contoso())
            .assert()
            .success();
        let finished = json_of(&d, &graph, &["scan", "--list"])[0]["scan_id"].clone();
        let neo = graph == server.uri();
        let before = neo.then(|| common::bolt::graph_dump(&graph));
        let (mut child, killed) = start_long_scan(&d, &graph);
        child.kill().unwrap();
        child.wait().unwrap();
        if neo {
            let rewritten = common::bolt::cypher(
                &graph,
                &["MATCH (r:Resource) WHERE r.name = 'nsg-contoso-dev-app' RETURN r.scan_id AS s"],
                &[],
            );
            assert_eq!(
                rewritten[0]["s"],
                killed.as_str(),
                "the killed scan took over contoso's nodes"
            );
        }

        let scans = json_of(&d, &graph, &["scan", "--list"]);
        assert_eq!(scans[0]["scan_id"], killed.as_str());
        assert_eq!(scans[0]["status"], "abandoned");
        let poll = json_of(&d, &graph, &["monitor"]);
        assert_eq!(
            poll["scan_id"], finished,
            "monitor passes the abandoned scan over"
        );
        let dry = json_of(&d, &graph, &["scan", "--prune", "--dry-run"]);
        assert_eq!(dry["removed"][0]["scan_id"], killed.as_str());
        assert_eq!(
            json_of(&d, &graph, &["scan", "--list"])
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let pruned = json_of(&d, &graph, &["scan", "--prune"]);
        assert_eq!(pruned["removed"].as_array().unwrap().len(), 1);
        assert_eq!(pruned["removed"][0]["scan_id"], killed.as_str());
        assert_eq!(pruned["removed"][0]["status"], "abandoned");
        let scans = json_of(&d, &graph, &["scan", "--list"]);
        assert_eq!(scans[0]["scan_id"], finished);
        after.push(listing(&scans));
        if let Some(before) = before {
            assert_eq!(
                common::bolt::graph_dump(&graph),
                before,
                "the graph is as it was before the killed scan"
            );
        }
    }
    assert_eq!(
        after[0], after[1],
        "the same scans, counts and statuses as on SQLite"
    );
}

/// Issue 14, item 9, on Neo4j: Ctrl-C while `scan` is writing says
/// "interrupted, nothing stored", and nothing is: the graph is as it was.
#[test]
fn ctrl_c_while_a_scan_writes_to_neo4j_leaves_the_graph_as_it_was() {
    let server = BoltServer::start();
    let d = Dir::new();
    write_long_export(&d);
    let graph = server.uri();
    d.atg()
        .args(["--graph", &graph, "scan", "--from-file"])
        .arg(contoso())
        .assert()
        .success();
    let before = common::bolt::graph_dump(&graph);
    let scans = json_of(&d, &graph, &["scan", "--list"]);
    let (child, _) = start_long_scan(&d, &graph);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", common::stderr(&out));
    assert_eq!(
        common::stderr(&out),
        "error: scan interrupted; nothing stored\n"
    );
    assert_eq!(json_of(&d, &graph, &["scan", "--list"]), scans);
    assert_eq!(common::bolt::graph_dump(&graph), before);
}
