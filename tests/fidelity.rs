//! `atg fidelity`, `atg fidelity history`, `atg compare`,
//! `atg compare-iterations` and `atg monitor` end to end on the real
//! binary. The target is the contoso fixture copied with known edits: a new
//! subscription, `ITERATION7_` resource groups, a storage account renamed
//! the way `generate` names it, two resources removed, three changed
//! (one of them with a secret) and one extra resource.

mod common;
use common::*;
use serde_json::{Value, json};

const SOURCE_SUB: &str = "50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab";
const TARGET_SUB: &str = "11111111-2222-4333-8444-555555555555";
const SECRET: &str = "S3cret-Value!";
const STORAGE: &str = "stcontosodev";
const STORAGE_COPY: &str = "stcontosodevq3x9ab";

/// Rewrites every string (and object key) of the export the way a
/// deployed copy differs.
fn rewrite(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (rewrite_str(k), rewrite(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(rewrite).collect()),
        Value::String(s) => Value::String(rewrite_str(s)),
        other => other.clone(),
    }
}

fn rewrite_str(s: &str) -> String {
    let mut s = s.replace(SOURCE_SUB, TARGET_SUB);
    for g in ["/resourceGroups/rg-", "/resourcegroups/rg-"] {
        s = s.replace(g, &g.replace("rg-", "ITERATION7_rg-"));
    }
    if ["rg-network", "rg-app", "rg-data", "rg-shared"].contains(&s.as_str()) {
        s = format!("ITERATION7_{s}");
    }
    let account = format!("/storageAccounts/{STORAGE}");
    if s.ends_with(&account) || s.contains(&format!("{account}/")) {
        s = s.replace(&account, &format!("/storageAccounts/{STORAGE_COPY}"));
    }
    if s == STORAGE {
        s = STORAGE_COPY.into();
    }
    s.replace(&format!("{STORAGE}."), &format!("{STORAGE_COPY}."))
}

/// Writes the edited copy of contoso as `target.json`.
fn write_target(d: &Dir) -> std::path::PathBuf {
    let source: Value = serde_json::from_str(&std::fs::read_to_string(contoso()).unwrap()).unwrap();
    let mut t = rewrite(&source);
    let resources = t["resources"].as_array_mut().unwrap();
    resources.retain(|r| {
        ![
            "pip-aks-contoso-dev-egress-02",
            "vm-contoso-dev-lnx01-data-01",
        ]
        .contains(&r["name"].as_str().unwrap())
    });
    for r in resources.iter_mut() {
        match r["name"].as_str().unwrap() {
            "vm-contoso-dev-win01" => {
                r["properties"]["hardwareProfile"]["vmSize"] = json!("Standard_D4s_v3")
            }
            "nsg-contoso-dev-app" => r["tags"]["env"] = json!("test"),
            "psql-contoso-dev" => r["properties"]["administratorLoginPassword"] = json!(SECRET),
            _ => {}
        }
    }
    let mut extra = resources
        .iter()
        .find(|r| r["name"] == "id-contoso-dev-app")
        .unwrap()
        .clone();
    let id = extra["id"]
        .as_str()
        .unwrap()
        .replace("id-contoso-dev-app", "id-extra");
    extra["id"] = json!(id);
    extra["name"] = json!("id-extra");
    resources.push(extra);
    d.write("target.json", &serde_json::to_string_pretty(&t).unwrap())
}

/// A folder whose store holds the source scan, then the target scan.
fn scanned() -> Dir {
    let d = Dir::new();
    let target = write_target(&d);
    for file in [contoso(), target] {
        let out = d
            .atg()
            .args(["scan", "--from-file"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    d
}

fn fidelity(d: &Dir, extra: &[&str]) -> std::process::Output {
    d.atg()
        .args([
            "fidelity",
            "--source-subscription",
            SOURCE_SUB,
            "--target-subscription",
            TARGET_SUB,
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn json_of(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn not_exact(v: &Value) -> Vec<(String, String)> {
    v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "EXACT_MATCH")
        .map(|r| {
            let id = r["source_id"].as_str().or(r["target_id"].as_str()).unwrap();
            (
                r["status"].as_str().unwrap().to_string(),
                id.rsplit('/').next().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fidelity_counts_and_classifies_every_resource_of_the_edited_copy() {
    let d = scanned();
    let v = json_of(&fidelity(&d, &["--format", "json"]));
    // The Python tool's keys and count fidelity.
    assert_eq!(v["source"]["subscription_id"], SOURCE_SUB);
    assert_eq!(v["source"]["resources"], 51);
    assert_eq!(v["source"]["relationships"], 122);
    assert_eq!(v["source"]["resource_groups"], 4);
    assert_eq!(v["source"]["resource_types"], 32);
    assert_eq!(v["target"]["subscription_id"], TARGET_SUB);
    assert_eq!(v["target"]["resources"], 50);
    assert_eq!(v["target"]["relationships"], 119);
    assert_eq!(v["target"]["resource_types"], 32);
    let f = &v["fidelity"];
    assert_eq!(f["overall"], 98.0);
    assert_eq!(f["missing_resources"], 1);
    assert_eq!(f["target_fidelity"], 95.0);
    assert_eq!(f["objective_met"], true);
    assert_eq!(f["by_type"]["microsoft.compute/disks"], 66.7);
    assert_eq!(f["by_type"]["microsoft.network/publicipaddresses"], 75.0);
    assert_eq!(
        f["by_type"]["microsoft.managedidentity/userassignedidentities"],
        150.0
    );
    assert_eq!(f["by_type"]["microsoft.storage/storageaccounts"], 100.0);
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["iteration"], 7);
    // Resource level: the renamed storage account pairs; each edit shows.
    let l = &v["resource_level"];
    assert_eq!(
        (
            l["exact_match"].clone(),
            l["drifted"].clone(),
            l["missing_target"].clone(),
            l["missing_source"].clone()
        ),
        (json!(46), json!(3), json!(2), json!(1))
    );
    assert_eq!(l["matched_percent"], 96.1);
    assert_eq!(l["exact_percent"], 90.2);
    assert_eq!(l["by_type"]["microsoft.compute/disks"]["missing_target"], 1);
    assert_eq!(
        l["by_type"]["microsoft.compute/disks"]["matched_percent"],
        66.7
    );
    assert_eq!(
        l["by_type"]["microsoft.storage/storageaccounts"]["exact_match"],
        2
    );
    assert_eq!(l["resource_groups"]["matched"], 4);
    // Edges to the two removed resources are not comparable; the rest survive.
    assert_eq!(l["relationships"]["comparable"], 118);
    assert_eq!(l["relationships"]["preserved"], 118);
    assert_eq!(l["relationships"]["extra"], 0);
    assert_eq!(
        not_exact(&v),
        [
            (
                "MISSING_TARGET".into(),
                "vm-contoso-dev-lnx01-data-01".into()
            ),
            ("DRIFTED".into(), "vm-contoso-dev-win01".into()),
            ("DRIFTED".into(), "psql-contoso-dev".into()),
            ("MISSING_SOURCE".into(), "id-extra".into()),
            ("DRIFTED".into(), "nsg-contoso-dev-app".into()),
            (
                "MISSING_TARGET".into(),
                "pip-aks-contoso-dev-egress-02".into()
            ),
        ]
    );
    let diffs: Vec<&Value> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "DRIFTED")
        .map(|r| &r["differences"])
        .collect();
    assert_eq!(
        diffs,
        [
            &json!([{"path": "properties.hardwareProfile.vmSize", "source": "Standard_DS1_v2", "target": "Standard_D4s_v3"}]),
            &json!([{"path": "properties.administratorLoginPassword", "source": null, "target": "[redacted]"}]),
            &json!([{"path": "tags.env", "source": "dev", "target": "test"}]),
        ]
    );
}

#[test]
fn every_format_redacts_the_secret_and_csv_lists_each_resource() {
    let d = scanned();
    for format in ["table", "json", "csv", "markdown"] {
        let out = fidelity(&d, &["--format", format]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).contains(SECRET), "{format} leaks the secret");
        assert!(stdout(&out).contains("[redacted]"), "{format}");
    }
    let csv = stdout(&fidelity(&d, &["--format", "csv"]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "status,type,source_id,target_id,differences");
    assert_eq!(lines.len(), 1 + 52, "51 source resources and 1 extra");
    assert!(
        lines.iter().any(
            |l| l.starts_with("DRIFTED,microsoft.network/networksecuritygroups,")
                && l.ends_with(",tags.env: dev → test")
        ),
        "{csv}"
    );
    // --output infers the format from the extension and writes atomically.
    let out = fidelity(&d, &["--output", "reports/fidelity.md", "--track"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let md = d.read("reports/fidelity.md");
    assert!(md.starts_with("# Fidelity\n"), "{md}");
    assert!(md.contains("| DRIFTED | microsoft.compute/virtualmachines | rg-app/vm-contoso-dev-win01 | properties.hardwareProfile.vmSize: Standard_DS1_v2 → Standard_D4s_v3 |"), "{md}");
    let filtered: Vec<&str> = md.lines().filter(|l| !l.contains("scan `scan-2")).collect();
    insta::assert_snapshot!("fidelity_markdown", filtered.join("\n"));
    let history = d.read("demos/fidelity_history.jsonl");
    assert!(!history.contains(SECRET));
    assert_eq!(history.lines().count(), 1);
    let line: Value = serde_json::from_str(history.lines().next().unwrap()).unwrap();
    assert_eq!(line["fidelity"]["overall"], 98.0);
    assert!(
        line.get("resources").is_none(),
        "history lines carry no per-resource verdicts"
    );
}

#[test]
fn resource_type_filter_limits_both_sides() {
    let d = scanned();
    let v = json_of(&fidelity(
        &d,
        &[
            "--format",
            "json",
            "--resource-type",
            "Microsoft.Compute/disks",
        ],
    ));
    assert_eq!(v["source"]["resources"], 3);
    assert_eq!(v["target"]["resources"], 2);
    assert_eq!(v["fidelity"]["overall"], 66.7);
    assert_eq!(v["resource_level"]["missing_target"], 1);
    assert_eq!(v["resources"].as_array().unwrap().len(), 3);
}

#[test]
fn objective_met_exits_0_and_unmet_exits_1_naming_the_conditions() {
    let d = scanned();
    d.write(
        "met.md",
        "# Objective\n\nTarget fidelity: 95%\n\n## Pass conditions\n\n- `resource_match >= 96%`: nearly all copied\n- missing_source <= 1\n- type microsoft.storage/storageaccounts >= 100%\n",
    );
    let out = fidelity(&d, &["--check-objective", "met.md", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["objective"]["met"], true);
    assert_eq!(v["fidelity"]["objective_met"], true);
    assert_eq!(v["objective"]["conditions"].as_array().unwrap().len(), 4);
    assert!(stderr(&out).contains("Objective `met.md` met (4 conditions)"));

    d.write(
        "unmet.md",
        "# Objective\n\nReplicate with 99% fidelity.\n\n## Pass conditions\n\n- exact_match >= 95%\n- missing_target <= 0\n- relationships >= 100%\n",
    );
    let out = fidelity(&d, &["--check-objective", "unmet.md", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["fidelity"]["objective_met"], false);
    assert_eq!(v["fidelity"]["target_fidelity"], 99.0);
    let err = stderr(&out);
    assert!(
        err.contains("objective `unmet.md` not met:\n  - overall >= 99% (actual 98)\n  - exact_match >= 95% (actual 90.2)\n  - missing_target <= 0 (actual 2)\n"),
        "{err}"
    );
    assert!(
        !err.contains("relationships >= 100%"),
        "a met condition is not listed"
    );

    d.write("bad.md", "## Pass conditions\n- everything is fine\n");
    let out = fidelity(&d, &["--check-objective", "bad.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 2: `everything is fine` is not a pass condition"),
        "{}",
        stderr(&out)
    );
    let out = fidelity(&d, &["--check-objective", "missing.md"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The project's own OBJECTIVE.md documents the format; it must parse.
#[test]
fn the_projects_objective_file_parses_and_checks() {
    let d = scanned();
    let out = fidelity(
        &d,
        &[
            "--check-objective",
            root().join("OBJECTIVE.md").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["objective"]["conditions"].as_array().unwrap().len() >= 3);
}

#[test]
fn unknown_subscription_is_an_input_error() {
    let d = scanned();
    let out = d
        .atg()
        .args([
            "fidelity",
            "--source-subscription",
            SOURCE_SUB,
            "--target-subscription",
            "nope",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no finished scan for subscription `nope`"),
        "{}",
        stderr(&out)
    );
    let out = d
        .atg()
        .args(["fidelity", "--source-subscription", SOURCE_SUB])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a target is required");
}

#[test]
fn history_shows_the_trend_and_draws_a_chart() {
    let d = scanned();
    assert!(fidelity(&d, &["--track", "-q"]).status.success());
    assert!(
        fidelity(
            &d,
            &[
                "--track",
                "-q",
                "--resource-type",
                "microsoft.compute/disks"
            ]
        )
        .status
        .success()
    );
    let out = d
        .atg()
        .args(["fidelity", "history", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][0], "run");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[1][2], rows[1][5], rows[1][6], rows[1][7]),
        ("7", "98.0", "-", "96.1")
    );
    assert_eq!((rows[2][5], rows[2][6]), ("66.7", "-31.3"));
    let svg = d.read("demos/fidelity_history.svg");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("resource match") && svg.contains("microsoft.compute/disks"));
    let out = d
        .atg()
        .args([
            "fidelity",
            "history",
            "--no-chart",
            "--history-file",
            "none.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn compare(d: &Dir, source: &str, target: &str, extra: &[&str]) -> std::process::Output {
    d.atg()
        .args(["compare", "--source", source, "--target", target])
        .args(extra)
        .output()
        .unwrap()
}

fn source_scan(d: &Dir) -> String {
    let out = d
        .atg()
        .args(["scan", "--list", "--format", "json"])
        .output()
        .unwrap();
    let scans: Value = serde_json::from_str(&stdout(&out)).unwrap();
    scans
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subscriptions"][0] == SOURCE_SUB)
        .unwrap()["scan_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn compare_shows_types_side_by_side_missing_extra_and_differences() {
    let d = scanned();
    let scan = source_scan(&d);
    // A scan ID and a subscription are both accepted.
    let v = json_of(&compare(
        &d,
        &scan,
        TARGET_SUB,
        &["--format", "json", "--show-missing"],
    ));
    assert_eq!(v["by_type"]["microsoft.compute/disks"]["source"], 3);
    assert_eq!(v["by_type"]["microsoft.compute/disks"]["target"], 2);
    assert_eq!(
        v["by_type"]["microsoft.managedidentity/userassignedidentities"]["target"],
        3
    );
    let ids = |k: &str, side: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r[side]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        ids("missing_in_target", "source_id"),
        [
            "vm-contoso-dev-lnx01-data-01",
            "pip-aks-contoso-dev-egress-02"
        ]
    );
    assert_eq!(ids("extra_in_target", "target_id"), ["id-extra"]);
    assert_eq!(
        ids("drifted", "source_id"),
        [
            "vm-contoso-dev-win01",
            "psql-contoso-dev",
            "nsg-contoso-dev-app"
        ]
    );
    assert_eq!(v["drifted"][2]["differences"][0]["path"], "tags.env");
    let v = json_of(&compare(&d, SOURCE_SUB, TARGET_SUB, &["--format", "json"]));
    assert!(
        v.get("missing_in_target").is_none(),
        "listed only with --show-missing"
    );
    assert_eq!(v["totals"]["missing_target"], 2);

    // Markdown is deterministic and renders on GitHub: headings and pipe tables.
    let a = compare(
        &d,
        SOURCE_SUB,
        TARGET_SUB,
        &["--output", "report.md", "--show-missing"],
    );
    assert!(a.status.success(), "{}", stderr(&a));
    let first = d.read("report.md");
    assert!(
        compare(
            &d,
            SOURCE_SUB,
            TARGET_SUB,
            &["--output", "report.md", "--show-missing"]
        )
        .status
        .success()
    );
    assert_eq!(first, d.read("report.md"), "same stores, same bytes");
    assert!(first.contains("\n## Resource types\n\n| resource type | source | target | difference | missing | extra | drifted |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"), "{first}");
    assert!(first.contains("| microsoft.compute/disks | 3 | 2 | -1 | 1 | 0 | 0 |"));
    assert!(first.contains("| rg-network/nsg-contoso-dev-app | microsoft.network/networksecuritygroups | tags.env | dev | test |"));
    assert!(!first.contains(SECRET));
    let scan_line = first.lines().nth(2).unwrap().to_string();
    insta::assert_snapshot!(
        "compare_markdown",
        first.replace(
            &scan_line,
            "Source scan `[SCAN_ID]`, target scan `[SCAN_ID]`"
        )
    );
}

/// Writes `root/iterationN/` files as `iterate` does, with the given
/// emitted ARM IDs, skipped ARM IDs and error diagnostics.
fn iteration(d: &Dir, n: u32, emitted: &[&str], skipped: &[&str], errors: &[(&str, &str)]) {
    let resources: Vec<Value> = emitted
        .iter()
        .map(|id| json!({"address": format!("azurerm_x.{}", id.rsplit('/').next().unwrap()), "arm_id": id}))
        .collect();
    let skipped_v: Vec<Value> = skipped
        .iter()
        .map(|id| json!({"arm_id": id, "arm_type": "microsoft.network/publicipaddresses", "reason": "remediation", "detail": "learned"}))
        .collect();
    let mut by_type = serde_json::Map::new();
    for id in emitted {
        let t = if id.contains("disks") {
            "microsoft.compute/disks"
        } else {
            "microsoft.network/publicipaddresses"
        };
        let e = by_type
            .entry(t)
            .or_insert(json!({"in_scope": 0, "emitted": 0, "skipped": 0}));
        e["emitted"] = json!(e["emitted"].as_u64().unwrap() + 1);
    }
    d.write(
        &format!("demos/iteration{n}/generation_report.json"),
        &json!({"emitted_resources": emitted.len(), "skipped_resources": skipped.len(), "terraform_blocks": emitted.len(),
                "by_type": by_type, "skipped": skipped_v, "resources": resources, "unknown_key": 1})
        .to_string(),
    );
    let diags: Vec<Value> = errors
        .iter()
        .map(|(s, a)| json!({"severity": "error", "summary": s, "detail": "", "address": a}))
        .collect();
    d.write(
        &format!("demos/iteration{n}/validate.json"),
        &json!({"validator": "builtin", "level": "provider", "valid": errors.is_empty(),
                "error_count": errors.len(), "warning_count": 0, "diagnostics": diags})
        .to_string(),
    );
    d.write(
        &format!("demos/iteration{n}/analysis.json"),
        &json!({"iteration": n, "passed": errors.is_empty(),
                "errors_by_category": {"missing_required_argument": errors.len(), "other": 0},
                "errors": errors.len(), "remediations_learned": errors.len()})
        .to_string(),
    );
}

#[test]
fn compare_iterations_reports_types_errors_and_changes() {
    let d = Dir::new();
    let (disk, pip1, pip2) = (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d1",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p1",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p2",
    );
    iteration(
        &d,
        180,
        &[disk, pip1, pip2],
        &[],
        &[("Missing required argument", "azurerm_public_ip.p2")],
    );
    iteration(&d, 181, &[disk, pip1], &[pip2], &[]);
    iteration(&d, 182, &[disk, pip1], &[pip2], &[]);
    let out = d
        .atg()
        .args([
            "compare-iterations",
            "--iterations",
            "180-182",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(
        v["resources_by_type"]["microsoft.network/publicipaddresses"],
        json!([2, 1, 1])
    );
    assert_eq!(
        v["resources_by_type"]["microsoft.compute/disks"],
        json!([1, 1, 1])
    );
    assert_eq!(
        v["errors_by_category"]["missing_required_argument"],
        json!([1, 0, 0])
    );
    let c = &v["changes"][0];
    assert_eq!(
        (c["from"].clone(), c["to"].clone()),
        (json!(180), json!(181))
    );
    assert_eq!(c["resources_removed"], json!([pip2]));
    assert_eq!(
        c["newly_skipped"],
        json!([{"arm_id": pip2, "reason": "remediation"}])
    );
    assert_eq!(
        c["errors_fixed"],
        json!(["Missing required argument at azurerm_public_ip.p2"])
    );
    assert_eq!(v["changes"][1]["resources_removed"], json!([]));
    let md = |d: &Dir| {
        let out = d
            .atg()
            .args([
                "compare-iterations",
                "--iterations",
                "180,181,182",
                "--format",
                "markdown",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let first = md(&d);
    assert_eq!(first, md(&d));
    insta::assert_snapshot!("compare_iterations_markdown", first);
    let out = d
        .atg()
        .args(["compare-iterations", "--iterations", "180,9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("iteration 9: cannot read"),
        "{}",
        stderr(&out)
    );
    let out = d
        .atg()
        .args(["compare-iterations", "--iterations", "5-3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// What `atg iterate` writes is what compare-iterations reads.
#[test]
fn compare_iterations_reads_real_iterate_output() {
    let d = Dir::new();
    d.atg()
        .args(["scan", "--from-file"])
        .arg(contoso())
        .assert()
        .success();
    d.atg()
        .args([
            "iterate",
            "--until-stable",
            "--threshold",
            "2",
            "--validator",
            "builtin",
        ])
        .assert()
        .success();
    let v = json_of(
        &d.atg()
            .args([
                "compare-iterations",
                "--iterations",
                "1-2",
                "--format",
                "json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["iterations"][0]["resources"], 47);
    assert_eq!(v["iterations"][1]["valid"], true);
    assert_eq!(
        v["resources_by_type"]["microsoft.network/virtualnetworks/subnets"],
        json!([6, 6])
    );
    assert_eq!(v["changes"][0]["resources_added"], json!([]));
}

#[test]
fn monitor_stabilises_writes_metrics_and_fails_when_polls_run_out() {
    let d = Dir::new();
    d.atg()
        .args(["scan", "--from-file"])
        .arg(contoso())
        .assert()
        .success();
    let out = d
        .atg()
        .args([
            "monitor",
            "--subscription-id",
            SOURCE_SUB,
            "--detect-stabilization",
            "--threshold",
            "3",
            "--interval",
            "0.05",
            "--format",
            "json",
            "--metrics-file",
            "atg.prom",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let polls: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(polls.len(), 3);
    assert_eq!(polls[2]["resources"], 51);
    assert_eq!(polls[2]["resource_groups"], 4);
    assert_eq!(polls[2]["resource_types"], 32);
    assert_eq!(polls[2]["identical_polls"], 3);
    assert_eq!(polls[2]["stable"], true);
    assert!(
        stderr(&out).contains("Stable: 3 polls in a row gave 51 resources"),
        "{}",
        stderr(&out)
    );
    let prom = d.read("atg.prom");
    assert!(
        prom.contains("# TYPE atg_monitor_resources gauge\n"),
        "{prom}"
    );
    assert!(prom.contains(&format!(
        "atg_monitor_resources{{subscription=\"{SOURCE_SUB}\",scan_id=\""
    )));
    assert!(prom.contains("atg_monitor_stable{") && prom.contains("} 1\n"));

    let out = d
        .atg()
        .args([
            "monitor",
            "--detect-stabilization",
            "--threshold",
            "3",
            "--interval",
            "0",
            "--max-polls",
            "2",
            "--format",
            "compact",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).lines().count(), 2);
    assert!(
        stdout(&out).contains(" resources=51 (+0) "),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("not stable after 2 polls"));

    let out = d
        .atg()
        .args(["monitor", "--subscription-id", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
