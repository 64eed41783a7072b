//! The validation terraform-plugin-sdk/v2 runs when Terraform asks a
//! provider to validate a resource (`schemaMap.Validate`), repeated over
//! atg's value tree with the provider's validation data: for every
//! argument of every object, in the SDK's order, `ExactlyOneOf` ("Invalid
//! combination of arguments"), `AtLeastOneOf` ("Missing required
//! argument"), then only for a set argument: a computed-only value ("Value
//! for unconfigurable attribute"), `RequiredWith` ("Missing required
//! argument"), then only for a wholly known value: `ConflictsWith`
//! ("Conflicting configuration arguments"), the value (nested objects,
//! list elements, the validation function: enums, ranges, named checks),
//! and last the "Argument is deprecated" warning. Each of the first five
//! ends the argument's checks when it fails, as in the SDK.
//!
//! Messages are the SDK's and the validation functions' own: a validation
//! function's message is the diagnostic's summary and its detail is
//! empty. The key in them is the SDK's: the argument name at the top level,
//! the flatmap path (`network_acls.0.default_action`) inside blocks. A
//! diagnostic's range is where Terraform puts an attribute path: the
//! argument's expression (a list element's, for a list index), else the
//! opening brace of the body the path ends in.
//!
//! Building the value tree is left to `provider_checks::value`; which
//! argument carries which rule to `validate::rules`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::super::config::{ExprKind, Span, join_path};
use super::super::diagnostic::Severity;
use super::super::named_checks::{NamedCheck, Verdict, go_number, go_quote};
use super::super::rules::{ArgRules, ResourceRules, ValueCheck};
use super::super::schema::{AttributeSchema, BlockSchema, CtyType, NestedBlockSchema, NestingMode};
use super::super::sink::Sink;
use super::value::{Obj, Val, lookup};

/// The schema of an object's fields.
#[derive(Clone, Copy)]
enum Fields<'s> {
    Block(&'s BlockSchema),
    Object(&'s BTreeMap<String, CtyType>),
}

/// The schema of one field.
#[derive(Clone, Copy)]
enum Node<'s> {
    Attr(&'s AttributeSchema),
    Block(&'s NestedBlockSchema),
    Type(&'s CtyType),
}

impl<'s> Fields<'s> {
    fn get(self, name: &str) -> Option<Node<'s>> {
        match self {
            Fields::Block(b) => b
                .attributes
                .get(name)
                .map(Node::Attr)
                .or_else(|| b.block_types.get(name).map(Node::Block)),
            Fields::Object(o) => o.get(name).map(Node::Type),
        }
    }
}

impl<'s> Node<'s> {
    fn computed_only(self) -> bool {
        matches!(self, Node::Attr(a) if a.is_computed_only())
    }

    fn deprecated(self) -> bool {
        match self {
            Node::Attr(a) => a.deprecated,
            Node::Block(b) => b.block.deprecated,
            Node::Type(_) => false,
        }
    }

    fn ty(self) -> Option<Cow<'s, CtyType>> {
        match self {
            Node::Attr(a) => Some(a.value_type_cow()),
            Node::Type(t) => Some(Cow::Borrowed(t)),
            Node::Block(_) => None,
        }
    }
}

/// Where a value sits: the SDK's key (`a.0.b`), the dotted path without
/// indices, the opening brace of the body holding it, and, inside a set,
/// where every diagnostic goes.
#[derive(Clone, Copy)]
struct Place<'p> {
    key: &'p str,
    path: &'p str,
    open: Span,
    set_at: Option<Span>,
}

/// The SDK's validation of one resource.
pub(super) struct Sdk<'w, 'c, 'v, 'a> {
    /// Where diagnostics go.
    pub sink: &'w mut Sink<'c>,
    /// The resource address.
    pub address: &'w str,
    /// The provider's validation data for the resource type.
    pub rules: Option<&'w ResourceRules>,
    /// The resource's value (flatmap keys in rules are looked up here).
    pub root: &'v Obj<'a>,
    /// Known values whose validation function atg cannot run offline.
    pub unchecked: usize,
}

/// The SDK's sorted, deduplicated key list of a cross-argument rule.
fn all_keys(rule: &[String], key: &str) -> Vec<String> {
    let mut all: Vec<String> = rule.to_vec();
    all.push(key.to_string());
    all.sort();
    all.dedup();
    all
}

/// A literal as the provider receives a string (Terraform converts
/// numbers and bools to strings by the schema's type).
fn as_string(e: &ExprKind) -> Option<Cow<'_, str>> {
    match e {
        ExprKind::String(s) => Some(Cow::Borrowed(s)),
        ExprKind::Number(n) => Some(Cow::Owned(go_number(*n))),
        ExprKind::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn as_number(e: &ExprKind) -> Option<f64> {
    match e {
        ExprKind::Number(n) => Some(*n),
        ExprKind::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl<'a> Sdk<'_, '_, '_, 'a> {
    /// Validates the resource body (`schemaMap.Validate`).
    pub fn run(&mut self, schema: &BlockSchema) {
        let root = self.root;
        self.object("", "", root, Fields::Block(schema), None);
    }

    fn error(&mut self, span: Span, summary: String, detail: String, path: &str) {
        self.sink.error(
            span,
            summary,
            detail,
            Some(self.address.to_string()),
            Some(path.to_string()),
        );
    }

    /// `validateObject`: every field set, and every rule that applies to
    /// an absent one. `set_at`: inside a set, where every diagnostic goes
    /// (the SDK cuts their paths at the set).
    fn object(
        &mut self,
        k: &str,
        path: &str,
        obj: &Obj<'a>,
        fields: Fields<'_>,
        set_at: Option<Span>,
    ) {
        let absent: Vec<String> = self.rules.map_or_else(Vec::new, |r| {
            r.absent_in(path)
                .iter()
                .filter(|n| obj.get(n).is_none())
                .cloned()
                .collect()
        });
        for (name, val) in &obj.fields {
            if let Some(node) = fields.get(name) {
                let key = if k.is_empty() {
                    name.to_string()
                } else {
                    format!("{k}.{name}")
                };
                self.validate(
                    &key,
                    &join_path(path, name),
                    Some(val),
                    node,
                    obj.open,
                    set_at,
                );
            }
        }
        for name in &absent {
            if let Some(node) = fields.get(name) {
                let key = if k.is_empty() {
                    name.clone()
                } else {
                    format!("{k}.{name}")
                };
                self.validate(&key, &join_path(path, name), None, node, obj.open, set_at);
            }
        }
    }

    /// Where a diagnostic about `val` goes: its expression for an
    /// argument, else the body it sits in.
    fn range(val: Option<&Val<'_>>, open: Span, set_at: Option<Span>) -> Span {
        if let Some(s) = set_at {
            return s;
        }
        match val {
            Some(Val::Prim(_, at)) | Some(Val::Unknown(at)) => *at,
            Some(Val::List { expr: Some(at), .. }) => *at,
            Some(Val::Obj(o)) if o.open != open => o.open,
            _ => open,
        }
    }

    /// `schemaMap.validate` for one key.
    fn validate(
        &mut self,
        key: &str,
        path: &str,
        val: Option<&Val<'a>>,
        node: Node<'_>,
        open: Span,
        set_at: Option<Span>,
    ) {
        let rules: Option<&ArgRules> = self.rules.and_then(|r| r.arg(path));
        let at = Self::range(val, open, set_at);
        let q = go_quote(key);
        if let Some(r) = rules {
            if !r.exactly_one_of.is_empty() {
                let all = all_keys(&r.exactly_one_of, key);
                let mut specified = Vec::new();
                let mut unknown = 0;
                for k in &all {
                    match lookup(self.root, k) {
                        Some(v) if !v.wholly_known() => unknown += 1,
                        Some(_) => specified.push(k.as_str()),
                        None => {}
                    }
                }
                let detail = if specified.is_empty() && unknown == 0 {
                    Some(format!("{q}: one of `{}` must be specified", all.join(",")))
                } else if specified.len() > 1 {
                    Some(format!(
                        "{q}: only one of `{}` can be specified, but `{}` were specified.",
                        all.join(","),
                        specified.join(",")
                    ))
                } else {
                    None
                };
                if let Some(d) = detail {
                    return self.error(at, "Invalid combination of arguments".into(), d, path);
                }
            }
            if !r.at_least_one_of.is_empty() {
                let all = all_keys(&r.at_least_one_of, key);
                if !all.iter().any(|k| lookup(self.root, k).is_some()) {
                    let d = format!("{q}: one of `{}` must be specified", all.join(","));
                    return self.error(at, "Missing required argument".into(), d, path);
                }
            }
        }
        let Some(val) = val.filter(|v| v.is_set()) else {
            return;
        };
        if node.computed_only() {
            let d = format!(
                "Can't configure a value for {q}: its value will be decided automatically based on the result of applying this configuration."
            );
            return self.error(at, "Value for unconfigurable attribute".into(), d, path);
        }
        if let Some(r) = rules
            && !r.required_with.is_empty()
        {
            let all = all_keys(&r.required_with, key);
            if !all.iter().all(|k| lookup(self.root, k).is_some()) {
                let d = format!("{q}: all of `{}` must be specified", all.join(","));
                return self.error(at, "Missing required argument".into(), d, path);
            }
        }
        if !val.wholly_known() {
            return;
        }
        if let Some(r) = rules {
            for other in &r.conflicts_with {
                match lookup(self.root, other) {
                    Some(Val::Unknown(_)) | None => {}
                    Some(_) => {
                        let d = format!("{q}: conflicts with {other}");
                        return self.error(
                            at,
                            "Conflicting configuration arguments".into(),
                            d,
                            path,
                        );
                    }
                }
            }
        }
        let place = Place {
            key,
            path,
            open,
            set_at,
        };
        self.value(&place, val, node, rules);
        if node.deprecated() {
            let decl = match val {
                Val::List { decl, .. } => *decl,
                _ => at,
            };
            let name = path.rsplit('.').next().unwrap_or(path);
            let detail = super::deprecated_detail(name);
            self.sink.push(
                Severity::Warning,
                decl,
                "Argument is deprecated",
                detail,
                Some(self.address.to_string()),
                Some(path.to_string()),
            );
        }
    }

    /// `validateType`: nested objects, list elements, or the value itself.
    fn value(
        &mut self,
        place: &Place<'_>,
        val: &Val<'a>,
        node: Node<'_>,
        rules: Option<&ArgRules>,
    ) {
        let Place {
            key,
            path,
            open,
            set_at,
        } = *place;
        // The key validation functions name the argument by.
        let name_key = rules.is_some_and(|r| r.name_key);
        let msg_key = |k: &str| -> String {
            if name_key {
                path.rsplit('.').next().unwrap_or(path).to_string()
            } else {
                k.to_string()
            }
        };
        match node {
            Node::Block(nb) => {
                let Val::List { items, .. } = val else { return };
                let inner_set = match nb.nesting_mode {
                    NestingMode::Set => Some(set_at.unwrap_or(open)),
                    _ => set_at,
                };
                for (i, item) in items.iter().enumerate() {
                    if let Val::Obj(o) = item {
                        self.object(
                            &format!("{key}.{i}"),
                            path,
                            o,
                            Fields::Block(&nb.block),
                            inner_set,
                        );
                    }
                }
            }
            _ => {
                let Some(ty) = node.ty() else { return };
                match (ty.as_ref(), val) {
                    (CtyType::List(e) | CtyType::Set(e), Val::List { items, expr, .. }) => {
                        let set = matches!(ty.as_ref(), CtyType::Set(_));
                        let elem_at = |item: &Val<'_>| match (set, set_at) {
                            (_, Some(s)) => s,
                            (true, None) => expr
                                .unwrap_or_else(|| Self::range(Some(item), Span::default(), None)),
                            (false, None) => {
                                Self::range(Some(item), expr.unwrap_or_default(), None)
                            }
                        };
                        // cty orders a set of strings or numbers by value,
                        // and the SDK numbers the elements in that order.
                        let order = if set { set_order(items) } else { Vec::new() };
                        for (i, item) in items.iter().enumerate() {
                            let i = order.get(i).copied().unwrap_or(i);
                            let k = format!("{key}.{i}");
                            match (e.as_ref(), item) {
                                (CtyType::Object { attrs, .. }, Val::Obj(o)) => {
                                    let inner = if set { Some(elem_at(item)) } else { set_at };
                                    self.object(&k, path, o, Fields::Object(attrs), inner);
                                }
                                (_, Val::Prim(lit, _)) => {
                                    let Some(allowed) = rules.and_then(|r| r.elem_one_of.as_ref())
                                    else {
                                        continue;
                                    };
                                    let Some(s) = as_string(&lit.kind) else {
                                        continue;
                                    };
                                    if !allowed.iter().any(|a| a == s.as_ref()) {
                                        let summary = one_of_message(&msg_key(&k), allowed, &s);
                                        self.error(elem_at(item), summary, String::new(), path);
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    (_, Val::Prim(lit, at)) => {
                        let at = set_at.unwrap_or(*at);
                        if let Some(check) = rules.and_then(|r| r.value.as_ref()) {
                            self.primitive(&msg_key(key), path, &lit.kind, check, at);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The argument's validation function on a known primitive.
    fn primitive(&mut self, key: &str, path: &str, lit: &ExprKind, check: &ValueCheck, at: Span) {
        let errors: Vec<String> = match check {
            ValueCheck::OneOf(o) => {
                let Some(s) = as_string(lit) else { return };
                if o.allows(&s) {
                    return;
                }
                vec![one_of_message(key, &o.values, &s)]
            }
            ValueCheck::Range(r) => {
                let Some(n) = as_number(lit) else { return };
                if !r.float && n.fract() != 0.0 {
                    vec![format!("Attribute must be a whole number, got {n}")]
                } else if n < r.min || n > r.max {
                    let f = |x: f64| {
                        if r.float {
                            format!("{x:.6}")
                        } else {
                            go_number(x)
                        }
                    };
                    vec![format!(
                        "expected {key} to be in the range ({} - {}), got {}",
                        f(r.min),
                        f(r.max),
                        f(n)
                    )]
                } else {
                    return;
                }
            }
            ValueCheck::Named(nc) => {
                let verdict = match nc {
                    NamedCheck::AtLeast { float, .. } | NamedCheck::AtMost { float, .. } => {
                        let Some(n) = as_number(lit) else { return };
                        if !float && n.fract() != 0.0 {
                            Verdict::Invalid(vec![format!(
                                "Attribute must be a whole number, got {n}"
                            )])
                        } else {
                            nc.check_num(key, n)
                        }
                    }
                    NamedCheck::PortNumber => {
                        let Some(n) = as_number(lit) else { return };
                        nc.check_num(key, n)
                    }
                    _ => {
                        let Some(s) = as_string(lit) else { return };
                        nc.check_str(key, &s)
                    }
                };
                match verdict {
                    Verdict::Valid => return,
                    Verdict::Invalid(e) => e,
                    Verdict::Unknown => {
                        self.unchecked += 1;
                        return;
                    }
                }
            }
            ValueCheck::NotCheckedOffline => {
                self.unchecked += 1;
                return;
            }
        };
        for e in errors {
            self.error(at, e, String::new(), path);
        }
    }
}

/// For each element of a set of primitives, its number in cty's order of
/// the set (distinct values, strings by bytes, numbers by value). Empty
/// when some element is not a literal (objects: ordered by hash, so atg
/// keeps the configuration's order).
fn set_order(items: &[Val<'_>]) -> Vec<usize> {
    let mut keys: Vec<(u8, f64, &str)> = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Val::Prim(lit, _) => match &lit.kind {
                ExprKind::String(s) => keys.push((1, 0.0, s.as_str())),
                ExprKind::Number(n) => keys.push((0, *n, "")),
                ExprKind::Bool(b) => keys.push((0, f64::from(u8::from(*b)), "")),
                _ => return Vec::new(),
            },
            _ => return Vec::new(),
        }
    }
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| (a.0, a.2).cmp(&(b.0, b.2)).then(a.1.total_cmp(&b.1)));
    sorted.dedup();
    keys.iter()
        .map(|k| sorted.iter().position(|s| s == k).unwrap_or(0))
        .collect()
}

/// `validation.StringInSlice`'s message: `expected KEY to be one of
/// ["A" "B"], got V`.
pub(super) fn one_of_message(key: &str, allowed: &[String], got: &str) -> String {
    let list: Vec<String> = allowed.iter().map(|a| go_quote(a)).collect();
    format!(
        "expected {key} to be one of [{}], got {got}",
        list.join(" ")
    )
}
