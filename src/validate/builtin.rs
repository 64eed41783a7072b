//! The builtin validator: checks a parsed configuration without terraform,
//! structurally (syntax, undeclared references, duplicates) and, given
//! provider schemas, argument by argument (unknown or missing arguments and
//! blocks, block counts, literal value types, computed-only attributes,
//! attributes of referenced resources).
//!
//! Summaries and details follow the wording of Terraform and HCL
//! (`terraform validate -json`) so one classifier serves both validators.
//! Parsing is left to `validate::config`, schemas to `validate::schema`,
//! and choosing between validators to `validate::validate_dir`.

use std::collections::{BTreeMap, HashMap};

use super::ValidationLevel;
use super::config::{
    Block, Body, Config, Expr, ExprKind, Reference, ResourceMode, Span, Target, join_path,
};
use super::diagnostic::Diagnostic;
use super::schema::{BlockSchema, CtyType, NestingMode, Schemas};

/// Meta-arguments every resource accepts besides its schema.
const META_ARGS: &[&str] = &["count", "for_each", "depends_on", "provider"];
/// Meta-blocks every resource accepts besides its schema.
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Checks `cfg`, against `schemas` when given.
///
/// Output: the level reached (`Provider` when every resource's provider
/// schema was available, `Structural` otherwise) and the diagnostics, the
/// syntax errors from parsing included, ordered by (file, byte, summary).
/// Each diagnostic carries the resource address (when inside a resource),
/// the dotted attribute path and the range.
pub fn check(cfg: &Config, schemas: Option<&Schemas>) -> (ValidationLevel, Vec<Diagnostic>) {
    let mut c = Checker {
        cfg,
        out: Vec::new(),
    };
    c.duplicates();
    c.references(schemas);
    let mut level = if schemas.is_some() {
        ValidationLevel::Provider
    } else {
        ValidationLevel::Structural
    };
    if let Some(s) = schemas {
        for r in &cfg.resources {
            if !c.resource(r, s) {
                level = ValidationLevel::Structural;
            }
        }
    }
    let mut out: Vec<(u32, usize, Diagnostic)> = c.out;
    for d in &cfg.diagnostics {
        let (file, byte) = d.range.as_ref().map_or((0, 0), |r| {
            (cfg.file_index(&r.filename).unwrap_or(0), r.start.byte)
        });
        out.push((file, byte, d.clone()));
    }
    out.sort_by(|a, b| (a.0, a.1, &a.2.summary).cmp(&(b.0, b.1, &b.2.summary)));
    (level, out.into_iter().map(|(_, _, d)| d).collect())
}

struct Checker<'a> {
    cfg: &'a Config,
    out: Vec<(u32, usize, Diagnostic)>,
}

impl Checker<'_> {
    fn push(
        &mut self,
        span: Span,
        summary: impl Into<String>,
        detail: String,
        address: Option<String>,
        attribute: Option<String>,
    ) {
        let mut d = Diagnostic::error(summary, detail);
        d.range = Some(self.cfg.range(span));
        d.address = address;
        d.attribute = attribute;
        self.out.push((span.file, span.start, d));
    }

    /// `FILE:LINE,COL-COL` as Terraform prints a declaration range.
    fn at(&self, span: Span) -> String {
        let r = self.cfg.range(span);
        if r.start.line == r.end.line {
            format!(
                "{}:{},{}-{}",
                r.filename, r.start.line, r.start.column, r.end.column
            )
        } else {
            format!(
                "{}:{},{}-{},{}",
                r.filename, r.start.line, r.start.column, r.end.line, r.end.column
            )
        }
    }

    fn duplicates(&mut self) {
        let cfg = self.cfg;
        let mut seen: HashMap<(ResourceMode, &str, &str), Span> =
            HashMap::with_capacity(cfg.resources.len());
        for r in &cfg.resources {
            if let Some(first) = seen.get(&(r.mode, r.type_name.as_str(), r.name.as_str())) {
                let (summary, detail) = match r.mode {
                    ResourceMode::Managed => (
                        format!("Duplicate resource \"{}\" configuration", r.type_name),
                        format!(
                            "A {} resource named \"{}\" was already declared at {}. Resource names must be unique per type in each module.",
                            r.type_name,
                            r.name,
                            self.at(*first)
                        ),
                    ),
                    ResourceMode::Data => (
                        format!("Duplicate data \"{}\" configuration", r.type_name),
                        format!(
                            "A {} data resource named \"{}\" was already declared at {}. Resource names must be unique per type in each module.",
                            r.type_name,
                            r.name,
                            self.at(*first)
                        ),
                    ),
                };
                self.push(r.decl_span, summary, detail, Some(r.address()), None);
            } else {
                seen.insert((r.mode, &r.type_name, &r.name), r.decl_span);
            }
        }
        let mut vars: HashMap<&str, Span> = HashMap::new();
        for v in &cfg.variables {
            if let Some(first) = vars.get(v.name.as_str()) {
                let detail = format!(
                    "A variable named \"{}\" was already declared at {}. Variable names must be unique within a module.",
                    v.name,
                    self.at(*first)
                );
                self.push(
                    v.decl_span,
                    "Duplicate variable declaration",
                    detail,
                    None,
                    None,
                );
            } else {
                vars.insert(&v.name, v.decl_span);
            }
        }
        let mut locals: HashMap<&str, Span> = HashMap::new();
        for l in &cfg.locals {
            if let Some(first) = locals.get(l.name.as_str()) {
                let detail = format!(
                    "A local value named \"{}\" was already defined at {}. Local value names must be unique within a module.",
                    l.name,
                    self.at(*first)
                );
                self.push(
                    l.decl_span,
                    "Duplicate local value definition",
                    detail,
                    None,
                    None,
                );
            } else {
                locals.insert(&l.name, l.decl_span);
            }
        }
    }

    fn references(&mut self, schemas: Option<&Schemas>) {
        let cfg = self.cfg;
        let managed: HashMap<(&str, &str), ()> = cfg
            .resources
            .iter()
            .filter(|r| r.mode == ResourceMode::Managed)
            .map(|r| ((r.type_name.as_str(), r.name.as_str()), ()))
            .collect();
        let data: HashMap<(&str, &str), ()> = cfg
            .resources
            .iter()
            .filter(|r| r.mode == ResourceMode::Data)
            .map(|r| ((r.type_name.as_str(), r.name.as_str()), ()))
            .collect();
        let vars: HashMap<&str, ()> = cfg
            .variables
            .iter()
            .map(|v| (v.name.as_str(), ()))
            .collect();
        let locals: HashMap<&str, ()> = cfg.locals.iter().map(|l| (l.name.as_str(), ())).collect();

        let mut bodies: Vec<(Option<String>, &Body)> = Vec::new();
        for r in &cfg.resources {
            bodies.push((Some(r.address()), &r.body));
        }
        for n in cfg
            .locals
            .iter()
            .chain(&cfg.outputs)
            .chain(&cfg.providers)
            .chain(&cfg.modules)
        {
            bodies.push((None, &n.body));
        }
        for (address, body) in bodies {
            for (path, r) in body_references(body) {
                self.reference(&address, path, r, &managed, &data, &vars, &locals, schemas);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reference(
        &mut self,
        address: &Option<String>,
        path: String,
        r: &Reference,
        managed: &HashMap<(&str, &str), ()>,
        data: &HashMap<(&str, &str), ()>,
        vars: &HashMap<&str, ()>,
        locals: &HashMap<&str, ()>,
        schemas: Option<&Schemas>,
    ) {
        let attribute = Some(path);
        match r.target() {
            Target::Variable(n, span) if !vars.contains_key(n) => {
                let detail = format!(
                    "An input variable with the name \"{n}\" has not been declared. This variable can be declared with a variable \"{n}\" {{}} block."
                );
                self.push(
                    span,
                    "Reference to undeclared input variable",
                    detail,
                    address.clone(),
                    attribute,
                );
            }
            Target::Local(n, span) if !locals.contains_key(n) => {
                let detail = format!("A local value with the name \"{n}\" has not been declared.");
                self.push(
                    span,
                    "Reference to undeclared local value",
                    detail,
                    address.clone(),
                    attribute,
                );
            }
            Target::Resource {
                type_name,
                name,
                span,
                attr,
            } => {
                if !managed.contains_key(&(type_name, name)) {
                    let detail = format!(
                        "A managed resource \"{type_name}\" \"{name}\" has not been declared in the root module."
                    );
                    self.push(
                        span,
                        "Reference to undeclared resource",
                        detail,
                        address.clone(),
                        attribute,
                    );
                } else if let (Some((a, aspan)), Some(entry)) =
                    (attr, schemas.and_then(|s| s.resource(type_name)))
                {
                    self.unsupported_attr(&entry.block, a, aspan, address, attribute);
                }
            }
            Target::Data {
                type_name,
                name,
                span,
                attr,
            } => {
                if !data.contains_key(&(type_name, name)) {
                    let detail = format!(
                        "A data resource \"{type_name}\" \"{name}\" has not been declared in the root module."
                    );
                    self.push(
                        span,
                        "Reference to undeclared resource",
                        detail,
                        address.clone(),
                        attribute,
                    );
                } else if let (Some((a, aspan)), Some(entry)) =
                    (attr, schemas.and_then(|s| s.data_source(type_name)))
                {
                    self.unsupported_attr(&entry.block, a, aspan, address, attribute);
                }
            }
            _ => {}
        }
    }

    fn unsupported_attr(
        &mut self,
        block: &BlockSchema,
        a: &str,
        span: Span,
        address: &Option<String>,
        attribute: Option<String>,
    ) {
        if !block.attributes.contains_key(a) && !block.block_types.contains_key(a) {
            let detail = format!(
                "This object has no argument, nested block, or exported attribute named \"{a}\"."
            );
            self.push(
                span,
                "Unsupported attribute",
                detail,
                address.clone(),
                attribute,
            );
        }
    }

    /// Checks one resource against its schema; false when its provider is not loaded.
    fn resource(&mut self, r: &super::config::Resource, schemas: &Schemas) -> bool {
        let Some((provider, p)) = schemas.provider_for_type(&r.type_name) else {
            return false;
        };
        let entry = match r.mode {
            ResourceMode::Managed => p.resource_schemas.get(&r.type_name),
            ResourceMode::Data => p.data_source_schemas.get(&r.type_name),
        };
        let address = r.address();
        let Some(entry) = entry else {
            let short = provider
                .strip_prefix("registry.terraform.io/")
                .unwrap_or(provider);
            let (summary, what) = match r.mode {
                ResourceMode::Managed => ("Invalid resource type", "resource type"),
                ResourceMode::Data => ("Invalid data source", "data source"),
            };
            let detail = format!(
                "The provider {short} does not support {what} \"{}\".",
                r.type_name
            );
            self.push(r.decl_span, summary, detail, Some(address), None);
            return true;
        };
        self.body(&r.body, &entry.block, "", true, &address);
        true
    }

    /// Checks a block written for an attribute of type list/set of object:
    /// each argument must be an attribute of the object, with a value of its
    /// type; attributes left out are null, as Terraform's fixup makes them.
    fn object_block(
        &mut self,
        body: &Body,
        fields: &BTreeMap<String, CtyType>,
        prefix: &str,
        address: &str,
    ) {
        for a in &body.attributes {
            let name = a.name.as_str();
            let path = join_path(prefix, name);
            match fields.get(name) {
                None => {
                    let detail = format!("An argument named \"{name}\" is not expected here.");
                    self.push(
                        a.name_span,
                        "Unsupported argument",
                        detail,
                        Some(address.into()),
                        Some(path),
                    );
                }
                Some(t) => {
                    if let Err(msg) = check_value(&a.expr, t) {
                        let detail =
                            format!("Inappropriate value for attribute \"{name}\": {msg}.");
                        self.push(
                            a.expr.span,
                            "Incorrect attribute value type",
                            detail,
                            Some(address.into()),
                            Some(path),
                        );
                    }
                }
            }
        }
        for b in &body.blocks {
            let path = join_path(prefix, &b.ident);
            match fields.get(b.ident.as_str()).and_then(object_elements) {
                Some(inner) => self.object_block(&b.body, inner, &path, address),
                None => {
                    let detail = format!("Blocks of type \"{}\" are not expected here.", b.ident);
                    self.push(
                        b.ident_span,
                        "Unsupported block type",
                        detail,
                        Some(address.into()),
                        Some(path),
                    );
                }
            }
        }
    }

    fn body(&mut self, body: &Body, schema: &BlockSchema, prefix: &str, top: bool, address: &str) {
        let mut blocks: Vec<std::borrow::Cow<'_, Block>> =
            body.blocks.iter().map(std::borrow::Cow::Borrowed).collect();
        let mut present: Vec<&str> = Vec::with_capacity(body.attributes.len());
        for a in &body.attributes {
            let name = a.name.as_str();
            if top && (META_ARGS.contains(&name) || (body.json && META_BLOCKS.contains(&name))) {
                continue;
            }
            if body.json
                && schema.block_types.contains_key(name)
                && let Some(bs) = Body::json_blocks(a)
            {
                blocks.extend(bs.into_iter().map(std::borrow::Cow::Owned));
                continue;
            }
            let path = join_path(prefix, name);
            match schema.attributes.get(name) {
                None => {
                    let detail = format!("An argument named \"{name}\" is not expected here.");
                    self.push(
                        a.name_span,
                        "Unsupported argument",
                        detail,
                        Some(address.into()),
                        Some(path),
                    );
                }
                Some(s) if s.is_computed_only() => {
                    let detail = format!(
                        "Can't configure a value for \"{name}\": its value will be decided automatically based on the result of applying this configuration."
                    );
                    self.push(
                        a.span,
                        "Value for unconfigurable attribute",
                        detail,
                        Some(address.into()),
                        Some(path),
                    );
                }
                Some(s) => {
                    present.push(name);
                    if let Err(msg) = check_value(&a.expr, &s.value_type()) {
                        let detail =
                            format!("Inappropriate value for attribute \"{name}\": {msg}.");
                        self.push(
                            a.expr.span,
                            "Incorrect attribute value type",
                            detail,
                            Some(address.into()),
                            Some(path),
                        );
                    }
                }
            }
        }
        // Terraform's attributes-as-blocks fixup (lang/blocktoattr): an
        // attribute of type list or set of object may be written as nested
        // blocks in native syntax, e.g. `security_rule { ... }`.
        if !body.json {
            for b in &body.blocks {
                if attr_as_block(schema, &b.ident).is_some() {
                    present.push(b.ident.as_str());
                }
            }
        }
        let mut missing: Vec<&str> = schema
            .attributes
            .iter()
            .filter(|(n, s)| s.required && !present.contains(&n.as_str()))
            .map(|(n, _)| n.as_str())
            .collect();
        missing.sort_unstable();
        for n in missing {
            let detail = format!("The argument \"{n}\" is required, but no definition was found.");
            self.push(
                body.open_span,
                "Missing required argument",
                detail,
                Some(address.into()),
                Some(join_path(prefix, n)),
            );
        }

        // Blocks, grouped by type in first-seen order.
        let mut counts: HashMap<&str, (usize, bool)> = HashMap::new();
        for b in &blocks {
            let b: &Block = b;
            let ident = b.ident.as_str();
            if top && META_BLOCKS.contains(&ident) {
                continue;
            }
            let (ty, content) = if ident == "dynamic" {
                let Some(label) = b.labels.first() else {
                    continue;
                };
                (
                    label.as_str(),
                    b.body
                        .blocks
                        .iter()
                        .find(|c| c.ident == "content")
                        .map(|c| &c.body),
                )
            } else {
                (ident, Some(&b.body))
            };
            let path = join_path(prefix, ty);
            if !body.json
                && ident != "dynamic"
                && let Some(fields) = attr_as_block(schema, ty)
            {
                self.object_block(content.expect("not dynamic"), fields, &path, address);
                continue;
            }
            let Some(nested) = schema.block_types.get(ty) else {
                let detail = format!("Blocks of type \"{ty}\" are not expected here.");
                self.push(
                    b.ident_span,
                    "Unsupported block type",
                    detail,
                    Some(address.into()),
                    Some(path),
                );
                continue;
            };
            let entry = counts
                .entry(
                    schema
                        .block_types
                        .get_key_value(ty)
                        .map_or(ty, |(k, _)| k.as_str()),
                )
                .or_default();
            if ident == "dynamic" {
                entry.1 = true;
            } else {
                entry.0 += 1;
                let n = entry.0;
                let single = matches!(
                    nested.nesting_mode,
                    NestingMode::Single | NestingMode::Group
                );
                if single && n == 2 {
                    let detail = format!("Only one \"{ty}\" block is allowed.");
                    self.push(
                        b.ident_span,
                        format!("Duplicate {ty} block"),
                        detail,
                        Some(address.into()),
                        Some(path.clone()),
                    );
                } else if !single && nested.max_items > 0 && n as u64 == nested.max_items + 1 {
                    let detail = format!(
                        "No more than {} \"{ty}\" blocks are allowed.",
                        nested.max_items
                    );
                    self.push(
                        b.ident_span,
                        format!("Too many {ty} blocks"),
                        detail,
                        Some(address.into()),
                        Some(path.clone()),
                    );
                }
            }
            if let Some(content) = content {
                self.body(content, &nested.block, &path, false, address);
            }
        }
        let mut insufficient: Vec<(&str, u64)> = schema
            .block_types
            .iter()
            .filter(|(n, s)| {
                let (count, dynamic) = counts.get(n.as_str()).copied().unwrap_or_default();
                s.min_items > 0 && !dynamic && (count as u64) < s.min_items
            })
            .map(|(n, s)| (n.as_str(), s.min_items))
            .collect();
        insufficient.sort_unstable();
        for (n, min) in insufficient {
            let detail = format!("At least {min} \"{n}\" blocks are required.");
            self.push(
                body.open_span,
                format!("Insufficient {n} blocks"),
                detail,
                Some(address.into()),
                Some(join_path(prefix, n)),
            );
        }
    }
}

/// References of a body, reading JSON-syntax object arguments as they are
/// (their references sit on their items either way).
fn body_references(body: &Body) -> Vec<(String, &Reference)> {
    body.references()
}

/// Checks a literal value against a cty type with Terraform's conversions
/// (number ↔ string, `"true"`/`"false"` → bool). Non-literal expressions
/// and `null` pass. The error text follows cty's messages ("string
/// required", "a number is required", "element 0: ...", `attribute "x": ...`).
pub fn check_value(e: &Expr, ty: &CtyType) -> Result<(), String> {
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
        (ExprKind::Object(items), CtyType::Object(attrs)) => {
            items.iter().try_for_each(|i| match attrs.get(&i.key) {
                None => Err(format!("unsupported attribute \"{}\"", i.key)),
                Some(t) => {
                    check_value(&i.value, t).map_err(|m| format!("attribute \"{}\": {m}", i.key))
                }
            })
        }
        (_, t) => Err(format!("{} required", t.friendly_name())),
    }
}

/// The object fields of a configurable attribute of type list/set of object,
/// which native syntax may also write as nested blocks.
fn attr_as_block<'s>(schema: &'s BlockSchema, name: &str) -> Option<&'s BTreeMap<String, CtyType>> {
    let attr = schema
        .attributes
        .get(name)
        .filter(|a| !a.is_computed_only())?;
    object_elements(attr.ty.as_ref()?)
}

/// The fields of `list(object)` / `set(object)`.
fn object_elements(t: &CtyType) -> Option<&BTreeMap<String, CtyType>> {
    match t {
        CtyType::List(e) | CtyType::Set(e) => match e.as_ref() {
            CtyType::Object(fields) => Some(fields),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Severity;
    use crate::validate::schema::tests::azurerm;

    fn parse(name: &str, text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        Config::parse_dir(dir.path()).unwrap()
    }

    /// (summary, address, attribute, line) of each diagnostic.
    fn summarize(ds: &[Diagnostic]) -> Vec<(String, String, String, u32)> {
        ds.iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.address.clone().unwrap_or_default(),
                    d.attribute.clone().unwrap_or_default(),
                    d.range.as_ref().map_or(0, |r| r.start.line),
                )
            })
            .collect()
    }

    const STRUCTURAL: &str = r#"variable "prefix" {}
variable "prefix" {}
resource "azurerm_subnet" "a" {
  name = "${var.prefix}-${var.missing}"
  virtual_network_name = azurerm_virtual_network.nope.name
  resource_group_name = local.rg
}
resource "azurerm_subnet" "a" {
  name = data.azurerm_resource_group.gone.name
}
locals { ok = [for s in azurerm_subnet.a[*].id : s] }
"#;

    #[test]
    fn structural_checks_without_schema() {
        let c = parse("main.tf", STRUCTURAL);
        let (level, ds) = check(&c, None);
        assert_eq!(level, ValidationLevel::Structural);
        let got = summarize(&ds);
        let want = [
            ("Duplicate variable declaration", "", "", 2),
            (
                "Reference to undeclared input variable",
                "azurerm_subnet.a",
                "name",
                4,
            ),
            (
                "Reference to undeclared resource",
                "azurerm_subnet.a",
                "virtual_network_name",
                5,
            ),
            (
                "Reference to undeclared local value",
                "azurerm_subnet.a",
                "resource_group_name",
                6,
            ),
            (
                "Duplicate resource \"azurerm_subnet\" configuration",
                "azurerm_subnet.a",
                "",
                8,
            ),
            (
                "Reference to undeclared resource",
                "azurerm_subnet.a",
                "name",
                9,
            ),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(s, a, p, l)| (s.to_string(), a.to_string(), p.to_string(), *l))
            .collect();
        assert_eq!(got, want);
        assert!(
            ds[4].detail.contains("already declared at main.tf:3,1-30"),
            "{}",
            ds[4].detail
        );
        assert_eq!(
            ds[2].detail,
            "A managed resource \"azurerm_virtual_network\" \"nope\" has not been declared in the root module."
        );
        let r = ds[2].range.as_ref().unwrap();
        assert_eq!(
            (r.start.column, r.end.column),
            (26, 54),
            "range covers TYPE.NAME"
        );
    }

    const VM: &str = r#"resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
  tags     = { env = "dev", n = 1 }
}
resource "azurerm_linux_virtual_machine" "vm" {
  name                = "vm"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.nosuch
  size                = "Standard_B1s"
  admin_username      = "azureuser"
  network_interface_ids = "not-a-list"
  allow_extension_operations = "yes"
  max_bid_price       = "12.5"
  encryption_at_host_enabled = "true"
  bogus_argument      = 1
  virtual_machine_id  = "x"
  tags                = { env = ["x"] }
  count               = 1
  os_disk {
    storage_account_type = "Standard_LRS"
    mystery = true
  }
  widget {}
  lifecycle { ignore_changes = [tags] }
  timeouts { create = "1h" }
}
resource "azurerm_not_a_thing" "x" {}
"#;

    fn vm_want() -> Vec<(String, String, String)> {
        [
            (
                "Value for unconfigurable attribute",
                "azurerm_linux_virtual_machine.vm",
                "virtual_machine_id",
            ),
            (
                "Unsupported attribute",
                "azurerm_linux_virtual_machine.vm",
                "location",
            ),
            (
                "Incorrect attribute value type",
                "azurerm_linux_virtual_machine.vm",
                "network_interface_ids",
            ),
            (
                "Incorrect attribute value type",
                "azurerm_linux_virtual_machine.vm",
                "allow_extension_operations",
            ),
            (
                "Unsupported argument",
                "azurerm_linux_virtual_machine.vm",
                "bogus_argument",
            ),
            (
                "Missing required argument",
                "azurerm_linux_virtual_machine.vm",
                "os_disk.caching",
            ),
            (
                "Unsupported argument",
                "azurerm_linux_virtual_machine.vm",
                "os_disk.mystery",
            ),
            (
                "Unsupported block type",
                "azurerm_linux_virtual_machine.vm",
                "widget",
            ),
            ("Invalid resource type", "azurerm_not_a_thing.x", ""),
            (
                "Incorrect attribute value type",
                "azurerm_linux_virtual_machine.vm",
                "tags",
            ),
        ]
        .iter()
        .map(|(s, a, p)| (s.to_string(), a.to_string(), p.to_string()))
        .collect()
    }

    // Terraform accepts `security_rule { ... }` for the list/set-of-object
    // attribute `security_rule` (lang/blocktoattr), leaving unset fields null;
    // an unknown field is still an unsupported argument. Checked against
    // terraform 1.11 with aws_security_group.ingress, the same kind of attribute.
    #[test]
    fn attributes_of_object_lists_accept_block_syntax() {
        let s = azurerm();
        let src = r#"resource "azurerm_network_security_group" "n" {
  name = "n"
  resource_group_name = "rg"
  location = "eastus"
  security_rule {
    name = "a"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "443"
  }
  security_rule {
    name = "b"
    priority = "high"
    bogus = 1
  }
}
"#;
        let (level, ds) = check(&parse("main.tf", src), Some(&s));
        assert_eq!(level, ValidationLevel::Provider);
        let got: Vec<(&str, Option<&str>)> = ds
            .iter()
            .map(|d| (d.summary.as_str(), d.attribute.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Incorrect attribute value type",
                    Some("security_rule.priority")
                ),
                ("Unsupported argument", Some("security_rule.bogus")),
            ]
        );
    }

    #[test]
    fn schema_checks_with_azurerm() {
        let s = azurerm();
        let c = parse("main.tf", VM);
        let (level, ds) = check(&c, Some(&s));
        assert_eq!(level, ValidationLevel::Provider);
        // The VM also lacks required `network_interface_ids`-independent arguments; keep the ones under test.
        let got: Vec<_> = summarize(&ds)
            .into_iter()
            .map(|(s, a, p, _)| (s, a, p))
            .collect();
        for w in vm_want() {
            assert!(got.contains(&w), "missing {w:?} in {got:#?}");
        }
        assert!(
            ds.iter()
                .all(|d| d.severity == Severity::Error && d.range.is_some())
        );
        // Terraform's conversions are accepted: "12.5" → number, "true" → bool, 1 → string.
        for ok in [
            "max_bid_price",
            "encryption_at_host_enabled",
            "count",
            "timeouts",
            "lifecycle",
        ] {
            assert!(
                !got.iter().any(|(_, _, p)| p.starts_with(ok)),
                "{ok} flagged: {got:#?}"
            );
        }
        let bogus = ds
            .iter()
            .find(|d| d.attribute.as_deref() == Some("bogus_argument"))
            .unwrap();
        assert_eq!(
            bogus.detail,
            "An argument named \"bogus_argument\" is not expected here."
        );
        assert_eq!(bogus.range.as_ref().unwrap().start.line, 16);
        let nested = ds
            .iter()
            .find(|d| d.attribute.as_deref() == Some("tags"))
            .unwrap();
        assert_eq!(
            nested.detail,
            "Inappropriate value for attribute \"tags\": element \"env\": string required."
        );
        assert!(
            !ds.iter()
                .any(|d| d.address.as_deref() == Some("azurerm_resource_group.rg")),
            "{ds:#?}"
        );
        // Output is ordered by position.
        let lines: Vec<u32> = ds
            .iter()
            .map(|d| d.range.as_ref().unwrap().start.line)
            .collect();
        assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    }

    #[test]
    fn block_counts_are_checked() {
        let s = azurerm();
        let src = r#"resource "azurerm_linux_virtual_machine" "vm" {
  name = "vm"
  resource_group_name = "rg"
  location = "westeurope"
  size = "Standard_B1s"
  admin_username = "u"
  network_interface_ids = []
}
resource "azurerm_linux_virtual_machine" "two" {
  name = "vm"
  resource_group_name = "rg"
  location = "westeurope"
  size = "Standard_B1s"
  admin_username = "u"
  network_interface_ids = []
  os_disk {
    caching = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  os_disk {
    caching = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
}
"#;
        let (_, ds) = check(&parse("main.tf", src), Some(&s));
        let got: Vec<_> = summarize(&ds)
            .into_iter()
            .map(|(s, a, _, l)| (s, a, l))
            .collect();
        assert!(
            got.contains(&(
                "Insufficient os_disk blocks".into(),
                "azurerm_linux_virtual_machine.vm".into(),
                1
            )),
            "{got:#?}"
        );
        assert!(
            got.contains(&(
                "Too many os_disk blocks".into(),
                "azurerm_linux_virtual_machine.two".into(),
                20
            )),
            "{got:#?}"
        );
        let ins = ds
            .iter()
            .find(|d| d.summary == "Insufficient os_disk blocks")
            .unwrap();
        assert_eq!(ins.detail, "At least 1 \"os_disk\" blocks are required.");
    }

    #[test]
    fn json_syntax_gives_the_same_diagnostics_as_hcl() {
        let s = azurerm();
        let hcl = r#"resource "azurerm_subnet" "a" {
  name = "a"
  resource_group_name = var.rg
  virtual_network_name = "v"
  address_prefixes = "10.0.0.0/24"
  bogus = true
  delegation {
    name = "d"
    service_delegation { name = "Microsoft.Web/serverFarms" }
    extra = 1
  }
}
"#;
        let json = r#"{"resource": {"azurerm_subnet": {"a": {
  "name": "a",
  "resource_group_name": "${var.rg}",
  "virtual_network_name": "v",
  "address_prefixes": "10.0.0.0/24",
  "bogus": true,
  "delegation": [{"name": "d", "service_delegation": {"name": "Microsoft.Web/serverFarms"}, "extra": 1}]
}}}}"#;
        let key = |ds: Vec<Diagnostic>| -> Vec<_> {
            let mut v: Vec<_> = ds
                .into_iter()
                .map(|d| (d.severity, d.summary, d.address, d.attribute))
                .collect();
            v.sort();
            v
        };
        let (_, from_hcl) = check(&parse("main.tf", hcl), Some(&s));
        let (_, from_json) = check(&parse("main.tf.json", json), Some(&s));
        let (h, j) = (key(from_hcl), key(from_json));
        assert_eq!(h, j);
        let summaries: Vec<&str> = h.iter().map(|x| x.1.as_str()).collect();
        for want in [
            "Reference to undeclared input variable",
            "Incorrect attribute value type",
            "Unsupported argument",
        ] {
            assert!(summaries.contains(&want), "{want} not in {summaries:?}");
        }
        assert_eq!(
            summaries
                .iter()
                .filter(|s| **s == "Unsupported argument")
                .count(),
            2,
            "{h:#?}"
        );
    }

    #[test]
    fn large_configs_have_no_false_positives() {
        let s = azurerm();
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!(
                "resource \"azurerm_subnet\" \"s{i}\" {{\n  name = \"s{i}\"\n  resource_group_name = \"rg\"\n  virtual_network_name = azurerm_subnet.s0.name\n  address_prefixes = [\"10.0.0.0/24\"]\n}}\n"
            ));
        }
        // Speed is measured by `cargo bench --bench pipeline`, not here.
        let c = parse("big.tf", &text);
        let (_, ds) = check(&c, Some(&s));
        assert!(ds.is_empty(), "{:?}", &ds[..ds.len().min(3)]);
    }
}
