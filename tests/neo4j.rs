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
