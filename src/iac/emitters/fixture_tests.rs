//! Every mapped ARM type has a fixture resource in the project's own
//! `fixtures/arm-types/` (one export per service group, shaped like
//! Microsoft's published ARM example responses). Generated together, every
//! fixture resource is emitted; the output (and each file's alone) passes
//! the builtin validator at provider level with the azurerm 4.79 schema and
//! validation data, in HCL and in JSON; every
//! argument a block carries is one its mapping declares; and every enum or
//! range-checked value, in the tables and in the output for the fixtures,
//! contoso and the synthetic tenant, is one the azurerm 4.79 provider
//! accepts (`../shared/reference/azurerm-4.79.0.validation.json`).

use super::registry_tests::schemas;
use super::spec::{Arg, Conv, Lit, Mapping, Need, Nest, Scope, Src};
use super::{all, for_type};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::{GenerateOptions, Generated, Syntax, generate, write_output};
use crate::model::Snapshot;
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The fixture folder.
pub(crate) fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arm-types")
}

/// The fixture files, sorted.
fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/arm-types exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Every fixture file, merged into one snapshot.
pub(crate) fn arm_types() -> &'static Snapshot {
    static S: LazyLock<Snapshot> = LazyLock::new(|| {
        let files = fixture_files();
        let mut merged: Option<crate::azure::export::Export> = None;
        for f in files {
            let e = crate::azure::export::read(&f)
                .unwrap_or_else(|err| panic!("`{}` does not load: {err}", f.display()));
            match merged.as_mut() {
                None => merged = Some(e),
                Some(m) => {
                    for s in e.subscriptions {
                        if !m
                            .subscriptions
                            .iter()
                            .any(|x| x.subscription_id == s.subscription_id)
                        {
                            m.subscriptions.push(s);
                        }
                    }
                    m.resource_groups.extend(e.resource_groups);
                    m.resources.extend(e.resources);
                }
            }
        }
        crate::azure::normalize::normalize(merged.expect("at least one fixture file")).0
    });
    &S
}

fn generated() -> &'static Generated {
    static G: LazyLock<Generated> =
        LazyLock::new(|| generate(arm_types(), &GenerateOptions::default()));
    &G
}

#[test]
fn every_mapped_type_has_a_fixture_resource_and_every_fixture_resource_is_emitted() {
    let present: HashSet<String> = arm_types().resources.iter().map(|r| r.type_key()).collect();
    let missing: Vec<&str> = all()
        .map(|m| m.arm_type)
        .filter(|t| !present.contains(*t))
        .collect();
    assert!(missing.is_empty(), "no fixture resource for: {missing:?}");
    let g = generated();
    assert!(
        g.report.skipped.is_empty(),
        "fixture resources skipped: {:#?}",
        g.report.skipped
    );
    assert_eq!(
        g.report.unmapped_resources, 0,
        "{:?}",
        g.report.unmapped_types
    );
    let addresses: Vec<String> = g.document.blocks().filter_map(Block::address).collect();
    let unique: HashSet<&String> = addresses.iter().collect();
    assert_eq!(unique.len(), addresses.len(), "duplicate addresses");
}

/// The azurerm 4.79 schema with its validation data (enums, ranges, named
/// checks, cross-argument rules), as `atg validate --provider-schema
/// ../shared/reference/azurerm-4.79.0.schema.json` loads them.
pub(crate) fn schemas_with_checks() -> &'static crate::validate::schema::Schemas {
    static S: LazyLock<crate::validate::schema::Schemas> = LazyLock::new(|| {
        let mut s = schemas().clone();
        s.add_rules(crate::validate::rules::tests::azurerm().clone());
        s
    });
    &S
}

/// Writes `g` in `syntax` and checks the builtin validator finds no error
/// at provider level with the azurerm 4.79 schema and validation data.
pub(crate) fn assert_passes_builtin(g: &Generated, syntax: Syntax) {
    let dir = tempfile::tempdir().unwrap();
    write_output(dir.path(), g, syntax).unwrap();
    let cfg = crate::validate::config::Config::parse_dir(dir.path()).unwrap();
    let (level, diagnostics) = crate::validate::builtin::check(&cfg, Some(schemas_with_checks()));
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{:?}: {} {}", d.address, d.summary, d.detail))
        .collect();
    assert!(errors.is_empty(), "{syntax:?}:\n{}", errors.join("\n"));
    assert_eq!(level, crate::validate::ValidationLevel::Provider);
}

#[test]
fn fixture_output_passes_the_builtin_validator_at_provider_level_in_hcl() {
    assert_passes_builtin(generated(), Syntax::Hcl);
}

/// The fixture output is `terraform fmt` clean as written (real terraform).
#[test]
fn fixture_output_is_terraform_fmt_clean() {
    let dir = tempfile::tempdir().unwrap();
    write_output(dir.path(), generated(), Syntax::Hcl).unwrap();
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-no-color"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .expect("terraform is on PATH (.ci/run requires it)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fixture_output_passes_the_builtin_validator_at_provider_level_in_json() {
    assert_passes_builtin(generated(), Syntax::Json);
}

/// Each fixture file generated alone, as `atg scan --from-file FILE` then
/// `atg generate` would (a subscription-scoped role definition without the
/// groups other files add, for one), passes the builtin validator with the
/// azurerm 4.79 schema and validation data; the real provider was run on
/// the same folders (docs/VALIDATION.md, "Checked with the real provider").
#[test]
fn each_fixture_file_generated_alone_passes_the_builtin_validator() {
    let files = fixture_files();
    assert!(files.len() > 10, "{files:?}");
    for f in files {
        let snap = crate::azure::load_file(&f)
            .unwrap_or_else(|e| panic!("`{}` does not load: {e}", f.display()))
            .0;
        let g = generate(&snap, &GenerateOptions::default());
        assert!(
            g.document
                .blocks()
                .filter(|b| b
                    .labels
                    .first()
                    .is_some_and(|t| t == "azurerm_resource_group"))
                .all(|b| !matches!(b.body.get("name"), Some(Value::Str(n)) if n.is_empty())),
            "`{}`: a resource group without a name",
            f.display()
        );
        assert_passes_builtin(&g, Syntax::Hcl);
    }
}

/// Names a mapping may set on its primary block.
fn declared(m: &Mapping) -> HashSet<&'static str> {
    let mut d: HashSet<&'static str> = m.args.iter().map(|a| a.name).collect();
    d.extend(m.nests.iter().map(|n| n.ident));
    d.extend(m.hook_sets.iter().copied());
    if m.name.is_some() {
        d.insert("name");
    }
    if m.tags {
        d.insert("tags");
    }
    if m.identity {
        d.insert("identity");
    }
    match m.scope {
        Scope::Located => d.extend(["resource_group_name", "location"]),
        Scope::Grouped => d.extend(["resource_group_name"]),
        Scope::LocatedIn(a, ..) => d.extend(["resource_group_name", "location", a]),
        Scope::GroupedIn(a, ..) => d.extend(["resource_group_name", a]),
        Scope::PlacedIn(a, ..) => d.extend(["location", a]),
        Scope::In(a, ..) => d.extend([a]),
        Scope::Bare => {}
    }
    d
}

/// The tables say what they set: a primary block carries only arguments
/// and blocks its mapping declares (so the registry test sees them all).
#[test]
fn emitted_arguments_are_declared_by_their_mapping() {
    let g = generated();
    let types: HashMap<String, String> = arm_types()
        .resources
        .iter()
        .map(|r| (r.id_key(), r.type_key()))
        .collect();
    let blocks: HashMap<String, &Block> = g
        .document
        .blocks()
        .filter_map(|b| Some((b.address()?, b)))
        .collect();
    let mut problems = Vec::new();
    for e in &g.report.resources {
        let Some(m) = types
            .get(&e.arm_id.to_ascii_lowercase())
            .and_then(|t| for_type(t))
        else {
            continue;
        };
        let d = declared(m);
        let b = blocks[&e.address];
        for name in b
            .body
            .attributes
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(b.body.blocks.iter().map(|n| n.ident.as_str()))
        {
            if !d.contains(name) {
                problems.push(format!("{}: `{name}` is not declared", e.address));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One provider check on an argument path: allowed values and ranges.
#[derive(Debug, Default)]
struct Rule {
    one_of: Vec<String>,
    ignore_case: bool,
    elem_one_of: Vec<String>,
    range: Option<(f64, f64)>,
}

impl Rule {
    fn accepts(&self, s: &str) -> bool {
        self.one_of.is_empty()
            || self.one_of.iter().any(|v| {
                if self.ignore_case {
                    v.eq_ignore_ascii_case(s)
                } else {
                    v == s
                }
            })
    }
}

/// azurerm type → argument path (`block.argument`) → rule.
fn rules() -> &'static HashMap<String, HashMap<String, Rule>> {
    static R: LazyLock<HashMap<String, HashMap<String, Rule>>> = LazyLock::new(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/azurerm-4.79.0.validation.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "`{}` not readable ({e}): the value checks need the shared reference data",
                path.display()
            )
        });
        let doc: Json = serde_json::from_str(&text).expect("validation data is JSON");
        let strs = |v: &Json| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        doc["resources"]
            .as_object()
            .expect("resources")
            .iter()
            .map(|(t, args)| {
                let args = args
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(path, r)| {
                        let range = r["range"]
                            .as_array()
                            .and_then(|a| Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?)));
                        (
                            path.clone(),
                            Rule {
                                one_of: strs(&r["one_of"]),
                                ignore_case: r["ignore_case"].as_bool().unwrap_or(false),
                                elem_one_of: strs(&r["elem_one_of"]),
                                range,
                            },
                        )
                    })
                    .collect();
                (t.clone(), args)
            })
            .collect()
    });
    &R
}

fn rule<'r>(ty: &str, path: &str) -> Option<&'r Rule> {
    rules().get(ty)?.get(path)
}

/// The constants an argument may write: enum spellings, mapped values,
/// literals and defaults.
fn constants(a: &Arg) -> Vec<Lit> {
    let mut out = Vec::new();
    match a.conv {
        Conv::Enum(values) => out.extend(values.iter().map(|v| Lit::Str(v))),
        Conv::Map(pairs) | Conv::MapOnly(pairs) => {
            out.extend(pairs.iter().map(|(_, v)| Lit::Str(v)))
        }
        _ => {}
    }
    if let Src::Const(l) = a.src {
        out.push(l);
    }
    if let Need::Or(l) | Need::Always(l) = a.need {
        out.push(l);
    }
    out
}

fn check_constants(
    ty: &str,
    prefix: &str,
    args: &[Arg],
    nests: &[Nest],
    problems: &mut Vec<String>,
) {
    for a in args {
        let path = format!("{prefix}{}", a.name);
        let Some(r) = rule(ty, &path) else { continue };
        for c in constants(a) {
            match c {
                Lit::Str(s) if !r.accepts(s) => {
                    problems.push(format!("`{ty}.{path}`: `{s}` is not one of {:?}", r.one_of))
                }
                Lit::Int(i) => {
                    if let Some((lo, hi)) = r.range
                        && !(lo..=hi).contains(&(i as f64))
                    {
                        problems.push(format!("`{ty}.{path}`: {i} is outside [{lo}, {hi}]"));
                    }
                }
                _ => {}
            }
        }
    }
    for n in nests {
        check_constants(
            ty,
            &format!("{prefix}{}.", n.ident),
            n.args,
            n.nests,
            problems,
        );
    }
}

/// Issue 13: every constant in the tables (enum spellings, mapped values,
/// literals, defaults) is a value the azurerm 4.79 provider accepts for its
/// argument, e.g. key vault `sku_name = "standard"`, not ARM's `Standard`.
#[test]
fn every_constant_in_the_tables_is_a_value_the_provider_accepts() {
    let mut problems = Vec::new();
    for m in all() {
        for p in m.primary_types() {
            let (args, nests) = m.applying_to(p);
            check_constants(p, "", &args, &nests, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn check_body(ty: &str, prefix: &str, body: &Body, problems: &mut Vec<String>) {
    for (k, v) in &body.attributes {
        let path = format!("{prefix}{k}");
        let Some(r) = rule(ty, &path) else { continue };
        match v {
            Value::Str(s) if !r.accepts(s) => problems.push(format!(
                "`{ty}.{path}` = `{s}` is not one of {:?}",
                r.one_of
            )),
            // `["*"]` alone is the wildcard a port/address check also
            // accepts (its message names only the literal), not an enum.
            Value::List(items) if !r.elem_one_of.is_empty() && r.elem_one_of != ["*"] => {
                for i in items {
                    if let Value::Str(s) = i
                        && !r.elem_one_of.contains(s)
                    {
                        problems.push(format!(
                            "`{ty}.{path}` has `{s}`, not one of {:?}",
                            r.elem_one_of
                        ));
                    }
                }
            }
            Value::Int(i) => {
                if let Some((lo, hi)) = r.range
                    && !(lo..=hi).contains(&(*i as f64))
                {
                    problems.push(format!("`{ty}.{path}` = {i} is outside [{lo}, {hi}]"));
                }
            }
            _ => {}
        }
    }
    for b in &body.blocks {
        check_body(ty, &format!("{prefix}{}.", b.ident), &b.body, problems);
    }
}

/// Enum- and range-checked values in a generation that the provider would refuse.
pub(crate) fn refused_values(g: &Generated) -> Vec<String> {
    let mut problems = Vec::new();
    for b in g.document.blocks().filter(|b| b.ident == "resource") {
        check_body(&b.labels[0], "", &b.body, &mut problems);
    }
    problems
}

/// Issue 13: every enum-valued argument emitted for the fixtures, contoso
/// and the synthetic tenant is accepted by the azurerm 4.79 provider.
#[test]
fn emitted_values_are_ones_the_provider_accepts() {
    let synthetic = crate::azure::load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenant-synthetic-small.json"),
    )
    .expect("synthetic fixture loads")
    .0;
    for (what, g) in [
        ("fixtures/arm-types", generated()),
        ("contoso", super::testutil::contoso()),
        (
            "synthetic",
            &generate(&synthetic, &GenerateOptions::default()),
        ),
    ] {
        let problems = refused_values(g);
        assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
    }
}

/// One row of the coverage table: a tenant's resources and what became of them.
fn coverage_row(what: &str, g: &Generated) -> String {
    let r = &g.report;
    let share = |n: usize| {
        if r.resources_in_scope == 0 {
            0.0
        } else {
            (n as f64 * 1000.0 / r.resources_in_scope as f64).round() / 10.0
        }
    };
    format!(
        "| {what} | {} | {} ({}%) | {} | {} | {} | {} |",
        r.resources_in_scope,
        r.emitted_resources,
        share(r.emitted_resources),
        r.emitted_resources - r.generic_resources,
        r.generic_resources,
        r.skipped_resources,
        r.unmapped_resources
    )
}

/// The coverage section of docs/GENERATE.md, as the tables and the
/// fixtures give it (generated with the azurerm 4.79 schema, so the
/// generic fallback is on).
fn coverage_table() -> String {
    let tables = all().count();
    let generic = super::generic::TYPE_MAP.len();
    let none = super::generic::NO_AZURERM.len();
    let reference = super::testutil::aztft_reference();
    let covered = reference
        .keys()
        .filter(|t| for_type(t).is_some() || super::generic::fallback_type(t).is_some())
        .count();
    let opts = GenerateOptions {
        provider_schema: Some(std::sync::Arc::new(schemas().clone())),
        ..Default::default()
    };
    let synthetic = crate::azure::load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenant-synthetic-small.json"),
    )
    .expect("synthetic fixture loads")
    .0;
    let contoso = super::testutil::fixture();
    let fallback = crate::azure::load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generic-fallback.json"),
    )
    .expect("generic fixture loads")
    .0;
    format!(
        "| ARM types | count |\n|---|---:|\n\
         | written by a table (hand-mapped, declarative) | {tables} |\n\
         | written by the generic fallback (with `--provider-schema`) | {generic} |\n\
         | known to have no azurerm resource | {none} |\n\
         | of the {} ARM types the aztft reference maps to azurerm, covered by a table or the fallback | {covered} ({}%) |\n\
         \n\
         | tenant | resources | emitted | by a table | generic | skipped | unmapped |\n\
         |---|---:|---:|---:|---:|---:|---:|\n\
         {}\n{}\n{}\n{}\n",
        reference.len(),
        (covered as f64 * 1000.0 / reference.len() as f64).round() / 10.0,
        coverage_row(
            "contoso (`../shared/fixtures/tenant-contoso.json`)",
            &generate(&contoso, &opts)
        ),
        coverage_row(
            "synthetic (`fixtures/tenant-synthetic-small.json`)",
            &generate(&synthetic, &opts)
        ),
        coverage_row(
            "`fixtures/arm-types/` (one resource or more per table)",
            &generate(arm_types(), &opts)
        ),
        coverage_row(
            "`fixtures/generic-fallback.json` (types without a table)",
            &generate(&fallback, &opts)
        ),
    )
}

/// docs/GENERATE.md's coverage section is the one the tables and fixtures
/// give. Run with `UPDATE_DOCS=1` to rewrite it.
#[test]
fn the_coverage_table_in_the_docs_is_current() {
    super::testutil::check_doc_section("coverage-table", &coverage_table());
}
