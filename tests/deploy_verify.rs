//! `atg deploy --verify` / `--min-fidelity` (issue 6): a real apply cannot
//! reach Azure here, so the apply is a provider-free `terraform_data`
//! configuration run by the real terraform, and the target it "created" is
//! served by the in-process ARM emulator: an edited copy of contoso in
//! another subscription with `ITERATION1_` resource groups, two resources
//! missing and one changed. The source is contoso scanned from file.

mod common;
use atg_emulators::arm::{Emulator, EmulatorClient, EmulatorConfig, TenantData};
use common::*;
use serde_json::{Value, json};
use std::path::PathBuf;

const SOURCE_SUB: &str = "50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab";
const TARGET_SUB: &str = "22222222-3333-4444-8555-666666666666";
const CLIENT_ID: &str = "11111111-2222-4333-8444-555555555555";
const SECRET: &str = "verify-s3cret-value";
const MISSING: [&str; 2] = [
    "pip-aks-contoso-dev-egress-02",
    "vm-contoso-dev-lnx01-data-01",
];

/// The target: contoso in `TARGET_SUB`, resource groups `ITERATION1_rg-…`,
/// without the `MISSING` resources, one NSG tag changed.
fn target_tenant(d: &Dir) -> PathBuf {
    let text = std::fs::read_to_string(contoso())
        .unwrap()
        .replace(SOURCE_SUB, TARGET_SUB)
        .replace("/resourceGroups/rg-", "/resourceGroups/ITERATION1_rg-")
        .replace("/resourcegroups/rg-", "/resourcegroups/ITERATION1_rg-");
    let mut t: Value = serde_json::from_str(&text).unwrap();
    for g in t["resourceGroups"].as_array_mut().unwrap() {
        g["name"] = json!(format!("ITERATION1_{}", g["name"].as_str().unwrap()));
    }
    let resources = t["resources"].as_array_mut().unwrap();
    resources.retain(|r| !MISSING.contains(&r["name"].as_str().unwrap()));
    for r in resources.iter_mut() {
        if let Some(g) = r["resourceGroup"].as_str() {
            r["resourceGroup"] = json!(format!("ITERATION1_{g}"));
        }
        if r["name"] == "nsg-contoso-dev-app" {
            r["tags"]["env"] = json!("test");
        }
    }
    d.write("target.json", &serde_json::to_string_pretty(&t).unwrap())
}

/// A folder with the source scanned, a `terraform_data` configuration in
/// `cfg/`, and the emulator serving the target.
struct Setup {
    d: Dir,
    emulator: Emulator,
    ca: PathBuf,
    source_scan: String,
}

fn setup() -> Setup {
    let d = Dir::new();
    let out = d
        .atg()
        .args(["scan", "--format", "json", "--from-file"])
        .arg(contoso())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let source_scan = summary["scan_id"].as_str().unwrap().to_string();
    let target = target_tenant(&d);
    let emulator = Emulator::spawn(
        TenantData::load(&target).unwrap(),
        EmulatorConfig {
            clients: vec![EmulatorClient {
                client_id: CLIENT_ID.into(),
                secret: Some(SECRET.into()),
                federated_token: None,
                secret_expired: false,
            }],
            ..EmulatorConfig::default()
        },
    )
    .unwrap();
    let ca = d.write("ca.pem", emulator.ca_pem());
    d.write(
        "cfg/main.tf",
        "resource \"terraform_data\" \"resource_group\" {\n  input = \"ITERATION1_rg-app\"\n}\n",
    );
    Setup {
        d,
        emulator,
        ca,
        source_scan,
    }
}

impl Setup {
    /// `atg deploy --iac-dir cfg --yes` into the emulator's tenant and
    /// `TARGET_SUB` as the service principal, verifying against the source.
    fn deploy(&self, args: &[&str]) -> std::process::Output {
        let rc = self.d.write("terraformrc", "");
        self.d
            .atg()
            .env("TF_CLI_CONFIG_FILE", rc)
            .env("TF_DATA_DIR", self.d.path().join("tf-data"))
            .env("AZURE_CLIENT_ID", CLIENT_ID)
            .env("AZURE_CLIENT_SECRET", SECRET)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .args(["deploy", "--iac-dir", "cfg", "--yes"])
            .args(["--target-subscription", TARGET_SUB, "--target-tenant-id"])
            .arg(self.emulator.tenant_id())
            .args(["--source-scan", &self.source_scan])
            .args(["--arm-endpoint", self.emulator.url()])
            .args(["--authority-host", self.emulator.url()])
            .arg("--ca-cert")
            .arg(&self.ca)
            .args(args)
            .output()
            .unwrap()
    }

    fn registry(&self) -> Vec<Value> {
        self.d
            .read("demos/deployments.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Every file under `dir`.
fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn verify_records_the_fidelity_and_min_fidelity_decides_the_exit_code() {
    let s = setup();
    let mut outputs = Vec::new();

    // A minimum that is met: exit 0, the figures in the JSON outcome.
    let out = s.deploy(&["--min-fidelity", "95", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["outcome"], "succeeded");
    let v = &doc["verification"];
    assert_eq!(v["source_scan"], json!(s.source_scan));
    assert_eq!(v["target_scan_complete"], true);
    assert_eq!(v["min_fidelity"], 95.0);
    assert_eq!(v["met"], true);
    assert_eq!(
        v["fidelity"],
        json!({
            "overall": 96.1,
            "matched_percent": 96.1,
            "exact_percent": 94.1,
            "relationships_percent": 100.0,
            "source": 51,
            "target": 49,
            "exact_match": 48,
            "drifted": 1,
            "missing_target": 2,
            "missing_source": 0
        })
    );
    assert_eq!(
        v["missing_by_type"],
        json!({"microsoft.compute/disks": 1, "microsoft.network/publicipaddresses": 1})
    );
    let err = stderr(&out);
    assert!(
        err.contains("Fidelity 96.1% by count; 96.1% of source resources have a copy (48 exact, 1 drifted, 2 missing in target, 0 missing in source); 100.0% of relationships preserved"),
        "{err}"
    );
    assert!(
        err.contains("Minimum fidelity 95%: met (96.1% of source resources have a copy)"),
        "{err}"
    );
    outputs.push(out);

    // The registry holds the figures, folded into the deployment.
    let reg = s.registry();
    let entry = reg.iter().find(|e| e["event"] == "verify").unwrap();
    assert_eq!(entry["id"], doc["id"]);
    assert_eq!(entry["fidelity"], v["fidelity"]);
    let target_scan = entry["target_scan"].as_str().unwrap().to_string();
    let out =
        s.d.atg()
            .args(["deploy", "list", "--format", "json"])
            .output()
            .unwrap();
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        listed[0]["verification"]["target_scan"],
        json!(target_scan),
        "{listed}"
    );
    outputs.push(out);

    // A minimum that is not met: exit 1, the missing resources by type.
    let out = s.deploy(&["--min-fidelity", "97"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("minimum fidelity 97% not met: 96.1% of source resources have a copy in the target; missing in target (2):\n  microsoft.compute/disks (1): rg-app/vm-contoso-dev-lnx01-data-01\n  microsoft.network/publicipaddresses (1): rg-network/pip-aks-contoso-dev-egress-02\n"),
        "{err}"
    );
    let reg = s.registry();
    let last = reg.iter().rev().find(|e| e["event"] == "verify").unwrap();
    assert_eq!(last["met"], false);
    assert_eq!(last["min_fidelity"], 97.0);
    outputs.push(out);

    // `--verify` alone measures and succeeds.
    let out = s.deploy(&["--verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Minimum fidelity"));
    outputs.push(out);

    // No secret in any output or file (the store included).
    for o in &outputs {
        for bytes in [&o.stdout, &o.stderr] {
            assert!(
                !String::from_utf8_lossy(bytes).contains(SECRET),
                "an output holds the secret"
            );
        }
    }
    for f in files(s.d.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "`{}` holds the secret",
            f.display()
        );
    }
}

#[test]
fn verify_flags_that_cannot_work_are_usage_errors() {
    let s = setup();
    let cases: [(&[&str], &str); 2] = [
        (
            &["--min-fidelity", "95", "--dry-run"],
            "`--verify` and `--min-fidelity` need an apply, and `--dry-run` applies nothing",
        ),
        (
            &["--min-fidelity", "101"],
            "is not a percentage from 0 to 100",
        ),
    ];
    for (args, want) in cases {
        let out = s.deploy(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    // A folder that is not an iteration, without `--source-scan`.
    let out =
        s.d.atg()
            .args(["deploy", "--iac-dir", "cfg", "--yes", "--verify"])
            .args(["--target-subscription", TARGET_SUB, "--target-tenant-id"])
            .arg(s.emulator.tenant_id())
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not know the source snapshot"),
        "{}",
        stderr(&out)
    );
    assert!(!s.d.path().join("demos/deployments.jsonl").exists());
    // The seed's objective workflow parses; with `--dry-run` it stops before
    // iterating, and without `--auto-deploy` the flag is refused.
    let out =
        s.d.atg()
            .args(["iterate", "--until-stable", "--validator", "builtin"])
            .args(["--auto-deploy", "--target-subscription", TARGET_SUB])
            .args(["--target-tenant-id", CLIENT_ID, "--min-fidelity", "95"])
            .arg("--dry-run")
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`--dry-run` applies nothing"),
        "{}",
        stderr(&out)
    );
    let out =
        s.d.atg()
            .args(["iterate", "--validator", "builtin", "--min-fidelity", "95"])
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("without `--auto-deploy`"),
        "{}",
        stderr(&out)
    );
    assert!(!s.d.path().join("demos/iteration_state.json").exists());
}
