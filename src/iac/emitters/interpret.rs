//! The generic emitter: runs one `Mapping` (see `spec`) on one resource.
//!
//! It reads each argument from its source, converts it, applies the
//! argument's condition and need (skip, default with a note, or leave out),
//! builds nested blocks from objects and arrays, association blocks from
//! target IDs, the `identity` block and `tags`, records the mapping's notes,
//! and calls the mapping's hook for what a table cannot say. What each type
//! needs is left to the tables in the service modules.

use super::common::{identity_block, last_segment, non_empty};
use super::spec::{Arg, At, Conv, Mapping, Need, Nest, Repeat, Scope, Src, When};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::secrets;
use crate::model::{Resource, ResourceId};
use serde_json::Value as Json;

/// Emits `r` as `m` says: the primary block first, then the hook's
/// secondary blocks, then association blocks. Errors: the skip the first
/// missing required value or reference gives.
pub fn emit(m: &Mapping, r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let at = At {
        r,
        here: &r.properties,
        trail: "properties",
        nested: false,
    };
    if let Some(check) = m.check {
        check(r, cx)?;
    }
    let mut body = Body::new();
    if let Some(name) = m.name {
        let v = source(&name, Conv::Str, &at, cx, "name", Need::Req)?
            .ok_or_else(|| Skip::missing("name"))?;
        if let (Src::Unique(_), Value::Str(n)) = (name, &v)
            && *n != r.name
        {
            cx.note(format!(
                "renamed `{}` → `{n}` (the name must be globally unique)",
                r.name
            ));
        }
        body.set("name", v);
    }
    match m.scope {
        Scope::Located => {
            body.set("resource_group_name", cx.resource_group_name()?);
            body.set("location", cx.location()?);
        }
        Scope::Grouped => body.set("resource_group_name", cx.resource_group_name()?),
        Scope::LocatedIn(arg, attr, what) => {
            body.set("resource_group_name", cx.resource_group_name()?);
            body.set("location", cx.location()?);
            body.set(arg, parent(r, cx, attr, what)?);
        }
        Scope::GroupedIn(arg, attr, what) => {
            body.set("resource_group_name", cx.resource_group_name()?);
            body.set(arg, parent(r, cx, attr, what)?);
        }
        Scope::PlacedIn(arg, attr, what) => {
            body.set("location", cx.location()?);
            body.set(arg, parent(r, cx, attr, what)?);
        }
        Scope::In(arg, attr, what) => body.set(arg, parent(r, cx, attr, what)?),
        Scope::Bare => {}
    }
    args(m.args, &at, cx, &mut body)?;
    nests(m.nests, &at, cx, &mut body)?;
    let mut blocks = match m.hook {
        Some(hook) => hook(r, cx, &mut body)?,
        None => Vec::new(),
    };
    if m.tags
        && let Some(tags) = cx.tags()
    {
        body.set("tags", tags);
    }
    if m.identity
        && let Some(id) = identity_block(r, cx)
    {
        body.blocks.push(id);
    }
    for n in m.notes {
        if holds(&n.when, &at, cx) {
            cx.note(n.text);
        }
    }
    let own = Value::reference(&cx.address(), "id");
    let mut out = Vec::with_capacity(1 + blocks.len());
    out.push(cx.resource(body));
    out.append(&mut blocks);
    for a in m.assocs {
        let mut seen: Vec<String> = Vec::new();
        for id in collect(&r.properties, a.ids).into_iter().filter_map(id_of) {
            let key = id.to_ascii_lowercase();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            match cx.reference(id, "id") {
                Some(v) => {
                    let suffix = if a.many {
                        format!("{}_{}", a.suffix, last_segment(id))
                    } else {
                        a.suffix.to_string()
                    };
                    out.push(cx.secondary(
                        a.azurerm,
                        &suffix,
                        Body::new().attr(a.own, own.clone()).attr(a.target, v),
                    ));
                }
                None => cx.note(format!(
                    "association to `{id}` omitted: it is not in the emitted set"
                )),
            }
        }
    }
    Ok(out)
}

/// Sets each argument of `list` on `body`, in order. Returns false when a
/// `Key` argument has no value (the caller leaves the block out).
pub fn args(list: &[Arg], at: &At, cx: &mut EmitCx, body: &mut Body) -> Result<bool, Skip> {
    for a in list {
        if !holds(&a.when, at, cx) {
            continue;
        }
        if let Some(v) = source(&a.src, a.conv, at, cx, a.name, a.need)? {
            body.set(a.name, v);
            continue;
        }
        match a.need {
            Need::Opt | Need::Strict => {}
            Need::Key if at.nested => return Ok(false),
            Need::Req | Need::Key => return Err(Skip::missing(&describe(&a.src, at))),
            Need::Or(lit) => {
                cx.note(format!(
                    "`{}` absent: `{}` is `{}`, the service default",
                    describe(&a.src, at),
                    a.name,
                    lit.text()
                ));
                body.set(a.name, lit.value());
            }
            Need::Always(lit) => body.set(a.name, lit.value()),
        }
    }
    Ok(true)
}

/// Adds each nested block of `list` to `body`, in order. A block's `when`
/// is read where the block is (`at`), except for `Each` blocks, where it
/// picks the elements (`here` is each element).
pub fn nests(list: &[Nest], at: &At, cx: &mut EmitCx, body: &mut Body) -> Result<(), Skip> {
    for n in list {
        let each = matches!(n.repeat, Repeat::Each | Repeat::EachRequired);
        if !each && !holds(&n.when, at, cx) {
            continue;
        }
        let target = match n.at.strip_prefix('/') {
            Some(path) => root(at.r, path),
            None => get(at.here, n.at),
        }
        .filter(|j| !j.is_null());
        let trail = if n.at.is_empty() {
            at.trail.to_string()
        } else {
            format!("{}.{}", at.trail, n.at.replace('/', "."))
        };
        match n.repeat {
            Repeat::One | Repeat::Always | Repeat::Required => {
                let here = match target {
                    Some(j) => j,
                    None if n.repeat == Repeat::Required => return Err(Skip::missing(&trail)),
                    None if n.repeat == Repeat::One => continue,
                    None => &Json::Null,
                };
                let sub = At {
                    r: at.r,
                    here,
                    trail: &trail,
                    nested: true,
                };
                let Some(b) = nested_body(n, &sub, cx)? else {
                    if n.repeat == Repeat::Required {
                        return Err(Skip::missing(&trail));
                    }
                    continue;
                };
                if n.repeat == Repeat::One && b.attributes.is_empty() && b.blocks.is_empty() {
                    continue;
                }
                body.blocks.push(Block::nested(n.ident, b));
            }
            Repeat::Each | Repeat::EachRequired => {
                let items = target
                    .and_then(Json::as_array)
                    .map_or(&[][..], Vec::as_slice);
                if items.is_empty() && n.repeat == Repeat::EachRequired {
                    return Err(Skip::missing(&trail));
                }
                for (i, item) in items.iter().enumerate() {
                    let t = format!("{trail}[{i}]");
                    let sub = At {
                        r: at.r,
                        here: item,
                        trail: &t,
                        nested: true,
                    };
                    if !holds(&n.when, &sub, cx) {
                        continue;
                    }
                    let Some(b) = nested_body(n, &sub, cx)? else {
                        continue;
                    };
                    if b.attributes.is_empty() && b.blocks.is_empty() {
                        continue;
                    }
                    body.blocks.push(Block::nested(n.ident, b));
                }
            }
        }
    }
    Ok(())
}

/// The body of one nested block; `None` when a `Key` argument is missing.
fn nested_body(n: &Nest, at: &At, cx: &mut EmitCx) -> Result<Option<Body>, Skip> {
    let mut b = Body::new();
    if !args(n.args, at, cx, &mut b)? {
        return Ok(None);
    }
    nests(n.nests, at, cx, &mut b)?;
    Ok(Some(b))
}

/// `ATTR` of the emitted parent of `r`; skips when the ID has no parent or
/// the parent is not emitted.
fn parent(r: &Resource, cx: &mut EmitCx, attr: &str, what: &str) -> Result<Value, Skip> {
    ancestor(r, 1, cx, attr, what)
}

/// `ATTR` of the emitted ancestor `levels` type/name pairs up.
fn ancestor(
    r: &Resource,
    levels: usize,
    cx: &mut EmitCx,
    attr: &str,
    what: &str,
) -> Result<Value, Skip> {
    let mut id = ResourceId::parse(&r.id).ok();
    for _ in 0..levels {
        id = id.and_then(|i| i.parent());
    }
    let id = id.ok_or_else(|| Skip::missing(&format!("{what} in id")))?;
    cx.require_reference(what, id.as_str(), attr)
}

/// The value of `src`, converted; `Ok(None)` when it has none. References
/// that are not emitted skip the resource when `need` is `Req`, else are
/// left out with a note.
fn source(
    src: &Src,
    conv: Conv,
    at: &At,
    cx: &mut EmitCx,
    arg: &str,
    need: Need,
) -> Result<Option<Value>, Skip> {
    Ok(match src {
        Src::P(_) | Src::R(_) => match read(src, at) {
            Some(j) => convert(conv, j, arg, cx),
            None => None,
        },
        Src::LastOf(path) => match get(at.here, path).and_then(id_of) {
            Some(id) => convert(conv, &Json::String(last_segment(id).to_string()), arg, cx),
            None => None,
        },
        Src::First(list) => {
            for s in *list {
                if let Some(v) = source(s, conv, at, cx, arg, Need::Opt)? {
                    return Ok(Some(v));
                }
            }
            None
        }
        Src::Const(lit) => Some(lit.value()),
        Src::Name => non_empty(&at.r.name).map(Value::str),
        Src::IdName(levels) => ResourceId::parse(&at.r.id).ok().and_then(|id| {
            let i = id.names.len().checked_sub(levels + 1)?;
            Some(Value::Str(id.names.get(i)?.clone()))
        }),
        Src::Kind => match at.r.kind.as_deref().and_then(non_empty) {
            Some(k) => convert(conv, &Json::String(k.to_string()), arg, cx),
            None => None,
        },
        Src::Location => Some(cx.location()?),
        Src::Zones => {
            let z = super::common::json_strs(&at.r.zones);
            (!z.is_empty()).then(|| Value::str_list(z))
        }
        Src::Zone => super::common::zone(at.r).map(Value::Str),
        Src::TenantId => Some(cx.client_config("tenant_id")),
        Src::Secret(purpose) => Some(cx.secret_variable(purpose)),
        Src::Input(purpose) => Some(cx.input_variable(purpose)),
        Src::ResourceGroup => Some(cx.resource_group_name()?),
        Src::Parent(attr, what) => Some(parent(at.r, cx, attr, what)?),
        Src::Ancestor(levels, attr, what) => Some(ancestor(at.r, *levels, cx, attr, what)?),
        Src::Ref(path, attr, what) => {
            let Some(id) = get(at.here, path).and_then(id_of) else {
                return Ok(None);
            };
            match cx.reference(id, attr) {
                Some(v) => Some(v),
                None if matches!(need, Need::Req | Need::Strict) => {
                    return Err(Skip::outside(what, id));
                }
                None => {
                    cx.note(format!(
                        "`{arg}` omitted: {what} `{id}` is not in the emitted set"
                    ));
                    return Ok(None);
                }
            }
        }
        Src::Refs(path, attr, what) => {
            let mut refs = Vec::new();
            for id in get(at.here, path)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(id_of)
            {
                match cx.reference(id, attr) {
                    Some(v) => refs.push(v),
                    None if matches!(need, Need::Req | Need::Strict) => {
                        return Err(Skip::outside(what, id));
                    }
                    None => cx.note(format!(
                        "{what} `{id}` left out of `{arg}`: it is not in the emitted set"
                    )),
                }
            }
            (!refs.is_empty()).then_some(Value::List(refs))
        }
        Src::All(path) => {
            let list: Vec<Value> = collect(at.here, path)
                .into_iter()
                .filter_map(|j| convert(conv, j, arg, cx))
                .collect();
            (!list.is_empty()).then_some(Value::List(list))
        }
        Src::Unique(rule) => Some(Value::Str(cx.unique_name(*rule))),
        Src::Fn(f) => f(at, cx)?,
    })
}

/// The JSON a reading source points at (`P`, `R`, and `First` of those),
/// without side effects.
pub fn read<'a>(src: &Src, at: &At<'a>) -> Option<&'a Json> {
    match src {
        Src::P(path) => get(at.here, path),
        Src::R(path) => root(at.r, path),
        Src::First(list) => list.iter().find_map(|s| read(s, at)),
        _ => None,
    }
    .filter(|j| !is_empty(j))
}

/// A side-effect-free reading of a source as a string, for conditions.
fn read_str<'a>(src: &Src, at: &At<'a>) -> Option<&'a str> {
    match src {
        Src::Name => non_empty(&at.r.name),
        Src::Kind => at.r.kind.as_deref().and_then(non_empty),
        Src::LastOf(path) => get(at.here, path).and_then(id_of).map(last_segment),
        _ => read(src, at).and_then(Json::as_str),
    }
}

/// Whether `w` holds for the resource (and element) being read.
pub fn holds(w: &When, at: &At, cx: &EmitCx) -> bool {
    match w {
        When::Always => true,
        When::Is(src, values) => {
            read_str(src, at).is_some_and(|s| values.iter().any(|v| v.eq_ignore_ascii_case(s)))
        }
        When::IsNot(src, values) => {
            read_str(src, at).is_some_and(|s| !values.iter().any(|v| v.eq_ignore_ascii_case(s)))
        }
        When::Has(src) => match src {
            Src::Name | Src::Kind | Src::LastOf(_) => read_str(src, at).is_some(),
            _ => read(src, at).is_some(),
        },
        When::Lacks(src) => !holds(&When::Has(*src), at, cx),
        When::True(src) => match read(src, at) {
            Some(Json::Bool(b)) => *b,
            Some(Json::String(s)) => {
                s.eq_ignore_ascii_case("enabled") || s.eq_ignore_ascii_case("true")
            }
            _ => false,
        },
        When::Type(t) => cx.primary_type() == *t,
        When::Types(ts) => ts.contains(&cx.primary_type()),
        When::Fn(f) => f(at),
    }
}

/// A one-line name for a source in skip details (`properties.sku.name`).
pub fn describe(src: &Src, at: &At) -> String {
    match src {
        Src::P(p) | Src::Ref(p, _, _) | Src::Refs(p, _, _) | Src::LastOf(p) | Src::All(p) => {
            if p.is_empty() {
                at.trail.to_string()
            } else {
                format!("{}.{}", at.trail, p.replace('/', "."))
            }
        }
        Src::R(p) => p.replace('/', "."),
        Src::First(list) => list.first().map(|s| describe(s, at)).unwrap_or_default(),
        Src::Name => "name".into(),
        Src::Kind => "kind".into(),
        Src::Location => "location".into(),
        Src::Zones | Src::Zone => "zones".into(),
        _ => "a value".into(),
    }
}

/// Converts a JSON value as `conv` says; `None` when it does not fit.
/// Credentials the source shows in plain text (a password in a JSON
/// document, a SAS signature in a URL, a secret-named map entry) are
/// emptied, with a note (see `iac::secrets`).
fn convert(conv: Conv, j: &Json, arg: &str, cx: &mut EmitCx) -> Option<Value> {
    let mut v = convert_value(conv, j, arg, cx)?;
    let found = secrets::scrub_value(&mut v);
    if !found.is_empty() {
        cx.note(secrets::note(arg, &found));
    }
    Some(v)
}

fn convert_value(conv: Conv, j: &Json, arg: &str, cx: &mut EmitCx) -> Option<Value> {
    let text = || match j {
        Json::String(s) => non_empty(s).map(str::to_string),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match conv {
        Conv::Str => text().map(Value::Str),
        Conv::Lower => text().map(|s| Value::Str(s.to_ascii_lowercase())),
        Conv::Trim => text()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(Value::Str),
        Conv::Int => j
            .as_i64()
            .or_else(|| j.as_str()?.trim().parse().ok())
            .map(Value::Int),
        Conv::Float => j.as_f64().map(Value::Float),
        Conv::Bool => j.as_bool().map(Value::Bool),
        Conv::Not => j.as_bool().map(|b| Value::Bool(!b)),
        Conv::Enabled => match j {
            Json::Bool(b) => Some(Value::Bool(*b)),
            Json::String(s) if s.eq_ignore_ascii_case("enabled") => Some(Value::Bool(true)),
            Json::String(s) if s.eq_ignore_ascii_case("disabled") => Some(Value::Bool(false)),
            _ => None,
        },
        Conv::EnabledElseFalse => text().map(|s| Value::Bool(s.eq_ignore_ascii_case("enabled"))),
        Conv::Disabled => match j {
            Json::String(s) if s.eq_ignore_ascii_case("disabled") => Some(Value::Bool(true)),
            Json::String(s) if s.eq_ignore_ascii_case("enabled") => Some(Value::Bool(false)),
            _ => None,
        },
        Conv::Enum(values) => {
            let s = text()?;
            match values.iter().find(|v| v.eq_ignore_ascii_case(&s)) {
                Some(v) => Some(Value::str(*v)),
                None => {
                    cx.note(format!(
                        "`{arg}` omitted: `{s}` is not one of the values azurerm accepts"
                    ));
                    None
                }
            }
        }
        Conv::Map(pairs) => {
            let s = text()?;
            Some(Value::Str(
                pairs
                    .iter()
                    .find(|(from, _)| from.eq_ignore_ascii_case(&s))
                    .map_or(s, |(_, to)| to.to_string()),
            ))
        }
        Conv::MapOnly(pairs) => {
            let s = text()?;
            match pairs.iter().find(|(from, _)| from.eq_ignore_ascii_case(&s)) {
                Some((_, to)) => Some(Value::str(*to)),
                None => {
                    cx.note(format!("`{arg}` omitted: `{s}` has no azurerm equivalent"));
                    None
                }
            }
        }
        Conv::Strs => {
            let list: Vec<String> = match j {
                Json::String(s) => non_empty(s).map(str::to_string).into_iter().collect(),
                Json::Array(a) => a
                    .iter()
                    .filter_map(|v| match v {
                        Json::String(s) => non_empty(s).map(str::to_string),
                        Json::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (!list.is_empty()).then(|| Value::str_list(list))
        }
        Conv::StrMap => {
            let o = j.as_object().filter(|o| !o.is_empty())?;
            Some(Value::Map(
                o.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| {
                        let s = match v {
                            Json::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), Value::Str(s))
                    })
                    .collect(),
            ))
        }
        Conv::Json => match j {
            Json::Object(o) if !o.is_empty() => Some(Value::Json(Box::new(j.clone()))),
            Json::Array(a) if !a.is_empty() => Some(Value::Json(Box::new(j.clone()))),
            _ => None,
        },
        Conv::Equals(v) => text().map(|s| Value::Bool(s.eq_ignore_ascii_case(v))),
        Conv::Scale(mul, div) => {
            let n = j.as_i64()?.checked_mul(mul)?;
            Some(if n % div == 0 {
                Value::Int(n / div)
            } else {
                // One decimal: Azure's sub-GiB database sizes, 100 MB and
                // 500 MB (104857600 and 524288000 bytes), are the 0.1 and 0.5
                // azurerm's `max_size_gb` (a number) takes for them; a
                // sub-GiB size must not become 0.
                Value::Float((n as f64 / div as f64 * 10.0).round() / 10.0)
            })
        }
        Conv::AsIs => Some(Value::from_json(j)),
    }
}

/// True for JSON that counts as no value: null, `""`, `[]`, `{}`.
fn is_empty(j: &Json) -> bool {
    match j {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The JSON at a `/`-separated path below `v` (`""` is `v`; a number
/// segment indexes an array).
pub fn get<'a>(v: &'a Json, path: &str) -> Option<&'a Json> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('/').try_fold(v, |v, k| match v {
        Json::Array(a) => a.get(k.parse::<usize>().ok()?),
        _ => v.get(k),
    })
}

/// The JSON at a path from the resource's root: its first segment names a
/// JSON field (`sku`, `identity`, `plan`, `zones`, `tags`, `properties`);
/// `kind` and `name` are `Src::Kind` and `Src::Name`.
pub fn root<'a>(r: &'a Resource, path: &str) -> Option<&'a Json> {
    let (head, rest) = path.split_once('/').unwrap_or((path, ""));
    let top = match head {
        "sku" => &r.sku,
        "identity" => &r.identity,
        "plan" => &r.plan,
        "zones" => &r.zones,
        "tags" => &r.tags,
        "properties" => &r.properties,
        _ => return None,
    };
    get(top, rest)
}

/// Every JSON value at a path whose `*` segments walk array elements.
pub fn collect<'a>(v: &'a Json, path: &str) -> Vec<&'a Json> {
    let mut current = vec![v];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let mut next = Vec::new();
        for j in current {
            if seg == "*" {
                next.extend(j.as_array().into_iter().flatten());
            } else if let Some(x) = j.get(seg) {
                next.push(x);
            }
        }
        current = next;
    }
    current
}

/// An ARM ID held by a JSON value: the string itself, or an object's `id`.
pub fn id_of(j: &Json) -> Option<&str> {
    match j {
        Json::String(s) => non_empty(s),
        Json::Object(o) => o.get("id").and_then(Json::as_str).and_then(non_empty),
        _ => None,
    }
}
