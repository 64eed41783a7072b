//! The builtin validator on atg's own output (issue 3): the configuration
//! `atg generate` writes for the contoso fixture, in HCL and in JSON, is
//! valid against the azurerm 4.79 provider schema; each mutation a user
//! or an emitter bug could make gives exactly the one diagnostic Terraform
//! gives for it (the wording and the phases are checked against real
//! terraform in `validate_differential.rs`):
//! - a required argument dropped: "Missing required argument";
//! - an unknown argument added: "Unsupported argument" (JSON syntax:
//!   "Extraneous JSON object property");
//! - a reference broken: "Reference to undeclared resource";
//! - a block with max_items 1 duplicated: "Too many os_disk blocks".

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

use atg::validate::config::Config;

const VM: &str = "azurerm_linux_virtual_machine.vm_contoso_dev_lnx01";

fn generate(d: &Dir, format: &str) -> std::path::PathBuf {
    d.scan(&contoso());
    d.atg()
        .args(["generate", "-o", "out", "--syntax", format])
        .assert()
        .success();
    d.path().join("out")
}

/// `atg validate DIR --validator builtin` with the azurerm schema, as JSON.
fn validate(d: &Dir, dir: &Path) -> Value {
    let (code, v) = validate_azurerm(d, dir);
    assert_eq!(v["level"], "provider", "{v}");
    let valid = v["valid"].as_bool().unwrap();
    assert_eq!(code, Some(if valid { 0 } else { 1 }), "{v}");
    v
}

/// (summary, address, attribute) of each diagnostic.
fn diagnostics(v: &Value) -> Vec<(String, String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("summary"), s("address"), s("attribute"))
        })
        .collect()
}

/// A copy of the generated folder with `edit` applied to it.
fn mutated(d: &Dir, out: &Path, name: &str, edit: impl FnOnce(&Path)) -> std::path::PathBuf {
    let dir = d.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(out).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    edit(&dir);
    dir
}

/// Replaces the byte range `at` of the file the span is in.
fn splice(dir: &Path, cfg: &Config, span: atg::validate::config::Span, with: &str) {
    let file = &cfg.files[span.file as usize];
    let mut text = file.text.clone();
    text.replace_range(span.start..span.end, with);
    std::fs::write(dir.join(&file.name), text).unwrap();
}

fn vm(cfg: &Config) -> &atg::validate::config::Resource {
    cfg.resources
        .iter()
        .find(|r| r.address() == VM)
        .unwrap_or_else(|| panic!("the contoso output has no {VM}"))
}

fn one(v: &Value, summary: &str, address: &str, attribute: &str) {
    assert_eq!(
        diagnostics(v),
        vec![(summary.into(), address.into(), attribute.into())],
        "{v:#}"
    );
    assert_eq!(v["error_count"], 1);
}

#[test]
fn generated_hcl_is_valid_and_each_mutation_gives_terraforms_diagnostic() {
    let d = Dir::new();
    let out = generate(&d, "hcl");
    let v = validate(&d, &out);
    assert_eq!(v["valid"], true, "{v:#}");
    assert_eq!(v["warning_count"], 0, "{v:#}");
    let cfg = Config::parse_dir(&out).unwrap();
    let r = vm(&cfg);

    let dir = mutated(&d, &out, "drop_required", |dir| {
        let size = r.body.attributes.iter().find(|a| a.name == "size").unwrap();
        splice(dir, &cfg, size.span, "");
    });
    one(&validate(&d, &dir), "Missing required argument", VM, "size");

    let dir = mutated(&d, &out, "add_unknown", |dir| {
        let at = atg::validate::config::Span {
            start: r.body.open_span.end,
            end: r.body.open_span.end,
            ..r.body.open_span
        };
        splice(dir, &cfg, at, "\n  colour = \"blue\"");
    });
    one(&validate(&d, &dir), "Unsupported argument", VM, "colour");

    let dir = mutated(&d, &out, "break_reference", |dir| {
        let rg = r
            .body
            .attributes
            .iter()
            .find(|a| a.name == "resource_group_name")
            .unwrap();
        let text =
            &cfg.files[rg.expr.span.file as usize].text[rg.expr.span.start..rg.expr.span.end];
        assert!(text.starts_with("azurerm_resource_group."), "{text}");
        splice(
            dir,
            &cfg,
            rg.expr.span,
            "azurerm_resource_group.rg_gone.name",
        );
    });
    let v = validate(&d, &dir);
    one(
        &v,
        "Reference to undeclared resource",
        VM,
        "resource_group_name",
    );
    assert_eq!(
        v["diagnostics"][0]["detail"],
        "A managed resource \"azurerm_resource_group\" \"rg_gone\" has not been declared in the root module."
    );

    let dir = mutated(&d, &out, "duplicate_os_disk", |dir| {
        let os_disk = r.body.blocks.iter().find(|b| b.ident == "os_disk").unwrap();
        let file = &cfg.files[os_disk.span.file as usize];
        let copy = format!("\n  {}", &file.text[os_disk.span.start..os_disk.span.end]);
        let end = atg::validate::config::Span {
            start: os_disk.span.end,
            ..os_disk.span
        };
        splice(dir, &cfg, end, &copy);
    });
    let v = validate(&d, &dir);
    one(&v, "Too many os_disk blocks", VM, "os_disk");
    assert_eq!(
        v["diagnostics"][0]["detail"],
        "No more than 1 \"os_disk\" blocks are allowed"
    );
}

#[test]
fn generated_json_is_valid_and_each_mutation_gives_terraforms_diagnostic() {
    let d = Dir::new();
    let out = generate(&d, "json");
    let v = validate(&d, &out);
    assert_eq!(v["valid"], true, "{v:#}");
    // The VM's file and its JSON body.
    let file = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.to_string_lossy().ends_with(".tf.json")
                && std::fs::read_to_string(p)
                    .unwrap()
                    .contains("\"vm_contoso_dev_lnx01\"")
        })
        .expect("a .tf.json file with the linux VM");
    let name = file.file_name().unwrap().to_owned();
    let edit = |dir: &Path, f: &dyn Fn(&mut Value)| {
        let p = dir.join(&name);
        let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let body = &mut doc["resource"]["azurerm_linux_virtual_machine"]["vm_contoso_dev_lnx01"];
        let body = if body.is_array() { &mut body[0] } else { body };
        f(body);
        std::fs::write(&p, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    };

    let dir = mutated(&d, &out, "drop_required", |dir| {
        edit(dir, &|b| {
            b.as_object_mut()
                .unwrap()
                .remove("size")
                .expect("size is set");
        })
    });
    one(&validate(&d, &dir), "Missing required argument", VM, "size");

    let dir = mutated(&d, &out, "add_unknown", |dir| {
        edit(dir, &|b| {
            b["colour"] = Value::from("blue");
        })
    });
    one(
        &validate(&d, &dir),
        "Extraneous JSON object property",
        VM,
        "colour",
    );

    let dir = mutated(&d, &out, "break_reference", |dir| {
        edit(dir, &|b| {
            let rg = b["resource_group_name"].as_str().unwrap().to_string();
            assert!(rg.contains("${azurerm_resource_group."), "{rg}");
            b["resource_group_name"] = Value::from("${azurerm_resource_group.rg_gone.name}");
        })
    });
    one(
        &validate(&d, &dir),
        "Reference to undeclared resource",
        VM,
        "resource_group_name",
    );

    let dir = mutated(&d, &out, "duplicate_os_disk", |dir| {
        edit(dir, &|b| {
            let disk = b["os_disk"].clone();
            let first = if disk.is_array() {
                disk[0].clone()
            } else {
                disk
            };
            b["os_disk"] = Value::Array(vec![first.clone(), first]);
        })
    });
    one(
        &validate(&d, &dir),
        "Too many os_disk blocks",
        VM,
        "os_disk",
    );
}
