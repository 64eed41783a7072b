//! Decoding one block body against a block schema, as HCL's `hcldec` does
//! when `terraform validate` evaluates a resource, data source or provider
//! block: unsupported arguments and block types (in JSON syntax "Extraneous
//! JSON object property"), missing required arguments, block counts and
//! literal value types, with Terraform's attributes-as-blocks fixup
//! (`lang/blocktoattr`). Also the references of the parts a schema knows,
//! which are the ones Terraform evaluates (`langrefs.ReferencesInBlock`).
//!
//! When these checks run (only after a block's references are clean) is
//! left to `validate::builtin`; values set on computed attributes are the
//! provider's to report (`validate::provider_checks`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::config::{Block, Body, Expr, ExprKind, Reference, Span, join_path};
use super::diagnostic::{extraneous_property, unsupported_argument, unsupported_block};
use super::schema::{BlockSchema, CtyType, NestingMode};
use super::sink::Sink;

/// Argument and block names a body accepts besides its schema (resource
/// meta-arguments, a provider block's `alias` and `version`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Meta {
    /// Meta-arguments, e.g. `count`.
    pub attrs: &'static [&'static str],
    /// Meta-blocks, e.g. `lifecycle`.
    pub blocks: &'static [&'static str],
}

/// Meta-arguments and meta-blocks of `resource` and `data` blocks.
pub(super) const RESOURCE_META: Meta = Meta {
    attrs: &["count", "for_each", "depends_on", "provider"],
    blocks: &["lifecycle", "provisioner", "connection"],
};

/// Meta-arguments of `provider` blocks.
pub(super) const PROVIDER_META: Meta = Meta {
    attrs: &["alias", "version"],
    blocks: &[],
};

impl Meta {
    fn skips(&self, name: &str, json: bool) -> bool {
        self.attrs.contains(&name) || (json && self.blocks.contains(&name))
    }
}

/// The object type of a list/set-of-object attribute, which native syntax
/// may also write as nested blocks (`ingress { ... }`).
pub(super) fn attr_as_block<'s>(schema: &'s BlockSchema, name: &str) -> Option<&'s CtyType> {
    object_elements(schema.attributes.get(name)?.ty.as_ref()?)
}

/// The element type of `list(object)` / `set(object)`.
fn object_elements(t: &CtyType) -> Option<&CtyType> {
    match t {
        CtyType::List(e) | CtyType::Set(e) if matches!(e.as_ref(), CtyType::Object { .. }) => {
            Some(e)
        }
        _ => None,
    }
}

fn object_fields(t: &CtyType) -> Option<&BTreeMap<String, CtyType>> {
    match t {
        CtyType::Object { attrs, .. } => Some(attrs),
        _ => None,
    }
}

/// The block type a nested block stands for, its content and whether it is
/// a `dynamic "LABEL"` block (whose type is the label and whose content is
/// its `content` block). `None` for a `dynamic` block without a label.
fn block_parts(b: &Block) -> Option<(&str, Option<&Body>, bool)> {
    if b.ident != "dynamic" {
        return Some((b.ident.as_str(), Some(&b.body), false));
    }
    let label = b.labels.first()?;
    let content = b.body.blocks.iter().find(|c| c.ident == "content");
    Some((label.as_str(), content.map(|c| &c.body), true))
}

/// A JSON-syntax `"dynamic": {"LABEL": {"for_each": ..., "content": {...}}}`
/// as (label, label span, for_each and the other arguments, content body).
fn json_dynamic(a: &super::config::Attribute) -> Vec<(String, Span, Body)> {
    let ExprKind::Object(items) = &a.expr.kind else {
        return Vec::new();
    };
    items
        .iter()
        .map(|i| (i.key.clone(), i.key_span, object_as_body(&i.value)))
        .collect()
}

fn object_as_body(e: &Expr) -> Body {
    let attr = super::config::Attribute {
        name: String::new(),
        name_span: e.span,
        span: e.span,
        expr: e.clone(),
    };
    Body::json_blocks(&attr)
        .and_then(|mut bs| bs.pop())
        .map(|b| b.body)
        .unwrap_or_default()
}

/// Checks bodies against schemas and reports through a `Sink`.
pub(super) struct Decoder<'s, 'c> {
    /// Where diagnostics go.
    pub sink: &'s mut Sink<'c>,
    /// The resource address the body belongs to (none for provider blocks).
    pub address: Option<&'s str>,
}

impl Decoder<'_, '_> {
    fn error(&mut self, span: Span, summary: impl Into<String>, detail: String, path: String) {
        let address = self.address.map(str::to_string);
        self.sink.error(span, summary, detail, address, Some(path));
    }

    /// Decodes `body` against `schema`; `prefix` is the dotted path of the
    /// body inside its resource, `meta` the names it accepts besides the
    /// schema. Reports every problem HCL's decoder reports.
    pub fn body(&mut self, body: &Body, schema: &BlockSchema, prefix: &str, meta: Meta) {
        if body.json {
            return self.json_body(body, schema, prefix, meta);
        }
        let set_as_attr: BTreeSet<&str> = body.attributes.iter().map(|a| a.name.as_str()).collect();
        let mut present: Vec<&str> = Vec::with_capacity(body.attributes.len());
        for a in &body.attributes {
            let name = a.name.as_str();
            if meta.skips(name, false) {
                continue;
            }
            let path = join_path(prefix, name);
            match schema.attributes.get(name) {
                Some(s) => {
                    present.push(name);
                    self.value(&a.expr, &s.value_type(), name, path);
                }
                None => {
                    let detail = if schema.block_types.contains_key(name) {
                        format!(
                            "An argument named \"{name}\" is not expected here. Did you mean to define a block of type \"{name}\"?"
                        )
                    } else {
                        unsupported_argument(name, schema.attributes.keys().map(String::as_str))
                    };
                    self.error(a.name_span, "Unsupported argument", detail, path);
                }
            }
        }
        let mut counts: HashMap<&str, Count> = HashMap::new();
        for b in &body.blocks {
            if meta.blocks.contains(&b.ident.as_str()) {
                continue;
            }
            let Some((ty, content, dynamic)) = block_parts(b) else {
                continue;
            };
            let path = join_path(prefix, ty);
            // Terraform's attributes-as-blocks fixup: a list/set-of-object
            // attribute may be written as blocks, unless the body also sets
            // it as an argument.
            if let Some(elem) = attr_as_block(schema, ty).filter(|_| !set_as_attr.contains(ty)) {
                present.push(schema.attributes.get_key_value(ty).map_or(ty, |(k, _)| k));
                if let Some(c) = content {
                    self.object_block(c, elem, &path);
                }
                continue;
            }
            let Some((key, nested)) = schema.block_types.get_key_value(ty) else {
                let detail = if schema.attributes.contains_key(ty) {
                    format!(
                        "Blocks of type \"{ty}\" are not expected here. Did you mean to define argument \"{ty}\"? If so, use the equals sign to assign it a value."
                    )
                } else {
                    unsupported_block(ty, schema.block_types.keys().map(String::as_str))
                };
                self.error(b.ident_span, "Unsupported block type", detail, path);
                continue;
            };
            self.count(
                counts.entry(key).or_default(),
                b,
                dynamic,
                nested,
                ty,
                &path,
            );
            if let Some(c) = content {
                self.body(c, &nested.block, &path, Meta::default());
            }
        }
        self.missing(body, schema, &present, &counts, prefix);
    }

    fn json_body(&mut self, body: &Body, schema: &BlockSchema, prefix: &str, meta: Meta) {
        let mut present: Vec<&str> = Vec::with_capacity(body.attributes.len());
        let mut counts: HashMap<&str, Count> = HashMap::new();
        for a in &body.attributes {
            let name = a.name.as_str();
            if meta.skips(name, true) {
                continue;
            }
            let path = join_path(prefix, name);
            if let Some(s) = schema.attributes.get(name) {
                present.push(name);
                self.value(&a.expr, &s.value_type(), name, path);
            } else if let Some((key, nested)) = schema.block_types.get_key_value(name) {
                let Some(blocks) = Body::json_blocks(a) else {
                    let detail = format!(
                        "Either a JSON object or a JSON array is required, representing the contents of one or more \"{name}\" blocks."
                    );
                    self.error(a.expr.span, "Incorrect JSON value type", detail, path);
                    continue;
                };
                for b in &blocks {
                    self.count(
                        counts.entry(key).or_default(),
                        b,
                        false,
                        nested,
                        name,
                        &path,
                    );
                    self.body(&b.body, &nested.block, &path, Meta::default());
                }
            } else if name == "dynamic" {
                for (label, label_span, dynbody) in json_dynamic(a) {
                    let path = join_path(prefix, &label);
                    let content = dynbody
                        .attributes
                        .iter()
                        .find(|c| c.name == "content")
                        .and_then(Body::json_blocks)
                        .and_then(|mut bs| bs.pop());
                    match schema.block_types.get_key_value(label.as_str()) {
                        Some((key, nested)) => {
                            counts.entry(key).or_default().dynamic = true;
                            if let Some(c) = content {
                                self.body(&c.body, &nested.block, &path, Meta::default());
                            }
                        }
                        None if attr_as_block(schema, &label).is_some() => {
                            present.push(
                                schema
                                    .attributes
                                    .get_key_value(label.as_str())
                                    .map_or("", |(k, _)| k),
                            );
                            if let (Some(c), Some(elem)) = (content, attr_as_block(schema, &label))
                            {
                                self.object_block(&c.body, elem, &path);
                            }
                        }
                        None => {
                            let detail = unsupported_block(
                                &label,
                                schema.block_types.keys().map(String::as_str),
                            );
                            self.error(label_span, "Unsupported block type", detail, path);
                        }
                    }
                }
            } else {
                let names = schema
                    .attributes
                    .keys()
                    .chain(schema.block_types.keys())
                    .map(String::as_str);
                let detail = extraneous_property(name, names);
                self.error(a.name_span, "Extraneous JSON object property", detail, path);
            }
        }
        self.missing(body, schema, &present, &counts, prefix);
    }

    /// Counts one block of a type and reports the one past the maximum.
    fn count(
        &mut self,
        c: &mut Count,
        b: &Block,
        dynamic: bool,
        nested: &super::schema::NestedBlockSchema,
        ty: &str,
        path: &str,
    ) {
        if dynamic {
            c.dynamic = true;
            return;
        }
        c.n += 1;
        let single = matches!(
            nested.nesting_mode,
            NestingMode::Single | NestingMode::Group
        );
        if c.n == 1 {
            c.first = Some(b.span);
        } else if single && c.n == 2 {
            let first = c.first.map(|s| self.sink.at(s)).unwrap_or_default();
            let detail = format!("Only one {ty} block is allowed. Another was defined at {first}.");
            self.error(
                b.ident_span,
                format!("Duplicate {ty} block"),
                detail,
                path.into(),
            );
        } else if !single && nested.max_items > 0 && c.n as u64 == nested.max_items + 1 {
            let detail = format!(
                "No more than {} \"{ty}\" blocks are allowed",
                nested.max_items
            );
            self.error(
                b.ident_span,
                format!("Too many {ty} blocks"),
                detail,
                path.into(),
            );
        }
    }

    /// Missing required arguments and too few blocks, reported at the body's opening brace.
    fn missing(
        &mut self,
        body: &Body,
        schema: &BlockSchema,
        present: &[&str],
        counts: &HashMap<&str, Count>,
        prefix: &str,
    ) {
        let mut missing: Vec<&str> = schema
            .attributes
            .iter()
            .filter(|(n, s)| s.required && !present.contains(&n.as_str()))
            .map(|(n, _)| n.as_str())
            .collect();
        missing.sort_unstable();
        for n in missing {
            let detail = format!("The argument \"{n}\" is required, but no definition was found.");
            self.error(
                body.open_span,
                "Missing required argument",
                detail,
                join_path(prefix, n),
            );
        }
        let mut short: Vec<(&str, &super::schema::NestedBlockSchema)> = schema
            .block_types
            .iter()
            .filter(|(n, s)| {
                let c = counts.get(n.as_str()).copied().unwrap_or_default();
                s.min_items > 0 && !c.dynamic && (c.n as u64) < s.min_items
            })
            .map(|(n, s)| (n.as_str(), s))
            .collect();
        short.sort_unstable_by_key(|(n, _)| *n);
        for (n, s) in short {
            let (summary, detail) = match s.nesting_mode {
                NestingMode::Single | NestingMode::Group => (
                    format!("Missing {n} block"),
                    format!("A block of type \"{n}\" is required here."),
                ),
                _ => (
                    format!("Insufficient {n} blocks"),
                    format!("At least {} \"{n}\" blocks are required.", s.min_items),
                ),
            };
            self.error(body.open_span, summary, detail, join_path(prefix, n));
        }
    }

    /// A block written for an attribute of type list/set of object: each
    /// argument must be one of the object's attributes, with a value of
    /// its type; attributes left out are null, as the fixup makes them.
    fn object_block(&mut self, body: &Body, elem: &CtyType, prefix: &str) {
        let Some(fields) = object_fields(elem) else {
            return;
        };
        for a in &body.attributes {
            let name = a.name.as_str();
            let path = join_path(prefix, name);
            match fields.get(name) {
                Some(t) => self.value(&a.expr, t, name, path),
                None if body.json => {
                    let detail = extraneous_property(name, fields.keys().map(String::as_str));
                    self.error(a.name_span, "Extraneous JSON object property", detail, path);
                }
                None => {
                    let detail = unsupported_argument(name, fields.keys().map(String::as_str));
                    self.error(a.name_span, "Unsupported argument", detail, path);
                }
            }
        }
        for b in &body.blocks {
            let Some((ty, content, _)) = block_parts(b) else {
                continue;
            };
            let path = join_path(prefix, ty);
            match fields.get(ty).and_then(object_elements) {
                Some(inner) => {
                    if let Some(c) = content {
                        self.object_block(c, inner, &path);
                    }
                }
                None => {
                    let detail = unsupported_block(ty, []);
                    self.error(b.ident_span, "Unsupported block type", detail, path);
                }
            }
        }
    }

    fn value(&mut self, e: &Expr, ty: &CtyType, name: &str, path: String) {
        if let Err(msg) = check_value(e, ty) {
            let detail = format!("Inappropriate value for attribute \"{name}\": {msg}.");
            self.error(e.span, "Incorrect attribute value type", detail, path);
        }
    }
}

/// Blocks of one type seen in a body.
#[derive(Debug, Clone, Copy, Default)]
struct Count {
    n: usize,
    dynamic: bool,
    first: Option<Span>,
}

/// Checks a literal value against a cty type with cty's conversions
/// (number ↔ string, `"true"`/`"false"` → bool; object attributes the type
/// lacks are dropped, the ones it requires must be there). Non-literal
/// expressions and `null` pass. The error text is cty's mismatch message:
/// "string required", "a number is required", "element 0: …",
/// `attribute "x": …`, `attribute "x" is required`.
pub(super) fn check_value(e: &Expr, ty: &CtyType) -> Result<(), String> {
    match (&e.kind, ty) {
        (ExprKind::Dynamic | ExprKind::Null, _) | (_, CtyType::Dynamic) => Ok(()),
        (ExprKind::String(_) | ExprKind::Number(_) | ExprKind::Bool(_), CtyType::String) => Ok(()),
        (ExprKind::Number(_), CtyType::Number) | (ExprKind::Bool(_), CtyType::Bool) => Ok(()),
        (ExprKind::String(s), CtyType::Number) => s
            .trim()
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| "a number is required".to_string()),
        (ExprKind::String(s), CtyType::Bool) => {
            if s == "true" || s == "false" {
                Ok(())
            } else {
                Err("a bool is required".into())
            }
        }
        (ExprKind::Tuple(items), CtyType::List(t) | CtyType::Set(t)) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_value(x, t).map_err(|m| format!("element {i}: {m}"))),
        (ExprKind::Tuple(items), CtyType::Tuple(ts)) if items.len() == ts.len() => items
            .iter()
            .zip(ts)
            .enumerate()
            .try_for_each(|(i, (x, t))| check_value(x, t).map_err(|m| format!("element {i}: {m}"))),
        (ExprKind::Object(items), CtyType::Map(t)) => items.iter().try_for_each(|i| {
            check_value(&i.value, t).map_err(|m| format!("element \"{}\": {m}", i.key))
        }),
        (ExprKind::Object(items), CtyType::Object { attrs, optional }) => {
            let mut missing: Vec<&str> = attrs
                .keys()
                .filter(|k| !optional.contains(*k) && !items.iter().any(|i| &i.key == *k))
                .map(String::as_str)
                .collect();
            missing.sort_unstable();
            match missing.as_slice() {
                [] => {}
                [one] => return Err(format!("attribute \"{one}\" is required")),
                [a, b] => return Err(format!("attributes \"{a}\" and \"{b}\" are required")),
                [init @ .., last] => {
                    let list: Vec<String> = init.iter().map(|n| format!("\"{n}\"")).collect();
                    return Err(format!(
                        "attributes {}, and \"{last}\" are required",
                        list.join(", ")
                    ));
                }
            }
            items.iter().try_for_each(|i| match attrs.get(&i.key) {
                // cty drops attributes the target type lacks.
                None => Ok(()),
                Some(t) => {
                    check_value(&i.value, t).map_err(|m| format!("attribute \"{}\": {m}", i.key))
                }
            })
        }
        (_, t) => Err(format!("{} required", t.friendly_name())),
    }
}

/// The references Terraform evaluates for a body decoded with `schema`:
/// those in arguments the schema has, in nested blocks it has (recursively),
/// in blocks written for list/set-of-object attributes, and in `dynamic`
/// blocks of those types (`for_each` and `content`). References in unknown
/// arguments or blocks are not evaluated. Each comes with its dotted path.
pub(super) fn schema_refs<'b>(
    body: &'b Body,
    schema: &BlockSchema,
    prefix: &str,
    out: &mut Vec<(String, &'b Reference)>,
) {
    if body.json {
        let items: Vec<_> = body
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), &a.expr))
            .collect();
        return json_refs(&items, schema, prefix, out);
    }
    for a in &body.attributes {
        if schema.attributes.contains_key(a.name.as_str()) {
            let path = join_path(prefix, &a.name);
            out.extend(a.expr.all_refs().into_iter().map(|r| (path.clone(), r)));
        }
    }
    for b in &body.blocks {
        let Some((ty, content, dynamic)) = block_parts(b) else {
            continue;
        };
        let path = join_path(prefix, ty);
        let nested = schema.block_types.get(ty);
        if nested.is_none() && attr_as_block(schema, ty).is_none() {
            continue;
        }
        if dynamic {
            dynamic_meta_refs(b, &path, out);
        }
        match (nested, content) {
            (Some(n), Some(c)) => schema_refs(c, &n.block, &path, out),
            (None, Some(c)) => out.extend(
                c.references()
                    .into_iter()
                    .map(|(p, r)| (join_path(&path, &p), r)),
            ),
            _ => {}
        }
    }
}

/// `schema_refs` for JSON syntax, where nested blocks are object values.
fn json_refs<'b>(
    items: &[(&'b str, &'b Expr)],
    schema: &BlockSchema,
    prefix: &str,
    out: &mut Vec<(String, &'b Reference)>,
) {
    for &(name, expr) in items {
        let path = join_path(prefix, name);
        if schema.attributes.contains_key(name) {
            out.extend(expr.all_refs().into_iter().map(|r| (path.clone(), r)));
        } else if let Some(nested) = schema.block_types.get(name) {
            let objects: Vec<&Expr> = match &expr.kind {
                ExprKind::Tuple(xs) => xs.iter().collect(),
                _ => vec![expr],
            };
            for o in objects {
                if let ExprKind::Object(fields) = &o.kind {
                    let fields: Vec<_> =
                        fields.iter().map(|i| (i.key.as_str(), &i.value)).collect();
                    json_refs(&fields, &nested.block, &path, out);
                }
            }
        } else if name == "dynamic"
            && let ExprKind::Object(labels) = &expr.kind
        {
            for l in labels {
                if schema.block_types.contains_key(&l.key)
                    || attr_as_block(schema, &l.key).is_some()
                {
                    let p = join_path(prefix, &l.key);
                    out.extend(l.value.all_refs().into_iter().map(|r| (p.clone(), r)));
                }
            }
        }
    }
}

/// References in a `dynamic` block's own arguments (`for_each`, `labels`).
fn dynamic_meta_refs<'b>(b: &'b Block, path: &str, out: &mut Vec<(String, &'b Reference)>) {
    for a in &b.body.attributes {
        out.extend(a.expr.all_refs().into_iter().map(|r| (path.to_string(), r)));
    }
}
