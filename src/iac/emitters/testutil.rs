//! Test support for the emitter modules: the contoso fixture (loaded, or
//! generated once), synthetic snapshots, finding blocks and attributes in a
//! generation, skips and notes from its report, and a check of a block
//! against the azurerm provider schema.

use crate::iac::doc::{Block, Body, Value};
use crate::iac::{GenerateOptions, Generated, Syntax, generate, render};
use crate::model::{Resource, Snapshot};
use std::path::Path;
use std::sync::LazyLock;

/// Path of the shared contoso fixture, relative to the crate root.
pub(crate) const FIXTURE: &str = "../shared/fixtures/tenant-contoso.json";

/// Path of the azurerm provider schema, relative to the crate root.
pub(crate) const SCHEMA: &str = "../shared/reference/azurerm-4.79.0.schema.json";

/// The contoso fixture as a snapshot; panics with a clear message when the
/// file is absent.
pub(crate) fn fixture() -> Snapshot {
    let path = Path::new(FIXTURE);
    assert!(
        path.exists(),
        "fixture `{FIXTURE}` not found; these tests need the shared reference data next to the crate (../shared)"
    );
    crate::azure::load_file(path).expect("fixture loads").0
}

/// The contoso fixture generated with default options, once per test run.
pub(crate) fn contoso() -> &'static Generated {
    static G: LazyLock<Generated> = LazyLock::new(|| gen_default(&fixture()));
    &G
}

/// Generates a snapshot with default options.
pub(crate) fn gen_default(snap: &Snapshot) -> Generated {
    generate(snap, &GenerateOptions::default())
}

/// A resource from JSON in export (Resource Graph row) shape.
pub(crate) fn resource(v: serde_json::Value) -> Resource {
    serde_json::from_value(v).expect("valid resource JSON")
}

/// Resources from JSON values in export shape, in order.
pub(crate) fn resources(values: &[serde_json::Value]) -> Vec<Resource> {
    values.iter().cloned().map(resource).collect()
}

/// Generates, with default options, a snapshot made of exactly these
/// resources (JSON in export form).
pub(crate) fn generate_json(values: &[serde_json::Value]) -> Generated {
    let snap = Snapshot {
        resources: resources(values),
        ..Default::default()
    };
    gen_default(&snap)
}

/// All rendered HCL files, joined by newlines.
pub(crate) fn hcl(g: &Generated) -> String {
    render::render(&g.document, Syntax::Hcl)
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The resource blocks of one azurerm type, in document order.
pub(crate) fn blocks<'g>(g: &'g Generated, ty: &str) -> Vec<&'g Block> {
    g.document
        .blocks()
        .filter(|b| b.ident == "resource" && b.labels.first().map(String::as_str) == Some(ty))
        .collect()
}

/// The only resource block of one azurerm type; panics unless there is
/// exactly one.
pub(crate) fn one<'g>(g: &'g Generated, ty: &str) -> &'g Block {
    let v = blocks(g, ty);
    assert_eq!(v.len(), 1, "expected one `{ty}`, got {}", v.len());
    v[0]
}

/// The emitted block of this azurerm type whose source resource's ARM ID
/// ends in `/<name>` (case-insensitive); panics when there is none.
pub(crate) fn block<'g>(g: &'g Generated, ty: &str, name: &str) -> &'g Block {
    let address = g
        .report
        .resources
        .iter()
        .find(|e| {
            e.address.starts_with(&format!("{ty}."))
                && e.arm_id
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .unwrap_or_else(|| panic!("no `{ty}` emitted for `{name}`: {:?}", g.report.skipped))
        .address
        .clone();
    g.document
        .blocks()
        .find(|b| b.address().as_deref() == Some(address.as_str()))
        .expect("emitted address has a block")
}

/// An attribute of a block; panics with its name when absent.
pub(crate) fn attr<'b>(b: &'b Block, name: &str) -> &'b Value {
    b.body
        .get(name)
        .unwrap_or_else(|| panic!("`{name}` not set on {:?}", b.labels))
}

/// A string literal attribute of a block; panics when it is anything else.
pub(crate) fn s<'b>(b: &'b Block, attr: &str) -> &'b str {
    match b.body.get(attr) {
        Some(Value::Str(s)) => s,
        other => panic!("`{attr}` is not a string literal: {other:?}"),
    }
}

/// A reference attribute of a block (`ADDR.ATTR`); panics when it is
/// anything else.
pub(crate) fn r<'b>(b: &'b Block, attr: &str) -> &'b str {
    match b.body.get(attr) {
        Some(Value::Ref(s)) => s,
        other => panic!("`{attr}` is not a reference: {other:?}"),
    }
}

/// Whether `v` is a reference `ADDR.ATTR` whose text starts with `prefix`.
pub(crate) fn is_ref_to(v: &Value, prefix: &str) -> bool {
    matches!(v, Value::Ref(r) if r.starts_with(prefix))
}

/// The first nested block with this name; panics when there is none.
pub(crate) fn nested<'b>(b: &'b Block, name: &str) -> &'b Block {
    b.body
        .blocks
        .iter()
        .find(|n| n.ident == name)
        .unwrap_or_else(|| panic!("no `{name}` block in {:?}", b.labels))
}

/// The skip recorded for the resource with this ARM ID (case-insensitive).
pub(crate) fn skip_by_id<'g>(
    g: &'g Generated,
    arm_id: &str,
) -> Option<&'g crate::iac::report::SkippedResource> {
    g.report
        .skipped
        .iter()
        .find(|s| s.arm_id.eq_ignore_ascii_case(arm_id))
}

/// The skip recorded for the source resource whose ARM ID ends in `/<name>`
/// (case-insensitive), as `(reason, detail)`.
pub(crate) fn skip_by_name(g: &Generated, name: &str) -> Option<(String, String)> {
    g.report
        .skipped
        .iter()
        .find(|s| {
            s.arm_id
                .rsplit('/')
                .next()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|s| (s.reason.clone(), s.detail.clone()))
}

/// The notes recorded about the resource with this ARM ID (case-insensitive).
pub(crate) fn notes_by_id(g: &Generated, arm_id: &str) -> Vec<String> {
    g.report
        .notes
        .iter()
        .filter(|n| n.subject.eq_ignore_ascii_case(arm_id))
        .map(|n| n.message.clone())
        .collect()
}

/// The notes recorded about source resources whose ARM ID ends in `/<name>`
/// (case-insensitive).
pub(crate) fn notes_by_name(g: &Generated, name: &str) -> Vec<String> {
    let suffix = format!("/{}", name.to_ascii_lowercase());
    g.report
        .notes
        .iter()
        .filter(|n| n.subject.to_ascii_lowercase().ends_with(&suffix))
        .map(|n| n.message.clone())
        .collect()
}

/// The azurerm resource schemas (`resource_schemas` of the provider schema
/// at `SCHEMA`), keyed by azurerm type; panics when the file is unreadable.
pub(crate) fn provider_resource_schemas() -> serde_json::Value {
    let text = std::fs::read_to_string(SCHEMA).unwrap_or_else(|e| {
        panic!("provider schema `{SCHEMA}` not readable ({e}); these tests need ../shared")
    });
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
    schema["provider_schemas"]["registry.terraform.io/hashicorp/azurerm"]["resource_schemas"].take()
}

/// Checks a block body against its schema `block` object (the `block` of a
/// resource schema, or of a nested block type): every argument is known and
/// settable, every required one is set, nested blocks are known and within
/// their min/max counts, recursively. Panics naming `path` on the first
/// violation.
pub(crate) fn check_schema(path: &str, schema: &serde_json::Value, body: &Body) {
    let attrs = &schema["attributes"];
    for (k, _) in &body.attributes {
        let a = attrs
            .get(k)
            .unwrap_or_else(|| panic!("{path}: unsupported argument `{k}`"));
        let settable =
            a["optional"].as_bool() == Some(true) || a["required"].as_bool() == Some(true);
        assert!(settable, "{path}: `{k}` is computed-only");
    }
    for (k, a) in attrs.as_object().into_iter().flatten() {
        if a["required"].as_bool() == Some(true) {
            assert!(body.get(k).is_some(), "{path}: missing required `{k}`");
        }
    }
    for (k, bt) in schema["block_types"].as_object().into_iter().flatten() {
        let n = body.blocks.iter().filter(|b| &b.ident == k).count() as u64;
        let min = bt["min_items"].as_u64().unwrap_or(0);
        let max = bt["max_items"].as_u64().unwrap_or(0);
        assert!(n >= min, "{path}: insufficient `{k}` blocks");
        assert!(max == 0 || n <= max, "{path}: too many `{k}` blocks");
    }
    for b in &body.blocks {
        let bt = schema["block_types"]
            .get(&b.ident)
            .unwrap_or_else(|| panic!("{path}: unsupported block `{}`", b.ident));
        check_schema(&format!("{path}.{}", b.ident), &bt["block"], &b.body);
    }
}

/// ARM type (lowercase) → the azurerm types the aztft reference map
/// (`../shared/reference/aztft-resmap-v4.81.0.json`) pairs it with; panics
/// with a clear message when the file is absent.
pub(crate) fn aztft_reference() -> std::collections::HashMap<String, Vec<String>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/aztft-resmap-v4.81.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "`{}` not readable ({e}): these tests need the shared reference data",
            path.display()
        )
    });
    let map: serde_json::Value = serde_json::from_str(&text).expect("reference map is JSON");
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (azurerm, v) in map.as_object().expect("an object") {
        let mp = &v["management_plane"];
        let (Some(provider), Some(types)) = (mp["provider"].as_str(), mp["types"].as_array())
        else {
            continue;
        };
        let mut arm = provider.to_ascii_lowercase();
        for t in types.iter().filter_map(serde_json::Value::as_str) {
            arm.push('/');
            arm.push_str(&t.to_ascii_lowercase());
        }
        out.entry(arm).or_default().push(azurerm.clone());
    }
    out
}

/// Checks the section of docs/GENERATE.md between `<!-- NAME:start -->`
/// and `<!-- NAME:end -->` is `want`; with `UPDATE_DOCS` set, rewrites it.
pub(crate) fn check_doc_section(name: &str, want: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/GENERATE.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (
        format!("<!-- {name}:start -->\n"),
        format!("<!-- {name}:end -->"),
    );
    let a = doc
        .find(&start)
        .unwrap_or_else(|| panic!("docs/GENERATE.md has no `{start}` marker"))
        + start.len();
    let b = doc
        .find(&end)
        .unwrap_or_else(|| panic!("docs/GENERATE.md has no `{end}` marker"));
    if doc[a..b] == *want {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let mut new = doc.clone();
        new.replace_range(a..b, want);
        std::fs::write(&path, new).unwrap();
    } else {
        panic!("docs/GENERATE.md's {name} is out of date (rerun with UPDATE_DOCS=1):\n{want}");
    }
}
