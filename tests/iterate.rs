//! `atg iterate` and `atg validate` end to end on the real binary: the
//! contoso fixture to three provider-validated passes, remediation with a
//! provider schema that disagrees with the emitters, the stuck and
//! max-iteration stops, interruption and resume, and bad input.

mod common;
use common::*;
use serde_json::Value;

fn state(d: &Dir) -> Value {
    serde_json::from_str(&d.read("demos/iteration_state.json")).unwrap()
}

/// A copy of the azurerm schema with `edit` applied to the resource schema of `ty`.
fn edited_schema(d: &Dir, ty: &str, edit: impl Fn(&mut Value)) -> std::path::PathBuf {
    edited_schema_of(d, &[(ty, &edit)])
}

/// `atg iterate --until-stable --validator builtin --provider-schema SCHEMA`.
fn iterate_until_stable(d: &Dir, schema: &std::path::Path) -> std::process::Output {
    d.atg()
        .args([
            "iterate",
            "--until-stable",
            "--validator",
            "builtin",
            "--provider-schema",
        ])
        .arg(schema)
        .output()
        .unwrap()
}

/// An edit of one resource type's schema block.
type SchemaEdit<'a> = dyn Fn(&mut Value) + 'a;

/// The azurerm schema with each `(resource type, edit)` applied to that
/// type's block, written to `schema.json` in the test folder.
fn edited_schema_of(d: &Dir, edits: &[(&str, &SchemaEdit<'_>)]) -> std::path::PathBuf {
    let mut s: Value =
        serde_json::from_str(&std::fs::read_to_string(azurerm_schema()).unwrap()).unwrap();
    for (ty, edit) in edits {
        edit(
            &mut s["provider_schemas"]["registry.terraform.io/hashicorp/azurerm"]["resource_schemas"]
                [*ty]["block"],
        );
    }
    let p = d.path().join("schema.json");
    std::fs::write(&p, serde_json::to_vec(&s).unwrap()).unwrap();
    p
}

#[test]
fn contoso_reaches_three_provider_validated_passes() {
    let d = Dir::new();
    d.scan(&contoso());
    let out = iterate_until_stable(&d, &azurerm_schema());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Stable: 3 consecutive provider-validated passes (threshold 3)"),
        "{}",
        stderr(&out)
    );
    let st = state(&d);
    assert_eq!(st["consecutive_passes"], 3);
    assert_eq!(st["consecutive_provider_passes"], 3);
    assert_eq!(st["last_iteration"], 3);
    assert!(st["in_progress"].is_null());
    for n in 1..=3 {
        let h = &st["history"][n - 1];
        assert_eq!(h["iteration"], n);
        assert_eq!(h["level"], "provider");
        assert_eq!(h["passed"], true);
        let report: Value =
            serde_json::from_str(&d.read(&format!("demos/iteration{n}/generation_report.json")))
                .unwrap();
        assert!(
            report["emitted_percent"].as_f64().unwrap() >= 90.0,
            "{}",
            report["emitted_percent"]
        );
        assert_eq!(
            report["unmapped_resources"], 0,
            "every fixture type has an azurerm equivalent"
        );
        for s in report["skipped"].as_array().unwrap() {
            assert!(
                !s["detail"].as_str().unwrap().is_empty(),
                "every skip is explained: {s}"
            );
        }
        let rg = d.read(&format!("demos/iteration{n}/resource_groups.tf"));
        assert!(rg.contains(&format!("\"ITERATION{n}_rg-network\"")), "{rg}");
        let v: Value =
            serde_json::from_str(&d.read(&format!("demos/iteration{n}/validate.json"))).unwrap();
        assert_eq!(v["valid"], true);
        assert!(
            d.path()
                .join(format!("demos/iteration{n}/analysis.json"))
                .exists()
        );
        assert!(
            d.path()
                .join(format!("demos/iteration{n}/README.md"))
                .exists()
        );
    }
    // A later run goes on from iteration 4.
    let out = d
        .atg()
        .args(["iterate", "--provider-schema"])
        .arg(azurerm_schema())
        .args(["--validator", "builtin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(state(&d)["last_iteration"], 4);
    assert_eq!(state(&d)["consecutive_passes"], 4);
}

#[test]
fn schema_less_passes_are_never_called_provider_validated() {
    let d = Dir::new();
    d.scan(&root().join("fixtures/tenant-synthetic-small.json"));
    let out = d
        .atg()
        .args(["iterate", "--until-stable", "--validator", "builtin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("argument-level checks skipped"), "{err}");
    assert!(err.contains("Stable at structural level"), "{err}");
    assert!(err.contains("NOT provider-validated"), "{err}");
    let st = state(&d);
    assert_eq!(st["consecutive_passes"], 3);
    assert_eq!(st["consecutive_provider_passes"], 0);
    assert!(
        st["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["level"] == "structural")
    );
    let json = d
        .atg()
        .args([
            "iterate",
            "--until-stable",
            "--validator",
            "builtin",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["stable"], true);
    assert_eq!(v["provider_validated"], false);
}

#[test]
fn a_rejected_argument_is_dropped_and_a_missing_required_value_skips_the_resource() {
    let d = Dir::new();
    d.scan(&contoso());
    // This schema rejects `address_space` on virtual networks and requires an
    // argument on public IPs that no source has.
    let schema = edited_schema_of(
        &d,
        &[
            ("azurerm_virtual_network", &|b: &mut Value| {
                b["attributes"]
                    .as_object_mut()
                    .unwrap()
                    .remove("address_space");
            }),
            ("azurerm_public_ip", &|b: &mut Value| {
                b["attributes"]["edge_zone"]["required"] = Value::Bool(true);
            }),
        ],
    );
    let out = iterate_until_stable(&d, &schema);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let st = state(&d);
    let h = st["history"].as_array().unwrap();
    assert_eq!(h.len(), 4, "one failing iteration, then three passes");
    assert_eq!(h[0]["passed"], false);
    assert_eq!(h[0]["errors_by_category"]["unsupported_argument"], 1);
    assert_eq!(
        h[0]["errors_by_category"]["missing_required_argument"], 4,
        "four public IPs"
    );
    assert_eq!(h[1]["passed"], true);
    assert_eq!(h[1]["remediations_applied"], 5);
    let rem = st["remediations"].as_array().unwrap();
    let drop = rem.iter().find(|r| r["rule"] == "drop_argument").unwrap();
    assert_eq!(drop["resource_type"], "azurerm_virtual_network");
    assert_eq!(drop["path"], "address_space");
    assert!(
        drop["cause"]
            .as_str()
            .unwrap()
            .contains("Unsupported argument"),
        "{drop}"
    );
    let skips: Vec<&Value> = rem
        .iter()
        .filter(|r| r["rule"] == "skip_resource")
        .collect();
    assert_eq!(skips.len(), 4);
    assert!(skips.iter().all(|r| {
        r["arm_id"]
            .as_str()
            .unwrap()
            .contains("/publicIPAddresses/")
    }));
    assert!(
        skips[0]["reason"].as_str().unwrap().contains("`edge_zone`"),
        "{}",
        skips[0]
    );
    // Iteration 2 applied them: no address_space, no public IPs, and the
    // resources that used the IPs still emitted (the optional references omitted).
    let net = d.read("demos/iteration2/network.tf");
    assert!(!net.contains("address_space"));
    assert!(!net.contains("resource \"azurerm_public_ip\""));
    assert!(net.contains("resource \"azurerm_network_interface\""));
    let report: Value =
        serde_json::from_str(&d.read("demos/iteration2/generation_report.json")).unwrap();
    assert_eq!(
        report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["reason"] == "remediation")
            .count(),
        4
    );
}

#[test]
fn an_error_no_rule_can_fix_stops_with_a_report_instead_of_spinning() {
    let d = Dir::new();
    d.scan(&contoso());
    // Resource groups have no source ARM resource to skip: nothing can remediate this.
    let schema = edited_schema(&d, "azurerm_resource_group", |b| {
        b["attributes"]["managed_by"]["required"] = Value::Bool(true);
    });
    let out = iterate_until_stable(&d, &schema);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Stuck at iteration 1"), "{err}");
    assert!(err.contains("unremediated: missing_required_argument: Missing required argument `managed_by` at `azurerm_resource_group."), "{err}");
    assert_eq!(state(&d)["last_iteration"], 1, "no spin: one iteration");
}

#[test]
fn max_iterations_bounds_the_run() {
    let d = Dir::new();
    d.scan(&contoso());
    let out = d
        .atg()
        .args([
            "iterate",
            "--until-stable",
            "--threshold",
            "5",
            "--max-iterations",
            "2",
            "--validator",
            "builtin",
            "--provider-schema",
        ])
        .arg(azurerm_schema())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Not stable after 2 iterations: 2 consecutive passes of 5 needed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explicit_iteration_number_and_prefix_are_used() {
    let d = Dir::new();
    d.scan(&contoso());
    d.atg()
        .args([
            "iterate",
            "--iteration",
            "180",
            "--resource-group-prefix",
            "COPY_",
            "--validator",
            "builtin",
            "--syntax",
            "json",
        ])
        .assert()
        .success();
    assert!(
        d.read("demos/iteration180/resource_groups.tf.json")
            .contains("\"COPY_rg-app\"")
    );
    assert_eq!(state(&d)["last_iteration"], 180);
}

#[test]
fn a_corrupt_state_file_is_reported_and_left_alone() {
    let d = Dir::new();
    d.scan(&contoso());
    d.write(
        "demos/iteration_state.json",
        "{\"version\": 1, \"last_iteration\": ",
    );
    let out = d
        .atg()
        .args(["iterate", "--validator", "builtin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a valid iteration state"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        d.read("demos/iteration_state.json"),
        "{\"version\": 1, \"last_iteration\": "
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_the_state_whole_and_the_next_run_resumes() {
    let d = Dir::new();
    // Large enough that an iteration takes a while in a debug build.
    d.atg()
        .args(["synth", "--resources", "20000", "-o", "big.json"])
        .assert()
        .success();
    d.atg()
        .args(["scan", "--from-file", "big.json"])
        .assert()
        .success();
    let bin = assert_cmd::cargo::cargo_bin("atg");
    let child = std::process::Command::new(bin)
        .current_dir(d.path())
        .args(["-q", "iterate", "--until-stable", "--validator", "builtin"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until iteration 1 has started, then interrupt it.
    let start = std::time::Instant::now();
    while !d.path().join("demos/iteration1").exists() {
        assert!(start.elapsed().as_secs() < 120, "iteration 1 never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted during iteration 1"), "{err}");
    assert!(
        err.contains("hint: run the same `atg iterate` command again to resume"),
        "{err}"
    );
    let st = state(&d);
    assert_eq!(
        st["in_progress"], 1,
        "the state marks the interrupted iteration"
    );
    assert_eq!(st["last_iteration"], 0);
    // No temp files left beside the state.
    let leftovers: Vec<String> = std::fs::read_dir(d.path().join("demos"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".atg-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The next run redoes iteration 1.
    let out = d
        .atg()
        .args(["iterate", "--validator", "builtin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let st = state(&d);
    assert_eq!(st["last_iteration"], 1);
    assert!(st["in_progress"].is_null());
    assert_eq!(st["history"][0]["iteration"], 1);
}

#[test]
fn validate_reports_invalid_config_with_exit_1_and_json() {
    let d = Dir::new();
    d.write(
        "tf/main.tf",
        "resource \"azurerm_resource_group\" \"rg\" {\n  name = \"rg\"\n  location = \"eastus\"\n  colour = \"blue\"\n}\n",
    );
    let (code, v) = validate_azurerm(&d, std::path::Path::new("tf"));
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["valid"], false);
    assert_eq!(v["level"], "provider");
    assert_eq!(v["diagnostics"][0]["summary"], "Unsupported argument");
    assert_eq!(v["diagnostics"][0]["address"], "azurerm_resource_group.rg");
    assert_eq!(v["diagnostics"][0]["range"]["start"]["line"], 4);
}

#[test]
fn validate_maps_diagnostics_back_to_arm_ids() {
    let d = Dir::new();
    d.scan(&contoso());
    d.atg().args(["generate", "-o", "out"]).assert().success();
    let schema = edited_schema(&d, "azurerm_bastion_host", |b| {
        b["attributes"].as_object_mut().unwrap().remove("name");
    });
    let out = d
        .atg()
        .args([
            "validate",
            "out",
            "--validator",
            "builtin",
            "--format",
            "json",
            "--provider-schema",
        ])
        .arg(&schema)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let diag = &v["diagnostics"][0];
    assert_eq!(diag["summary"], "Unsupported argument");
    assert_eq!(diag["attribute"], "name");
    assert!(
        diag["arm_id"]
            .as_str()
            .unwrap()
            .ends_with("/providers/Microsoft.Network/bastionHosts/bas-contoso-dev"),
        "{diag}"
    );
}

#[test]
fn an_unreadable_schema_file_is_an_input_error() {
    let d = Dir::new();
    d.write("tf/main.tf", "resource \"terraform_data\" \"a\" {}\n");
    let out = d
        .atg()
        .args([
            "validate",
            "tf",
            "--validator",
            "builtin",
            "--provider-schema",
            "missing.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));
    d.write(
        "bad-schema.json",
        "{\"format_version\": \"1.0\", \"provider_schemas\": ",
    );
    let out = d
        .atg()
        .args([
            "validate",
            "tf",
            "--validator",
            "builtin",
            "--provider-schema",
            "bad-schema.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad-schema.json"), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 1"), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn a_crashing_terraform_is_a_tool_error_and_iterate_keeps_its_state() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new();
    let bin = d.write(
        "crash.sh",
        "#!/bin/sh\necho 'panic: runtime error: invalid memory address' >&2\nexit 2\n",
    );
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    d.write("tf/main.tf", "resource \"terraform_data\" \"a\" {}\n");
    let out = d
        .atg()
        .args([
            "validate",
            "tf",
            "--validator",
            "terraform",
            "--terraform-bin",
            // Relative to where atg runs, not to the folder terraform runs in.
            "./crash.sh",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("panic: runtime error"),
        "the stderr tail is shown: {err}"
    );
    assert!(err.contains("hint: "), "{err}");

    d.scan(&contoso());
    d.atg()
        .args(["iterate", "--validator", "builtin"])
        .assert()
        .success();
    let before = d.read("demos/iteration_state.json");
    let out = d
        .atg()
        .args(["iterate", "--validator", "terraform", "--terraform-bin"])
        .arg(&bin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let after: Value = serde_json::from_str(&d.read("demos/iteration_state.json")).unwrap();
    let before: Value = serde_json::from_str(&before).unwrap();
    assert_eq!(
        after["history"], before["history"],
        "completed iterations are untouched"
    );
    assert_eq!(
        after["in_progress"], 2,
        "the failed iteration will be redone"
    );
}

#[test]
fn terraform_validator_runs_the_real_binary() {
    let d = Dir::new();
    assert!(
        std::process::Command::new("terraform")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "these tests need the real `terraform` binary on PATH"
    );
    d.write(
        "tf/main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n  nonsense = 1\n}\n",
    );
    let out = d
        .atg()
        .args([
            "validate",
            "tf",
            "--validator",
            "terraform",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["validator"], "terraform");
    assert_eq!(v["diagnostics"][0]["summary"], "Unsupported argument");
    assert_eq!(v["diagnostics"][0]["address"], "terraform_data.a");
    assert_eq!(v["diagnostics"][0]["attribute"], "nonsense");
    // auto picks terraform for a builtin-only config: its provider needs no download.
    let out = d
        .atg()
        .args(["validate", "tf", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["validator"], "terraform");
}

// Issue 14: a configuration with no resource passes any validator; three
// such passes were reported as "Stable: 3 consecutive provider-validated
// passes". Here a resource group filter selects nothing.
#[test]
fn an_empty_configuration_is_never_called_provider_validated() {
    let d = Dir::new();
    d.scan(&contoso());
    let run = |format: &str| {
        d.atg()
            .args(["iterate", "--until-stable", "--validator", "builtin"])
            .args(["--resource-group", "no-such-group", "--format", format])
            .arg("--provider-schema")
            .arg(azurerm_schema())
            .output()
            .unwrap()
    };
    let out = run("table");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("provider-validated passes"), "{err}");
    assert!(err.contains("EMPTY configuration"), "{err}");
    assert!(!err.contains("pass `--provider-schema"), "{err}");
    let v: Value = serde_json::from_str(&stdout(&run("json"))).unwrap();
    assert_eq!(v["stable"], true);
    assert_eq!(v["provider_validated"], false);
}

// Issue 14: iterate read and parsed the 3 MB provider schema (and now the
// 9 MB validation data beside it) on every iteration. Here both are pipes
// the test writes once and then removes: a second read fails.
#[cfg(unix)]
#[test]
fn the_provider_schema_and_its_checks_are_loaded_once_per_run() {
    let d = Dir::new();
    d.scan(&contoso());
    let schema = d.path().join("azurerm.schema.json");
    let checks = d.path().join("azurerm.validation.json");
    for (fifo, source) in [
        (schema.clone(), azurerm_schema()),
        (
            checks.clone(),
            shared("reference/azurerm-4.79.0.validation.json"),
        ),
    ] {
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        std::thread::spawn(move || {
            let bytes = std::fs::read(&source).unwrap();
            // Blocks until atg opens the pipe to read it.
            std::fs::write(&fifo, bytes).unwrap();
            std::fs::remove_file(&fifo).unwrap();
        });
    }
    let out = iterate_until_stable(&d, &schema);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Stable: 3 consecutive provider-validated passes"),
        "{err}"
    );
    assert!(!schema.exists() && !checks.exists(), "both pipes were read");
}

/// The azurerm validation data with `edit` applied, written beside `schema`
/// as its `NAME.validation.json` (found by itself).
fn edited_checks_beside(schema: &std::path::Path, edit: impl Fn(&mut Value)) {
    let mut v: Value = serde_json::from_slice(
        &std::fs::read(shared("reference/azurerm-4.79.0.validation.json")).unwrap(),
    )
    .unwrap();
    edit(&mut v["resources"]);
    let name = schema.file_name().unwrap().to_str().unwrap();
    let stem = name.strip_suffix(".schema.json").unwrap();
    std::fs::write(
        schema.with_file_name(format!("{stem}.validation.json")),
        serde_json::to_vec(&v).unwrap(),
    )
    .unwrap();
}

// Issue 15: values the provider rejects are learned as remediations for
// the whole type: an enum value in the provider's spelling, a number
// clamped into range, the deprecated one of two conflicting arguments
// dropped. Here the provider's data is edited so contoso's own values fail.
#[test]
fn rejected_values_are_case_fixed_clamped_and_conflicts_resolved() {
    let d = Dir::new();
    d.scan(&contoso());
    let schema = edited_schema(&d, "azurerm_key_vault", |b| {
        b["attributes"]["enabled_for_deployment"]["deprecated"] = Value::Bool(true);
    });
    let schema_named = d.path().join("edited.schema.json");
    std::fs::rename(&schema, &schema_named).unwrap();
    edited_checks_beside(&schema_named, |r| {
        r["azurerm_key_vault"]["sku_name"] =
            serde_json::json!({"one_of": ["Standard", "Premium"], "ignore_case": false});
        r["azurerm_key_vault"]["enabled_for_deployment"] =
            serde_json::json!({"conflicts_with": ["enabled_for_disk_encryption"]});
        r["azurerm_key_vault"]["enabled_for_disk_encryption"] =
            serde_json::json!({"conflicts_with": ["enabled_for_deployment"]});
        r["azurerm_public_ip"]["idle_timeout_in_minutes"] = serde_json::json!({"range": [4, 8]});
    });
    let out = iterate_until_stable(&d, &schema_named);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Stable: 3 consecutive provider-validated passes"),
        "{err}"
    );
    let st = state(&d);
    assert_eq!(st["last_iteration"], 4, "{st}");
    let first = &st["history"][0];
    assert_eq!(first["passed"], false);
    assert!(
        first["errors_by_category"]["invalid_value"]
            .as_u64()
            .unwrap()
            >= 4,
        "{first}"
    );
    let rules: Vec<String> = st["remediations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["rule"].as_str().unwrap(),
                r["path"].as_str().unwrap_or_default(),
                r["to"].as_str().unwrap_or_default()
            )
        })
        .collect();
    for want in [
        "set_value sku_name Standard",
        "set_value idle_timeout_in_minutes 8",
        "drop_argument enabled_for_deployment ",
    ] {
        assert!(rules.contains(&want.to_string()), "{want} not in {rules:?}");
    }
    assert!(
        !rules.iter().any(|r| r.starts_with("skip_resource")),
        "nothing is skipped: {rules:?}"
    );
    // `terraform fmt` aligns the `=` of neighbouring arguments: compare
    // with single spaces.
    let unaligned = |t: String| {
        t.split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let kv = unaligned(d.read("demos/iteration2/security.tf"));
    assert!(kv.contains("sku_name = \"Standard\""), "{kv}");
    assert!(!kv.contains("enabled_for_deployment"), "{kv}");
    assert!(kv.contains("enabled_for_disk_encryption"), "{kv}");
    let net = unaligned(d.read("demos/iteration2/network.tf"));
    assert!(!net.contains("idle_timeout_in_minutes = 10"), "{net}");
    assert!(net.contains("idle_timeout_in_minutes = 8"), "{net}");
    let report = d.read("demos/iteration2/generation_report.md");
    assert!(report.contains("(remediation)"), "{report}");
    // The iteration's validation says what only a real provider checks.
    let v: Value = serde_json::from_str(&d.read("demos/iteration2/validate.json")).unwrap();
    assert!(
        v["not_checked_offline"]["azurerm_linux_virtual_machine"].as_u64() > Some(0),
        "{}",
        v["not_checked_offline"]
    );
    assert!(
        d.read("demos/iteration2/README.md")
            .contains("Not checked offline")
    );
}
