//! What `atg generate` writes, as a reviewer reads it (issue 13): the
//! contoso configuration as a golden snapshot (every change to the output
//! shows in review), `terraform fmt -check` clean as written (real
//! terraform), sensitive variables listed in `terraform.tfvars.example`,
//! one `location` variable, a `required_version`, and JSON-valued arguments
//! as `jsonencode`.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Scans `export` into `d` and generates HCL into `d/<out>`.
fn generate(d: &Dir, export: &Path, out: &str) -> PathBuf {
    d.scan(export);
    d.atg().args(["generate", "-o", out]).assert().success();
    d.path().join(out)
}

/// Every `.tf` file and `terraform.tfvars.example` of `dir`, in name order,
/// each under a `# ==> NAME <==` line.
fn configuration(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tf") || n == "terraform.tfvars.example")
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            format!(
                "# ==> {n} <==\n{}",
                std::fs::read_to_string(dir.join(n)).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `terraform fmt -check -diff` on a folder: the diff when it is not clean.
fn fmt_check(dir: &Path) -> Result<(), String> {
    let out = Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-no-color"])
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .expect("terraform is on PATH (.ci/run requires it)");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn contoso_configuration_matches_the_reviewed_snapshot() {
    let d = Dir::new();
    let out = generate(&d, &contoso(), "out");
    insta::assert_snapshot!("contoso_hcl", configuration(&out));
}

/// Issue 13: every generated file differed from `terraform fmt` (unaligned
/// `=`, `features {  }`).
#[test]
fn generated_hcl_is_terraform_fmt_clean() {
    let d = Dir::new();
    for (export, out) in [
        (contoso(), "contoso"),
        (
            root().join("fixtures/tenant-synthetic-small.json"),
            "synthetic",
        ),
    ] {
        let dir = generate(&d, &export, out);
        if let Err(diff) = fmt_check(&dir) {
            panic!("`terraform fmt -check` fails on the {out} output:\n{diff}");
        }
    }
}

#[test]
fn sensitive_variables_are_listed_for_the_user_to_set() {
    let d = Dir::new();
    let out = generate(&d, &contoso(), "out");
    let example = d.read("out/terraform.tfvars.example");
    let report: serde_json::Value =
        serde_json::from_str(&d.read("out/generation_report.json")).unwrap();
    let secrets = report["variables"].as_array().unwrap();
    assert!(!secrets.is_empty());
    for v in secrets {
        let v = v.as_str().unwrap();
        assert!(
            example.contains(&format!("\n{v} = \"\"\n")),
            "{v}: {example}"
        );
    }
    assert!(example.contains("export TF_VAR_"), "{example}");
    let variables = d.read("out/variables.tf");
    assert!(variables.contains("variable \"location\" {"), "{variables}");
    assert!(
        d.read("out/providers.tf")
            .contains("required_version = \">= 1.5.0\""),
        "the configuration says which terraform it needs"
    );
    // Every block's location is the variable, never a literal.
    let text = configuration(&out);
    assert!(!text.contains("location = \"eastus\""), "{text}");
    // A later generation without secrets removes the stale example.
    let empty = d.write("empty.json", r#"{"resources": []}"#);
    d.atg()
        .args(["scan", "--allow-empty", "--from-file"])
        .arg(&empty)
        .assert()
        .success();
    d.atg().args(["generate", "-o", "out"]).assert().success();
    assert!(!out.join("terraform.tfvars.example").exists());
}

/// `--provider-schema` with a file that has no azurerm schema is refused
/// (exit 2, naming the file) instead of silently turning the generic
/// fallback off.
#[test]
fn a_provider_schema_without_azurerm_is_refused() {
    let d = Dir::new();
    d.scan(&contoso());
    let schema = d.write(
        "aws.schema.json",
        r#"{"format_version": "1.0", "provider_schemas": {"registry.terraform.io/hashicorp/aws": {"resource_schemas": {}}}}"#,
    );
    let out = d
        .atg()
        .args(["generate", "-o", "out", "--provider-schema"])
        .arg(&schema)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "aws.schema.json` holds no schema for registry.terraform.io/hashicorp/azurerm"
        ),
        "{err}"
    );
    assert!(!d.path().join("out").exists(), "nothing written");
}
