//! A resource's configuration as the provider receives it during
//! `terraform validate`: one value tree per resource, decoded by its
//! schema, whichever syntax wrote it (HCL blocks, JSON objects, lists of
//! objects written as blocks). Values Terraform cannot know while it
//! validates are `Unknown`: references to resources and data sources, input
//! variables (always unknown at validate time, defaults or not), function
//! calls and templates atg does not evaluate, `dynamic` blocks. A local
//! value whose expression is a literal is known, as Terraform evaluates it.
//!
//! The checks over this tree are left to `provider_checks::sdk`.

use std::collections::BTreeMap;

use super::super::config::{Body, Expr, ExprKind, ObjectItem, Span};
use super::super::decode::{Meta, attr_as_block};
use super::super::schema::{BlockSchema, CtyType};

/// Looks up a local value's expression by name.
pub(in crate::validate) type Locals<'a> = dyn Fn(&str) -> Option<&'a Expr> + Sync + 'a;

/// How deep `local.a` → `local.b` → … is followed.
const LOCAL_DEPTH: usize = 8;

/// A configuration value.
#[derive(Debug)]
pub(super) enum Val<'a> {
    /// Not set (`null`).
    Null,
    /// Not known at validate time; where it is written.
    Unknown(Span),
    /// A string, number or bool literal, and where the configuration sets
    /// it (the literal, or the `local.NAME` reference that stands for it).
    Prim(&'a Expr, Span),
    /// A list, set or tuple value, or the blocks of one type.
    List {
        /// The elements.
        items: Vec<Val<'a>>,
        /// The expression, when written as one (`[...]`); `None` for blocks.
        expr: Option<Span>,
        /// Where it is declared: the expression, the first block's type
        /// name, or the JSON property name.
        decl: Span,
    },
    /// An object: a block body or an object literal.
    Obj(Obj<'a>),
}

/// An object value.
#[derive(Debug, Default)]
pub(super) struct Obj<'a> {
    /// Fields in source order (one per name).
    pub fields: Vec<(&'a str, Val<'a>)>,
    /// Where a missing field is reported: the body's opening brace.
    pub open: Span,
}

impl<'a> Obj<'a> {
    /// The field named `name`.
    pub fn get(&self, name: &str) -> Option<&Val<'a>> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn set(&mut self, name: &'a str, v: Val<'a>) {
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = v,
            None => self.fields.push((name, v)),
        }
    }

    /// Appends one block of type `name` to its list.
    fn push_block(&mut self, name: &'a str, decl: Span, item: Val<'a>) {
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, Val::List { items, .. })) => items.push(item),
            Some((_, Val::Unknown(_))) => {}
            _ => self.fields.push((
                name,
                Val::List {
                    items: vec![item],
                    expr: None,
                    decl,
                },
            )),
        }
    }
}

impl Val<'_> {
    /// True when nothing in it is unknown (the SDK's `isWhollyKnown`).
    pub fn wholly_known(&self) -> bool {
        match self {
            Val::Unknown(_) => false,
            Val::Null | Val::Prim(..) => true,
            Val::List { items, .. } => items.iter().all(Val::wholly_known),
            Val::Obj(o) => o.fields.iter().all(|(_, v)| v.wholly_known()),
        }
    }

    /// Set to something other than `null`.
    pub fn is_set(&self) -> bool {
        !matches!(self, Val::Null)
    }
}

/// The field a flatmap key (`a.0.b`) names in `root`: `None` when absent.
pub(super) fn lookup<'v, 'a>(root: &'v Obj<'a>, key: &str) -> Option<&'v Val<'a>> {
    let mut parts = key.split('.');
    let mut cur = root.get(parts.next()?)?;
    for p in parts {
        cur = match cur {
            Val::Unknown(_) => return Some(cur),
            Val::List { items, .. } => items.get(p.parse::<usize>().ok()?)?,
            Val::Obj(o) => o.get(p)?,
            Val::Null | Val::Prim(..) => return None,
        };
    }
    Some(cur).filter(|v| v.is_set())
}

/// Decodes values by schema.
pub(super) struct Decode<'a, 'l> {
    /// Local values, for `local.NAME` references.
    pub locals: &'l Locals<'a>,
}

impl<'a> Decode<'a, '_> {
    /// A resource (or nested block) body, by its block schema; `meta` names
    /// the meta-arguments to leave out.
    pub fn body(&self, body: &'a Body, schema: &BlockSchema, meta: Meta) -> Obj<'a> {
        let mut obj = Obj {
            fields: Vec::with_capacity(body.attributes.len() + body.blocks.len()),
            open: body.open_span,
        };
        for a in &body.attributes {
            let name = a.name.as_str();
            if meta.attrs.contains(&name) || (body.json && meta.blocks.contains(&name)) {
                continue;
            }
            if let Some(s) = schema.attributes.get(name) {
                obj.set(name, self.expr(&a.expr, &s.value_type_cow(), 0));
            } else if !body.json {
                continue;
            } else if let Some(nested) = schema.block_types.get(name) {
                obj.set(name, self.json_blocks(&a.expr, a.name_span, &nested.block));
            } else if name == "dynamic"
                && let ExprKind::Object(labels) = &a.expr.kind
            {
                for l in labels {
                    let known = schema.block_types.contains_key(&l.key)
                        || attr_as_block(schema, &l.key).is_some();
                    if known {
                        obj.set(l.key.as_str(), Val::Unknown(l.key_span));
                    }
                }
            }
        }
        for b in &body.blocks {
            if b.ident == "dynamic" {
                if let Some(label) = b.labels.first()
                    && (schema.block_types.contains_key(label)
                        || attr_as_block(schema, label).is_some())
                {
                    obj.set(label.as_str(), Val::Unknown(b.ident_span));
                }
                continue;
            }
            let name = b.ident.as_str();
            if let Some(nested) = schema.block_types.get(name) {
                let item = Val::Obj(self.body(&b.body, &nested.block, Meta::default()));
                obj.push_block(name, b.ident_span, item);
            } else if let Some(elem) = attr_as_block(schema, name) {
                let item = Val::Obj(self.object_block(&b.body, elem));
                obj.push_block(name, b.ident_span, item);
            }
        }
        obj
    }

    /// A block written for a list-of-object attribute (HCL).
    fn object_block(&self, body: &'a Body, elem: &CtyType) -> Obj<'a> {
        let fields = match elem {
            CtyType::Object { attrs, .. } => attrs,
            _ => return Obj::default(),
        };
        let mut obj = Obj {
            fields: Vec::new(),
            open: body.open_span,
        };
        for a in &body.attributes {
            if let Some(t) = fields.get(&a.name) {
                obj.set(a.name.as_str(), self.expr(&a.expr, t, 0));
            }
        }
        for b in &body.blocks {
            if let Some(inner) = fields.get(&b.ident).and_then(object_elem) {
                let item = Val::Obj(self.object_block(&b.body, inner));
                obj.push_block(b.ident.as_str(), b.ident_span, item);
            }
        }
        obj
    }

    /// JSON blocks: an object or an array of objects.
    fn json_blocks(&self, e: &'a Expr, decl: Span, schema: &BlockSchema) -> Val<'a> {
        let one = |x: &'a Expr| match &x.kind {
            ExprKind::Object(items) => Val::Obj(self.json_object(items, x.span, schema)),
            _ => Val::Unknown(x.span),
        };
        match &e.kind {
            ExprKind::Object(_) => Val::List {
                items: vec![one(e)],
                expr: None,
                decl,
            },
            ExprKind::Tuple(xs) => Val::List {
                items: xs.iter().map(one).collect(),
                expr: None,
                decl,
            },
            ExprKind::Null => Val::Null,
            _ => Val::Unknown(e.span),
        }
    }

    /// A JSON object standing for a block body.
    fn json_object(&self, items: &'a [ObjectItem], span: Span, schema: &BlockSchema) -> Obj<'a> {
        let mut obj = Obj {
            fields: Vec::with_capacity(items.len()),
            open: Span {
                end: span.start + 1,
                ..span
            },
        };
        for i in items {
            let name = i.key.as_str();
            if let Some(s) = schema.attributes.get(name) {
                obj.set(name, self.expr(&i.value, &s.value_type_cow(), 0));
            } else if let Some(nested) = schema.block_types.get(name) {
                obj.set(name, self.json_blocks(&i.value, i.key_span, &nested.block));
            } else if name == "dynamic"
                && let ExprKind::Object(labels) = &i.value.kind
            {
                for l in labels {
                    if schema.block_types.contains_key(&l.key) {
                        obj.set(l.key.as_str(), Val::Unknown(l.key_span));
                    }
                }
            }
        }
        obj
    }

    /// An expression, by its type.
    pub fn expr(&self, e: &'a Expr, ty: &CtyType, depth: usize) -> Val<'a> {
        match &e.kind {
            ExprKind::Null => Val::Null,
            ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_) => Val::Prim(e, e.span),
            ExprKind::Tuple(xs) => {
                let elem = match ty {
                    CtyType::List(t) | CtyType::Set(t) => t.as_ref(),
                    _ => &CtyType::Dynamic,
                };
                Val::List {
                    items: xs.iter().map(|x| self.expr(x, elem, depth)).collect(),
                    expr: Some(e.span),
                    decl: e.span,
                }
            }
            ExprKind::Object(items) => {
                let mut obj = Obj {
                    fields: Vec::with_capacity(items.len()),
                    open: e.span,
                };
                let empty = BTreeMap::new();
                let (fields, map_elem) = match ty {
                    CtyType::Object { attrs, .. } => (attrs, None),
                    CtyType::Map(t) => (&empty, Some(t.as_ref())),
                    _ => (&empty, Some(&CtyType::Dynamic)),
                };
                for i in items {
                    let t = map_elem.or_else(|| fields.get(&i.key));
                    if let Some(t) = t {
                        obj.set(i.key.as_str(), self.expr(&i.value, t, depth));
                    }
                }
                Val::Obj(obj)
            }
            ExprKind::Dynamic => self.local(e, ty, depth).unwrap_or(Val::Unknown(e.span)),
        }
    }

    /// `local.NAME` alone (the whole expression), when that local's value
    /// is known.
    fn local(&self, e: &'a Expr, ty: &CtyType, depth: usize) -> Option<Val<'a>> {
        let [r] = e.refs.as_slice() else { return None };
        if r.root != "local" || r.steps.len() != 1 || r.span() != e.span || depth >= LOCAL_DEPTH {
            return None;
        }
        let target = (self.locals)(r.steps[0].name()?)?;
        match self.expr(target, ty, depth + 1) {
            Val::Prim(lit, _) => Some(Val::Prim(lit, e.span)),
            Val::Null => Some(Val::Null),
            _ => None,
        }
    }
}

fn object_elem(t: &CtyType) -> Option<&CtyType> {
    match t {
        CtyType::List(e) | CtyType::Set(e) if matches!(e.as_ref(), CtyType::Object { .. }) => {
            Some(e)
        }
        _ => None,
    }
}
