//! Provider schema handling of `atg validate` (issue 3): several
//! `--provider-schema` files at once, schemas for any provider address
//! (resolved through `required_providers`), and the schema cache a real
//! terraform run fills, keyed by provider version, which later builtin
//! runs use offline.

mod common;
use common::*;
use serde_json::Value;

/// `atg validate tf --format json` with `args`; (exit code, JSON).
fn validate(d: &Dir, args: &[&str]) -> (i32, Value) {
    let out = d
        .atg()
        .args(["validate", "tf", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap(), v)
}

fn summaries(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["summary"].as_str().unwrap().to_string(),
                d["address"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

const RANDOM_SCHEMA: &str = r#"{"format_version": "1.0", "provider_schemas": {
  "registry.terraform.io/hashicorp/random": {"resource_schemas": {"random_string": {"version": 2, "block": {
    "attributes": {
      "id": {"type": "string", "computed": true},
      "length": {"type": "number", "required": true},
      "special": {"type": "bool", "optional": true},
      "result": {"type": "string", "computed": true}
    }}}}}}}"#;

#[test]
fn several_provider_schema_files_are_merged() {
    let d = Dir::new();
    d.write(
        "tf/main.tf",
        "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg\"\n  location = \"eastus\"\n}\n\nresource \"random_string\" \"s\" {\n  lenght = 8\n}\n",
    );
    let random = d.write("random.json", RANDOM_SCHEMA);
    let azurerm = azurerm_schema();
    let azurerm = azurerm.to_str().unwrap();

    // One schema: the random provider is not checked, and atg says so.
    let (code, v) = validate(
        &d,
        &["--validator", "builtin", "--provider-schema", azurerm],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["level"], "structural");
    assert!(
        v["note"]
            .as_str()
            .unwrap()
            .contains("no provider schema for registry.terraform.io/hashicorp/random"),
        "{v:#}"
    );

    // Both: every resource is checked against its own provider.
    let (code, v) = validate(
        &d,
        &[
            "--validator",
            "builtin",
            "--provider-schema",
            azurerm,
            "--provider-schema",
            random.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["level"], "provider");
    assert_eq!(
        summaries(&v),
        vec![
            ("Missing required argument".into(), "random_string.s".into()),
            ("Unsupported argument".into(), "random_string.s".into()),
        ]
    );
}

#[test]
fn a_provider_at_any_address_is_found_through_required_providers() {
    let d = Dir::new();
    let schema = d.write(
        "widget.json",
        r#"{"format_version": "1.0", "provider_schemas": {
  "registry.example.com/acme/widget": {"resource_schemas": {"widget_thing": {"version": 0, "block": {
    "attributes": {"id": {"type": "string", "optional": true, "computed": true},
                   "size": {"type": "number", "required": true}}}}}},
  "registry.terraform.io/hashicorp/widget": {"resource_schemas": {"widget_thing": {"version": 0, "block": {
    "attributes": {"id": {"type": "string", "optional": true, "computed": true},
                   "colour": {"type": "string", "required": true}}}}}}}}"#,
    );
    d.write(
        "tf/main.tf",
        "terraform {\n  required_providers {\n    widget = {\n      source = \"registry.example.com/acme/widget\"\n    }\n  }\n}\n\nresource \"widget_thing\" \"t\" {\n  size = \"big\"\n}\n",
    );
    let (code, v) = validate(
        &d,
        &[
            "--validator",
            "builtin",
            "--provider-schema",
            schema.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["level"], "provider");
    // The acme provider's schema, not hashicorp/widget's (which wants `colour`).
    assert_eq!(
        summaries(&v),
        vec![(
            "Incorrect attribute value type".into(),
            "widget_thing.t".into()
        )]
    );
}

#[test]
fn a_terraform_run_caches_schemas_by_version_for_offline_builtin_runs() {
    let providers = ["registry.terraform.io/hashicorp/aws".to_string()];
    let plugins = plugin_dir(&providers).unwrap_or_else(|e| panic!("{e}"));
    let d = Dir::new();
    d.write(
        "tf/main.tf",
        "resource \"aws_instance\" \"a\" {\n  ami           = \"ami-0123456789abcdef0\"\n  instance_type = \"t3.micro\"\n  colour        = \"red\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = aws_instance.a.nosuch\n}\n",
    );
    let (code, from_terraform) = validate(
        &d,
        &[
            "--validator",
            "terraform",
            "--plugin-dir",
            plugins.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{from_terraform:#}");
    assert_eq!(from_terraform["validator"], "terraform");
    let cached = d
        .path()
        .join(".atg/schemas/registry.terraform.io/hashicorp/aws");
    let versions: Vec<String> = std::fs::read_dir(&cached)
        .unwrap_or_else(|e| panic!("{}: {e}", cached.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let lock = d.read("tf/.terraform.lock.hcl");
    let version = versions[0].strip_suffix(".json").unwrap().to_string();
    assert_eq!(versions.len(), 1);
    assert!(lock.contains(&format!("version = \"{version}\"")), "{lock}");
    assert!(
        d.path()
            .join(".atg/schemas/terraform.io/builtin/terraform")
            .is_dir()
    );

    // Offline: no terraform, no --provider-schema; the cached schema
    // gives the same answer at provider level.
    let (code, offline) = validate(&d, &["--validator", "builtin"]);
    assert_eq!(code, 1, "{offline:#}");
    assert_eq!(offline["level"], "provider", "{offline:#}");
    assert_eq!(summaries(&offline), summaries(&from_terraform));
    assert_eq!(
        summaries(&offline),
        vec![("Unsupported argument".into(), "aws_instance.a".into())]
    );

    // A newer cached version that accepts `colour`: the lock file still
    // selects the version terraform installed…
    let mut newer: Value =
        serde_json::from_str(&std::fs::read_to_string(cached.join(&versions[0])).unwrap()).unwrap();
    newer["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]["aws_instance"]
        ["block"]["attributes"]["colour"] = serde_json::json!({"type": "string", "optional": true});
    std::fs::write(cached.join("99.0.0.json"), newer.to_string()).unwrap();
    let (_, pinned) = validate(&d, &["--validator", "builtin"]);
    assert_eq!(summaries(&pinned), summaries(&offline));
    // …and without a lock file the highest cached version serves.
    std::fs::remove_file(d.path().join("tf/.terraform.lock.hcl")).unwrap();
    let (code, latest) = validate(&d, &["--validator", "builtin"]);
    assert_eq!(code, 1, "{latest:#}");
    assert_eq!(
        summaries(&latest),
        vec![("Unsupported attribute".into(), "terraform_data.b".into())],
        "with `colour` accepted, terraform_data.b (no longer skipped) shows its own error"
    );
}

/// The builtin provider's schema atg carries (used when no terraform ran)
/// must be the one terraform prints.
#[test]
fn the_builtin_providers_schema_matches_terraforms() {
    let d = Dir::new();
    d.write("tf/main.tf", "resource \"terraform_data\" \"a\" {}\n");
    let run = |args: &[&str]| {
        let out = std::process::Command::new("terraform")
            .args(args)
            .current_dir(d.path().join("tf"))
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .expect("these tests need the `terraform` binary (1.x) on PATH");
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    run(&["init", "-backend=false", "-input=false", "-no-color"]);
    let real = atg::validate::schema::Schemas::from_slice(
        &run(&["providers", "schema", "-json"]),
        std::path::Path::new("terraform"),
    )
    .unwrap();
    let shape = |s: &atg::validate::schema::Schemas| {
        let (addr, p) = s
            .provider_by_local_name("terraform")
            .expect("builtin provider");
        let mut rows = vec![addr.to_string()];
        for (kind, types) in [
            ("resource", &p.resource_schemas),
            ("data", &p.data_source_schemas),
        ] {
            for (t, e) in types {
                for (n, a) in &e.block.attributes {
                    rows.push(format!(
                        "{kind} {t}.{n} {:?} required={} optional={} computed={}",
                        a.ty, a.required, a.optional, a.computed
                    ));
                }
            }
        }
        rows.sort();
        rows
    };
    assert_eq!(
        shape(&atg::validate::schema::Schemas::builtin()),
        shape(&real)
    );
}

// Issue 14: `provider "azurerm" { features {} bogus_argument = 1 }` passed
// as "provider level". It is checked against the schema's `provider`
// entry when the schema has one; the reference schema has none, and atg
// says the block was not checked.
#[test]
fn provider_blocks_are_checked_when_the_schema_describes_them() {
    let d = Dir::new();
    d.write(
        "tf/main.tf",
        "provider \"azurerm\" {\n  features {}\n  bogus_argument = 1\n}\nresource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg\"\n  location = \"eastus\"\n}\n",
    );
    let reference = azurerm_schema();
    let reference = reference.to_str().unwrap();
    let (code, v) = validate(
        &d,
        &["--validator", "builtin", "--provider-schema", reference],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["note"],
        "provider block not checked: the schema of registry.terraform.io/hashicorp/azurerm has no `provider` entry"
    );

    let mut s: Value =
        serde_json::from_str(&std::fs::read_to_string(azurerm_schema()).unwrap()).unwrap();
    s["provider_schemas"]["registry.terraform.io/hashicorp/azurerm"]["provider"] = serde_json::json!({
        "version": 0,
        "block": {
            "attributes": {"subscription_id": {"type": "string", "optional": true}},
            "block_types": {"features": {"nesting_mode": "list", "block": {}, "min_items": 1, "max_items": 1}}
        }
    });
    d.write("with-provider.json", &serde_json::to_string(&s).unwrap());
    let (code, v) = validate(
        &d,
        &[
            "--validator",
            "builtin",
            "--provider-schema",
            "with-provider.json",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        summaries(&v),
        [("Unsupported argument".to_string(), String::new())]
    );
    assert_eq!(v["diagnostics"][0]["range"]["start"]["line"], 3);
    assert!(v["note"].is_null(), "{v}");
}
