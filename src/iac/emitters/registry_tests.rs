//! The mapping tables check themselves against the azurerm 4.79 provider
//! schema: every azurerm type exists, every argument a table (or a hook)
//! sets exists, is settable and has a compatible type, every required
//! argument and block is mapped or defaulted, and docs/GENERATE.md's type
//! table is the one the tables give.

use super::spec::{Arg, Conv, Lit, Mapping, Nest, Repeat, Scope, Src};
use super::{all, for_type};
use crate::validate::schema::{BlockSchema, CtyType, Schemas};
use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

/// The azurerm 4.79 schema, loaded once; panics with a clear message when
/// the shared reference data is absent.
pub(crate) fn schemas() -> &'static Schemas {
    static S: LazyLock<Schemas> = LazyLock::new(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/azurerm-4.79.0.schema.json");
        assert!(
            path.exists(),
            "missing `{}`: the registry check needs the shared reference data",
            path.display()
        );
        Schemas::load_file(&path).expect("schema loads")
    });
    &S
}

/// The value type an argument gives, as far as the table says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    String,
    Number,
    Bool,
    StringList,
    StringMap,
    Unknown,
}

fn kind_of_conv(c: Conv) -> Kind {
    match c {
        Conv::Str
        | Conv::Lower
        | Conv::Trim
        | Conv::Enum(_)
        | Conv::Map(_)
        | Conv::MapOnly(_)
        | Conv::Json => Kind::String,
        Conv::Int | Conv::Float | Conv::Scale(..) => Kind::Number,
        Conv::Bool
        | Conv::Not
        | Conv::Enabled
        | Conv::EnabledElseFalse
        | Conv::Disabled
        | Conv::Equals(_) => Kind::Bool,
        Conv::Strs => Kind::StringList,
        Conv::StrMap => Kind::StringMap,
        Conv::AsIs => Kind::Unknown,
    }
}

fn kind_of(a: &Arg) -> Kind {
    match (a.src, a.conv) {
        (Src::All(_), c) => match kind_of_conv(c) {
            Kind::String => Kind::StringList,
            _ => Kind::Unknown,
        },
        (Src::Ref(..) | Src::Zone | Src::TenantId | Src::Secret(_) | Src::Input(_), _)
        | (Src::Location | Src::ResourceGroup | Src::Parent(..) | Src::Unique(_), _) => {
            Kind::String
        }
        (Src::Refs(..) | Src::Zones, _) => Kind::StringList,
        (Src::Const(Lit::Str(_)), _) => Kind::String,
        (Src::Const(Lit::Int(_)), _) => Kind::Number,
        (Src::Const(Lit::Bool(_)), _) => Kind::Bool,
        (Src::Fn(_) | Src::Const(Lit::Null), _) => Kind::Unknown,
        (_, c) => kind_of_conv(c),
    }
}

fn compatible(k: Kind, t: &CtyType) -> bool {
    let string_coll = |e: &CtyType| matches!(e, CtyType::String | CtyType::Dynamic);
    match (k, t) {
        (Kind::Unknown, _) | (_, CtyType::Dynamic) => true,
        (Kind::String, CtyType::String) => true,
        (Kind::Number, CtyType::Number) => true,
        (Kind::Bool, CtyType::Bool) => true,
        (Kind::StringList, CtyType::List(e) | CtyType::Set(e)) => string_coll(e),
        (Kind::StringMap, CtyType::Map(e)) => string_coll(e),
        _ => false,
    }
}

/// Checks arguments and nested blocks of a table against one block schema;
/// `what` names the place in messages. `hook` is what the hook may set here.
fn check_body(
    what: &str,
    schema: &BlockSchema,
    args: &[Arg],
    nests: &[Nest],
    set_elsewhere: &HashSet<&str>,
    problems: &mut Vec<String>,
) {
    for a in args {
        match schema.attributes.get(a.name) {
            None => problems.push(format!("{what}: `{}` is not an argument", a.name)),
            Some(s) if s.is_computed_only() => {
                problems.push(format!("{what}: `{}` is computed only", a.name))
            }
            Some(s) => {
                let k = kind_of(a);
                if !compatible(k, &s.value_type()) {
                    problems.push(format!(
                        "{what}: `{}` gives {k:?}, the schema wants {}",
                        a.name,
                        s.value_type().friendly_name()
                    ));
                }
            }
        }
    }
    for n in nests {
        match schema.block_types.get(n.ident) {
            // An "attributes as blocks" argument: a list of objects, written
            // as blocks; JSON syntax needs every key of each object.
            None if schema.attributes.get(n.ident).is_some_and(|a| {
                matches!(a.value_type(), CtyType::List(e) | CtyType::Set(e) if matches!(*e, CtyType::Object { .. }))
            }) =>
            {
                let (CtyType::List(e) | CtyType::Set(e)) = schema.attributes[n.ident].value_type()
                else {
                    unreachable!("checked above")
                };
                let CtyType::Object { attrs, .. } = *e else {
                    unreachable!("checked above")
                };
                let given: HashSet<&str> = n.args.iter().map(|a| a.name).collect();
                for a in &given {
                    if !attrs.contains_key(*a) {
                        problems.push(format!("{what}.{}: `{a}` is not an attribute", n.ident));
                    }
                }
                for k in attrs.keys() {
                    if !given.contains(k.as_str()) {
                        problems.push(format!(
                            "{what}.{}: `{k}` is not written (attributes as blocks need every key)",
                            n.ident
                        ));
                    }
                }
            }
            None => problems.push(format!("{what}: `{}` is not a block", n.ident)),
            Some(bt) => {
                if matches!(n.repeat, Repeat::Each | Repeat::EachRequired)
                    && bt.max_items == 1
                {
                    problems.push(format!(
                        "{what}: `{}` allows one block, the table may write several",
                        n.ident
                    ));
                }
                check_body(
                    &format!("{what}.{}", n.ident),
                    &bt.block,
                    n.args,
                    n.nests,
                    &HashSet::new(),
                    problems,
                );
            }
        }
    }
    let mut given: HashSet<&str> = args.iter().map(|a| a.name).collect();
    given.extend(nests.iter().map(|n| n.ident));
    given.extend(set_elsewhere.iter().copied());
    for (name, a) in &schema.attributes {
        if a.required && !given.contains(name.as_str()) {
            problems.push(format!("{what}: required argument `{name}` is not mapped"));
        }
    }
    for (name, bt) in &schema.block_types {
        if bt.min_items > 0 && !given.contains(name.as_str()) {
            problems.push(format!("{what}: required block `{name}` is not mapped"));
        }
    }
}

/// Every problem of one mapping, as lines.
pub(crate) fn problems_of(m: &Mapping, schemas: &Schemas) -> Vec<String> {
    let mut problems = Vec::new();
    for t in m.azurerm_types() {
        if schemas.resource(t).is_none() {
            problems.push(format!("`{t}` does not exist in azurerm 4.79"));
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    let primaries: Vec<&str> = m.primary_types().collect();
    for p in &primaries {
        let schema = &schemas.resource(p).expect("checked").block;
        let mut elsewhere: HashSet<&str> = m.hook_sets.iter().copied().collect();
        if m.name.is_some() {
            elsewhere.insert("name");
        }
        match m.scope {
            Scope::Located => {
                elsewhere.extend(["resource_group_name", "location"]);
            }
            Scope::Grouped => {
                elsewhere.insert("resource_group_name");
            }
            Scope::LocatedIn(arg, ..) => {
                elsewhere.extend(["resource_group_name", "location", arg]);
            }
            Scope::GroupedIn(arg, ..) => {
                elsewhere.extend(["resource_group_name", arg]);
            }
            Scope::PlacedIn(arg, ..) => {
                elsewhere.extend(["location", arg]);
            }
            Scope::In(arg, ..) => {
                elsewhere.insert(arg);
            }
            Scope::Bare => {}
        }
        if m.tags {
            elsewhere.insert("tags");
        }
        if m.identity {
            elsewhere.insert("identity");
        }
        // Scope arguments, tags and identity must exist too.
        for a in elsewhere.iter().filter(|a| !m.hook_sets.contains(a)) {
            if !schema.attributes.contains_key(*a) && !schema.block_types.contains_key(*a) {
                problems.push(format!("`{p}`: `{a}` is not an argument"));
            }
        }
        // Arguments guarded by another primary type do not apply here.
        let (args, nests) = m.applying_to(p);
        check_body(
            &format!("`{p}`"),
            schema,
            &args,
            &nests,
            &elsewhere,
            &mut problems,
        );
    }
    for h in m.hook_sets {
        let known = primaries.iter().any(|p| {
            let b = &schemas.resource(p).expect("checked").block;
            b.attributes.contains_key(*h) || b.block_types.contains_key(*h)
        });
        if !known {
            problems.push(format!("the hook sets `{h}`, which no primary type has"));
        }
    }
    for a in m.assocs {
        let schema = &schemas.resource(a.azurerm).expect("checked").block;
        let given: HashSet<&str> = [a.own, a.target].into();
        for g in &given {
            if !schema.attributes.contains_key(*g) {
                problems.push(format!("`{}`: `{g}` is not an argument", a.azurerm));
            }
        }
        for (name, attr) in &schema.attributes {
            if attr.required && !given.contains(name.as_str()) {
                problems.push(format!(
                    "`{}`: required argument `{name}` is not mapped",
                    a.azurerm
                ));
            }
        }
    }
    problems
}

/// Every entry is complete, its ARM type is lowercase and unique, and
/// every azurerm type it may emit exists in the real provider schema.
#[test]
fn every_mapping_is_complete_and_its_types_exist_in_the_provider_schema() {
    let schemas = schemas();
    let mut seen = HashSet::new();
    let mut n = 0;
    for m in all() {
        n += 1;
        assert_eq!(
            m.arm_type,
            m.arm_type.to_ascii_lowercase(),
            "ARM types are lowercase"
        );
        assert!(seen.insert(m.arm_type), "`{}` registered twice", m.arm_type);
        assert!(!m.group.is_empty(), "`{}` is incomplete", m.arm_type);
        for t in m.azurerm_types() {
            assert!(
                schemas.resource(t).is_some(),
                "`{}` emits `{t}`, which azurerm 4.79 does not have",
                m.arm_type
            );
        }
        assert!(
            std::ptr::eq(for_type(&m.arm_type.to_ascii_uppercase()).unwrap(), m),
            "lookup is case-insensitive"
        );
    }
    assert!(n >= 30, "at least 30 ARM types are mapped, found {n}");
}

/// Every argument a table or hook sets exists in the provider schema, is
/// settable and has a compatible type; every required argument and block
/// of every type a mapping emits is mapped or defaulted.
#[test]
fn every_mapped_argument_exists_and_every_required_one_is_mapped() {
    let schemas = schemas();
    let problems: Vec<String> = all()
        .flat_map(|m| {
            problems_of(m, schemas)
                .into_iter()
                .map(move |p| format!("{}: {p}", m.arm_type))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The registry test catches what it is for: an unknown argument, a wrong
/// type and an unmapped required argument.
#[test]
fn the_registry_check_reports_broken_tables() {
    use super::spec::{b, n, s};
    static BROKEN: Mapping = Mapping::new(
        "microsoft.network/virtualnetworks",
        "azurerm_virtual_network",
        "network",
    )
    .unnamed()
    .args(&[
        s("colour", "colour"),
        n("dns_servers", "x"),
        b("bgp_community", "y"),
    ]);
    let p = problems_of(&BROKEN, schemas()).join("\n");
    assert!(p.contains("`colour` is not an argument"), "{p}");
    assert!(p.contains("`dns_servers` gives Number"), "{p}");
    assert!(p.contains("`bgp_community` gives Bool"), "{p}");
    assert!(p.contains("required argument `name` is not mapped"), "{p}");
}

/// The mapping table of docs/GENERATE.md, as the tables give it: one row
/// per ARM type, its azurerm types, its file, and whether code completes it.
pub(crate) fn mapping_table() -> String {
    let mut rows: Vec<String> = all()
        .map(|m| {
            let types: Vec<String> = m.azurerm_types().iter().map(|t| format!("`{t}`")).collect();
            format!(
                "| `{}` | {} | `{}.tf` | {} |",
                m.arm_type,
                types.join(", "),
                m.group,
                if m.hook.is_some() || m.choose.is_some() || m.check.is_some() {
                    "table + code"
                } else {
                    "table"
                }
            )
        })
        .collect();
    rows.sort();
    format!(
        "| ARM type | azurerm types | file | mapping |\n|---|---|---|---|\n{}\n",
        rows.join("\n")
    )
}

/// docs/GENERATE.md's mapping table is the one the tables give. Run with
/// `UPDATE_DOCS=1` to rewrite it.
#[test]
fn the_mapping_table_in_the_docs_is_generated_from_the_tables() {
    super::testutil::check_doc_section("mapping-table", &mapping_table());
}
