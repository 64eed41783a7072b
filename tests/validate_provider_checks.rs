//! The provider's own value checks (issue 15) on atg's output and on
//! edits of it, with the azurerm 4.79 validation data
//! (`../shared/reference/azurerm-4.79.0.validation.json`, found beside the
//! schema): every enum-valued argument atg emits for the contoso and
//! synthetic tenants is one the provider accepts, and each edit a user or
//! an emitter could make gives exactly the provider's diagnostic (the
//! messages of the issue were read off real terraform with azurerm 4.79;
//! the rest follow the data file's messages and terraform-plugin-sdk/v2).

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use atg::validate::config::{Body, Config, ExprKind, join_path};
use atg::validate::rules::{ProviderRules, ResourceRules, ValueCheck};

fn rules() -> ProviderRules {
    ProviderRules::load_file(&shared("reference/azurerm-4.79.0.validation.json")).unwrap()
}

/// `atg generate` of a scanned export into the folder `name`.
fn generate(d: &Dir, export: &Path, name: &str) -> PathBuf {
    let graph = format!("sqlite:{name}.db");
    d.atg()
        .args(["--graph", &graph, "scan", "--from-file"])
        .arg(export)
        .assert()
        .success();
    d.atg()
        .args(["--graph", &graph, "--quiet", "generate", "-o", name])
        .assert()
        .success();
    d.path().join(name)
}

/// Every literal value of an argument with an enum (`one_of`, or
/// `elem_one_of` for list elements): (type, path) → values seen, and the
/// ones the provider rejects.
fn enum_values(
    dir: &Path,
    rules: &ProviderRules,
) -> (BTreeMap<(String, String), usize>, Vec<String>) {
    fn walk(
        body: &Body,
        prefix: &str,
        ty: &str,
        rr: &ResourceRules,
        seen: &mut BTreeMap<(String, String), usize>,
        bad: &mut Vec<String>,
    ) {
        for a in &body.attributes {
            let path = join_path(prefix, &a.name);
            let Some(rule) = rr.arg(&path) else { continue };
            let mut check = |v: &str, ok: bool| {
                *seen.entry((ty.to_string(), path.clone())).or_default() += 1;
                if !ok {
                    bad.push(format!("{ty} {path} = {v:?}"));
                }
            };
            if let (Some(ValueCheck::OneOf(o)), ExprKind::String(s)) = (&rule.value, &a.expr.kind) {
                check(s, o.allows(s));
            }
            if let (Some(allowed), ExprKind::Tuple(items)) = (&rule.elem_one_of, &a.expr.kind) {
                for i in items {
                    if let ExprKind::String(s) = &i.kind {
                        check(s, allowed.contains(s));
                    }
                }
            }
        }
        for b in &body.blocks {
            walk(&b.body, &join_path(prefix, &b.ident), ty, rr, seen, bad);
        }
    }
    let cfg = Config::parse_dir(dir).unwrap();
    let (mut seen, mut bad) = (BTreeMap::new(), Vec::new());
    for r in &cfg.resources {
        if let Some(rr) = rules.resource(&r.type_name) {
            walk(&r.body, "", &r.type_name, rr, &mut seen, &mut bad);
        }
    }
    (seen, bad)
}

// Issue 15: ARM spells values differently from azurerm (`Standard` vs
// `standard`); generation must emit the provider's spelling.
#[test]
fn every_enum_value_atg_emits_is_one_the_provider_accepts() {
    let d = Dir::new();
    let synth = d.path().join("synth.json");
    d.atg()
        .args(["synth", "--resources", "3000", "--seed", "15", "-o"])
        .arg(&synth)
        .assert()
        .success();
    let rules = rules();
    let mut all = BTreeMap::new();
    for (export, graph) in [
        (contoso(), "contoso"),
        (synth, "synth"),
        (root().join("fixtures/tenant-synthetic-small.json"), "small"),
    ] {
        let out = generate(&d, &export, graph);
        let (seen, bad) = enum_values(&out, &rules);
        assert!(bad.is_empty(), "{graph}: values azurerm rejects: {bad:#?}");
        all.extend(seen);
        let (_, v) = validate_azurerm(&d, &out);
        assert_eq!(v["error_count"], 0, "{graph}: {v:#}");
        assert_eq!(v["level"], "provider");
    }
    // The check saw the enums it is about: SKUs, tiers, kinds, methods.
    assert!(
        all.len() >= 25,
        "only {} enum-valued arguments: {all:?}",
        all.len()
    );
    for want in [
        ("azurerm_key_vault", "sku_name"),
        ("azurerm_storage_account", "account_replication_type"),
        ("azurerm_public_ip", "allocation_method"),
    ] {
        assert!(
            all.contains_key(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not emitted: {all:?}"
        );
    }
}

/// An edit of the generated configuration.
enum Edit<'a> {
    /// Set the argument at `path` (block types, then the argument) of a
    /// resource to an expression, adding it when absent.
    Set(&'a str, &'a str, &'a str),
    /// Remove an argument.
    Remove(&'a str, &'a str),
    /// Insert text at the start of a resource's body (a nested block).
    Insert(&'a str, &'a str),
    /// Add a file.
    File(&'a str, &'a str),
}

/// The body at `path`'s block part, and the argument's name.
fn locate<'c>(cfg: &'c Config, address: &str, path: &'c str) -> (&'c Body, &'c str) {
    let r = cfg
        .resources
        .iter()
        .find(|r| r.address() == address)
        .unwrap_or_else(|| panic!("the contoso output has no {address}"));
    let mut body = &r.body;
    let mut parts: Vec<&str> = path.split('.').collect();
    let name = parts.pop().unwrap();
    for p in parts {
        body = &body
            .blocks
            .iter()
            .find(|b| b.ident == p)
            .unwrap_or_else(|| panic!("{address} has no {p} block"))
            .body;
    }
    (body, name)
}

/// Replaces the byte range of a span in its file.
fn splice(dir: &Path, cfg: &Config, span: atg::validate::config::Span, end: usize, with: &str) {
    let file = &cfg.files[span.file as usize];
    let mut text = file.text.clone();
    text.replace_range(span.start..end, with);
    std::fs::write(dir.join(&file.name), text).unwrap();
}

fn apply(dir: &Path, edit: &Edit<'_>) {
    let cfg = Config::parse_dir(dir).unwrap();
    match *edit {
        Edit::Set(address, path, expr) => {
            let (body, name) = locate(&cfg, address, path);
            match body.attributes.iter().find(|a| a.name == name) {
                Some(a) => splice(dir, &cfg, a.expr.span, a.expr.span.end, expr),
                None => {
                    let at = body.open_span;
                    splice(
                        dir,
                        &cfg,
                        at,
                        at.start + 1,
                        &format!("{{\n  {name} = {expr}"),
                    );
                }
            }
        }
        Edit::Remove(address, path) => {
            let (body, name) = locate(&cfg, address, path);
            let a = body.attributes.iter().find(|a| a.name == name).unwrap();
            splice(dir, &cfg, a.span, a.span.end, "");
        }
        Edit::Insert(address, text) => {
            let (body, _) = locate(&cfg, address, "x");
            let at = body.open_span;
            splice(dir, &cfg, at, at.start + 1, &format!("{{\n{text}"));
        }
        Edit::File(name, text) => std::fs::write(dir.join(name), text).unwrap(),
    }
}

/// A copy of `out` with the edits applied.
fn edited(d: &Dir, out: &Path, name: &str, edits: &[Edit<'_>]) -> PathBuf {
    let dir = d.path().join("edits").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(out).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    for e in edits {
        apply(&dir, e);
    }
    dir
}

const KV: &str = "azurerm_key_vault.kv_contoso_dev";
const ST: &str = "azurerm_storage_account.stcontosodev";
const PIP: &str = "azurerm_public_ip.pip_bas_contoso_dev";
const VM: &str = "azurerm_linux_virtual_machine.vm_contoso_dev_lnx01";
const RG: &str = "azurerm_resource_group.rg_shared";

/// (summary, detail, address, attribute) of each error, in order.
fn errors(v: &Value) -> Vec<Expected> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("summary"), s("detail"), s("address"), s("attribute"))
        })
        .collect()
}

/// (summary, detail, address, attribute) of an error.
type Expected = (String, String, String, String);

/// An error of a validation function: the message is the summary.
fn msg(summary: &str, address: &str, attribute: &str) -> Expected {
    (
        summary.into(),
        String::new(),
        address.into(),
        attribute.into(),
    )
}

// Issue 15: the seven edits real terraform rejects with azurerm 4.79
// (their messages are the ones terraform printed), and more of the same
// kinds, on the contoso configuration atg generates: each gives exactly
// the provider's diagnostics, and nothing else.
#[test]
fn edits_of_generated_contoso_give_the_azurerm_providers_diagnostics() {
    let d = Dir::new();
    let out = generate(&d, &contoso(), "contoso");
    let both = "`address_prefixes,ip_address_pool`";
    let snet = "azurerm_subnet.vnet_contoso_dev_eus_snet_app";
    let cases: Vec<(&str, Vec<Edit<'_>>, Vec<Expected>)> = vec![
        (
            "replication",
            vec![Edit::Set(ST, "account_replication_type", "\"XYZ\"")],
            vec![msg(
                "expected account_replication_type to be one of [\"LRS\" \"ZRS\" \"GRS\" \"RAGRS\" \"GZRS\" \"RAGZRS\"], got XYZ",
                ST,
                "account_replication_type",
            )],
        ),
        (
            "storage_name",
            vec![Edit::Set(ST, "name", "\"st-Contoso-Dev\"")],
            vec![msg(
                "name (\"st-Contoso-Dev\") can only consist of lowercase letters and numbers, and must be between 3 and 24 characters long",
                ST,
                "name",
            )],
        ),
        (
            "key_vault_sku",
            vec![Edit::Set(KV, "sku_name", "\"Standard\"")],
            vec![msg(
                "expected sku_name to be one of [\"standard\" \"premium\"], got Standard",
                KV,
                "sku_name",
            )],
        ),
        (
            "allocation",
            vec![Edit::Set(PIP, "allocation_method", "\"Fixed\"")],
            vec![msg(
                "expected allocation_method to be one of [\"Static\" \"Dynamic\"], got Fixed",
                PIP,
                "allocation_method",
            )],
        ),
        (
            "retention",
            vec![Edit::Set(KV, "soft_delete_retention_days", "3")],
            vec![msg(
                "expected soft_delete_retention_days to be in the range (7 - 90), got 3",
                KV,
                "soft_delete_retention_days",
            )],
        ),
        (
            "blank_group",
            vec![Edit::Set(RG, "name", "\"\"")],
            vec![msg("\"name\" cannot be blank", RG, "name")],
        ),
        (
            "both_rbac",
            vec![
                Edit::Set(KV, "enable_rbac_authorization", "true"),
                Edit::Set(KV, "rbac_authorization_enabled", "true"),
            ],
            vec![
                (
                    "Conflicting configuration arguments".into(),
                    "\"rbac_authorization_enabled\": conflicts with enable_rbac_authorization"
                        .into(),
                    KV.into(),
                    "rbac_authorization_enabled".into(),
                ),
                (
                    "Conflicting configuration arguments".into(),
                    "\"enable_rbac_authorization\": conflicts with rbac_authorization_enabled"
                        .into(),
                    KV.into(),
                    "enable_rbac_authorization".into(),
                ),
            ],
        ),
        // Edits of our own.
        (
            "os_disk_caching",
            vec![Edit::Set(VM, "os_disk.caching", "\"ReadWriteish\"")],
            vec![msg(
                "expected os_disk.0.caching to be one of [\"None\" \"ReadOnly\" \"ReadWrite\"], got ReadWriteish",
                VM,
                "os_disk.caching",
            )],
        ),
        (
            "priority_case",
            vec![Edit::Set(VM, "priority", "\"spot\"")],
            vec![msg(
                "expected priority to be one of [\"Regular\" \"Spot\"], got spot",
                VM,
                "priority",
            )],
        ),
        (
            "ip_sku",
            vec![Edit::Set(PIP, "sku", "\"Premium\"")],
            vec![msg(
                "expected sku to be one of [\"Basic\" \"Standard\" \"StandardV2\"], got Premium",
                PIP,
                "sku",
            )],
        ),
        (
            "idle_timeout_high",
            vec![Edit::Set(PIP, "idle_timeout_in_minutes", "31")],
            vec![msg(
                "expected idle_timeout_in_minutes to be in the range (4 - 30), got 31",
                PIP,
                "idle_timeout_in_minutes",
            )],
        ),
        (
            "idle_timeout_fraction",
            vec![Edit::Set(PIP, "idle_timeout_in_minutes", "4.5")],
            vec![msg(
                "Attribute must be a whole number, got 4.5",
                PIP,
                "idle_timeout_in_minutes",
            )],
        ),
        (
            "log_retention",
            vec![Edit::Set(
                "azurerm_log_analytics_workspace.log_contoso_dev",
                "retention_in_days",
                "7",
            )],
            vec![msg(
                "expected retention_in_days to be in the range (30 - 730), got 7",
                "azurerm_log_analytics_workspace.log_contoso_dev",
                "retention_in_days",
            )],
        ),
        (
            "tls",
            vec![Edit::Set(ST, "min_tls_version", "\"TLS1_3\"")],
            vec![msg(
                "expected min_tls_version to be one of [\"TLS1_0\" \"TLS1_1\" \"TLS1_2\"], got TLS1_3",
                ST,
                "min_tls_version",
            )],
        ),
        (
            "access_tier",
            vec![Edit::Set(ST, "access_tier", "\"Archive\"")],
            vec![msg(
                "expected access_tier to be one of [\"Cold\" \"Cool\" \"Hot\" \"Premium\" \"Smart\"], got Archive",
                ST,
                "access_tier",
            )],
        ),
        (
            "vault_name_hyphens",
            vec![Edit::Set(KV, "name", "\"kv--contoso\"")],
            vec![msg(
                "\"name\" must not contain any consecutive hyphens",
                KV,
                "name",
            )],
        ),
        (
            "tenant_not_uuid",
            vec![Edit::Set(KV, "tenant_id", "\"contoso\"")],
            vec![msg(
                "expected \"tenant_id\" to be a valid UUID, got contoso",
                KV,
                "tenant_id",
            )],
        ),
        (
            "group_name_period",
            vec![Edit::Set(RG, "name", "\"rg-shared.\"")],
            vec![msg("\"name\" may not end with a period", RG, "name")],
        ),
        (
            "redis_tls",
            vec![Edit::Set(
                "azurerm_redis_cache.redis_contoso_dev",
                "minimum_tls_version",
                "\"1.3\"",
            )],
            vec![msg(
                "expected minimum_tls_version to be one of [\"1.0\" \"1.1\" \"1.2\"], got 1.3",
                "azurerm_redis_cache.redis_contoso_dev",
                "minimum_tls_version",
            )],
        ),
        (
            "network_acls",
            vec![Edit::Insert(
                KV,
                "  network_acls {\n    default_action = \"Block\"\n    bypass = \"AzureServices\"\n  }",
            )],
            vec![msg(
                "expected network_acls.0.default_action to be one of [\"Allow\" \"Deny\"], got Block",
                KV,
                "network_acls.default_action",
            )],
        ),
        (
            "subnet_without_prefixes",
            vec![Edit::Remove(snet, "address_prefixes")],
            vec![
                (
                    "Invalid combination of arguments".into(),
                    format!("\"address_prefixes\": one of {both} must be specified"),
                    snet.into(),
                    "address_prefixes".into(),
                ),
                (
                    "Invalid combination of arguments".into(),
                    format!("\"ip_address_pool\": one of {both} must be specified"),
                    snet.into(),
                    "ip_address_pool".into(),
                ),
            ],
        ),
        // Unknown at validate time: a variable, even with a default.
        (
            "variable_sku",
            vec![
                Edit::File(
                    "edit.tf",
                    "variable \"kv_sku\" {\n  default = \"Standard\"\n}\n",
                ),
                Edit::Set(KV, "sku_name", "var.kv_sku"),
            ],
            vec![],
        ),
        // A literal local value is evaluated.
        (
            "local_sku",
            vec![
                Edit::File("edit.tf", "locals {\n  kv_sku = \"Standard\"\n}\n"),
                Edit::Set(KV, "sku_name", "local.kv_sku"),
            ],
            vec![msg(
                "expected sku_name to be one of [\"standard\" \"premium\"], got Standard",
                KV,
                "sku_name",
            )],
        ),
        (
            "premium_is_fine",
            vec![Edit::Set(KV, "sku_name", "\"premium\"")],
            vec![],
        ),
    ];
    assert!(cases.len() >= 24);
    let mut failures = Vec::new();
    for (name, edits, want) in &cases {
        let dir = edited(&d, &out, name, edits);
        let (_, v) = validate_azurerm(&d, &dir);
        let got = errors(&v);
        let mut want = want.clone();
        let mut got_sorted = got.clone();
        want.sort();
        got_sorted.sort();
        if got_sorted != want {
            failures.push(format!("{name}:\n  want {want:#?}\n  got {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
