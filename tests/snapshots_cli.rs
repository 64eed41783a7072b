//! Snapshot tests of what users see: tables and error messages, with scan
//! IDs and temp paths filtered out.

mod common;
use common::*;

fn filtered(text: &str) -> String {
    let re_scan = |s: &str| {
        s.split_whitespace()
            .map(|w| {
                if w.starts_with("scan-2") {
                    if w.ends_with(':') {
                        "[SCAN_ID]:"
                    } else {
                        "[SCAN_ID]"
                    }
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    text.lines()
        .map(|l| {
            if l.contains("scan-2") {
                re_scan(l)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn scan_table_of_the_bundled_fixture() {
    let d = Dir::new();
    let out = d
        .atg()
        .args(["scan", "--from-file"])
        .arg(root().join("fixtures/tenant-synthetic-small.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("scan_stdout", stdout(&out));
    insta::assert_snapshot!("scan_stderr", filtered(&stderr(&out)));
}

#[test]
fn malformed_export_error() {
    let d = Dir::new();
    d.write(
        "bad.json",
        "[{\"id\": \"/subscriptions/s/resourceGroups/r/providers/A.B/c/d\", \"type\": \"a.b/c\",]",
    );
    let out = d
        .atg()
        .args(["scan", "--from-file", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("malformed_export_stderr", stderr(&out));
}
