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
