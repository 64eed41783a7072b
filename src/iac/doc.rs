//! The Terraform document model that emitters build and renderers print.
//!
//! It holds just what generated configurations need: blocks with labels,
//! ordered attributes, literal values and references. Rendering to HCL or
//! Terraform JSON is left to `iac::render`.

use std::collections::BTreeMap;

/// A value of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A non-integer number.
    Float(f64),
    /// A string literal (no interpolation: `${` is escaped when rendered).
    Str(String),
    /// A list or set literal.
    List(Vec<Value>),
    /// An object or map literal; keys sorted so output is stable.
    Map(BTreeMap<String, Value>),
    /// A reference expression such as `azurerm_subnet.app.id` or `var.x`.
    Ref(String),
    /// A string built from literal parts (`Str`) and references (`Ref`):
    /// `"${azurerm_storage_account.x.primary_dfs_endpoint}synapse"`.
    Interp(Vec<Value>),
    /// A JSON document for a JSON-valued argument (a policy, settings):
    /// `jsonencode({...})` in HCL, the JSON text in Terraform JSON. Boxed:
    /// a JSON map is large and rare, and every value pays for the largest.
    Json(Box<serde_json::Value>),
}

impl Value {
    /// A string literal.
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    /// A reference to `ADDRESS.ATTR`, e.g. `Value::reference("azurerm_subnet.app", "id")`.
    pub fn reference(address: &str, attr: &str) -> Self {
        Value::Ref(format!("{address}.{attr}"))
    }

    /// A list of string literals.
    pub fn str_list<I, S>(items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Value::List(items.into_iter().map(|s| Value::Str(s.into())).collect())
    }

    /// Converts a JSON value: objects become maps, arrays lists.
    pub fn from_json(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The reference targets (`type.name` resource addresses, `var.x`,
    /// `data.t.n`, `local.x`) this value mentions.
    pub fn references(&self, out: &mut Vec<String>) {
        match self {
            Value::Ref(r) => out.push(r.clone()),
            Value::List(items) | Value::Interp(items) => {
                items.iter().for_each(|v| v.references(out))
            }
            Value::Map(m) => m.values().for_each(|v| v.references(out)),
            _ => {}
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

/// The content of a block: attributes in insertion order, then nested blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// `name = value` pairs, in order.
    pub attributes: Vec<(String, Value)>,
    /// Nested blocks, in order.
    pub blocks: Vec<Block>,
}

impl Body {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an attribute (builder style).
    pub fn attr(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.set(name, value);
        self
    }

    /// Adds an attribute when `value` is `Some` (builder style).
    pub fn opt_attr(mut self, name: &str, value: Option<impl Into<Value>>) -> Self {
        if let Some(v) = value {
            self.set(name, v);
        }
        self
    }

    /// Adds a nested block (builder style).
    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// Sets an attribute, replacing an earlier one of the same name.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.attributes.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.attributes.push((name.to_string(), value)),
        }
    }

    /// The value of an attribute, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Removes the attribute or nested blocks at a dotted path such as
    /// `os_disk.disk_size_gb` (block types along the way). Returns true when
    /// something was removed.
    pub fn remove_path(&mut self, path: &str) -> bool {
        match path.split_once('.') {
            None => {
                let before = self.attributes.len() + self.blocks.len();
                self.attributes.retain(|(k, _)| k != path);
                self.blocks.retain(|b| b.ident != path);
                before != self.attributes.len() + self.blocks.len()
            }
            Some((head, rest)) => {
                let mut removed = false;
                for b in self.blocks.iter_mut().filter(|b| b.ident == head) {
                    removed |= b.body.remove_path(rest);
                }
                removed
            }
        }
    }

    /// Replaces the value `from` by `to` in the attribute at a dotted path
    /// (block types along the way), or in its list elements: strings
    /// compared exactly, numbers by value (`to` is written as a number
    /// then). Returns true when something was replaced.
    pub fn replace_value(&mut self, path: &str, from: &str, to: &str) -> bool {
        fn swap(v: &mut Value, from: &str, to: &str) -> bool {
            let num = |s: &str| s.trim().parse::<f64>().ok();
            match v {
                Value::Str(s) if s == from => {
                    *v = Value::Str(to.to_string());
                    true
                }
                Value::Int(_) | Value::Float(_) => {
                    let n = match v {
                        Value::Int(i) => *i as f64,
                        Value::Float(f) => *f,
                        _ => return false,
                    };
                    match (num(from), num(to)) {
                        (Some(f), Some(t)) if f == n => {
                            *v = if t.fract() == 0.0 && t.abs() < 1e15 {
                                Value::Int(t as i64)
                            } else {
                                Value::Float(t)
                            };
                            true
                        }
                        _ => false,
                    }
                }
                Value::List(items) => items
                    .iter_mut()
                    .fold(false, |acc, x| swap(x, from, to) | acc),
                _ => false,
            }
        }
        match path.split_once('.') {
            None => self
                .attributes
                .iter_mut()
                .filter(|(k, _)| k == path)
                .fold(false, |acc, (_, v)| swap(v, from, to) | acc),
            Some((head, rest)) => self
                .blocks
                .iter_mut()
                .filter(|b| b.ident == head)
                .fold(false, |acc, b| b.body.replace_value(rest, from, to) | acc),
        }
    }

    /// Points every reference to `from` (`var.x`, or a resource address
    /// `TYPE.NAME` with or without an attribute after it) at `to` instead,
    /// in this body and its nested blocks.
    pub fn rename_reference(&mut self, from: &str, to: &str) {
        fn value(v: &mut Value, from: &str, to: &str) {
            match v {
                Value::Ref(r) => {
                    if let Some(rest) = r.strip_prefix(from)
                        && (rest.is_empty() || rest.starts_with('.'))
                    {
                        *r = format!("{to}{rest}");
                    }
                }
                Value::List(items) | Value::Interp(items) => {
                    items.iter_mut().for_each(|v| value(v, from, to))
                }
                Value::Map(m) => m.values_mut().for_each(|v| value(v, from, to)),
                _ => {}
            }
        }
        for (_, v) in &mut self.attributes {
            value(v, from, to);
        }
        for b in &mut self.blocks {
            b.body.rename_reference(from, to);
        }
    }

    /// Collects every reference in this body and its nested blocks.
    pub fn references(&self, out: &mut Vec<String>) {
        for (_, v) in &self.attributes {
            v.references(out);
        }
        for b in &self.blocks {
            b.body.references(out);
        }
    }
}

/// A block such as `resource "azurerm_subnet" "app" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Block type: `resource`, `variable`, `provider`, or a nested block name.
    pub ident: String,
    /// Labels, e.g. `["azurerm_subnet", "app"]`.
    pub labels: Vec<String>,
    /// The content.
    pub body: Body,
}

impl Block {
    /// A nested block without labels, e.g. `os_disk { ... }`.
    pub fn nested(ident: &str, body: Body) -> Self {
        Block {
            ident: ident.to_string(),
            labels: Vec::new(),
            body,
        }
    }

    /// A `resource "TYPE" "NAME"` block.
    pub fn resource(resource_type: &str, name: &str, body: Body) -> Self {
        Block {
            ident: "resource".into(),
            labels: vec![resource_type.to_string(), name.to_string()],
            body,
        }
    }

    /// For a resource block, its address `TYPE.NAME`.
    pub fn address(&self) -> Option<String> {
        match (self.ident.as_str(), self.labels.as_slice()) {
            ("resource", [t, n]) => Some(format!("{t}.{n}")),
            ("data", [t, n]) => Some(format!("data.{t}.{n}")),
            _ => None,
        }
    }
}

/// A whole configuration, split into named files (`network.tf`, ...).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// File stem → top-level blocks, in order. Stems sort for stable output.
    pub files: BTreeMap<String, Vec<Block>>,
}

impl Document {
    /// Appends a top-level block to the file with this stem.
    pub fn push(&mut self, stem: &str, block: Block) {
        self.files.entry(stem.to_string()).or_default().push(block);
    }

    /// Iterates over all top-level blocks of all files.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.files.values().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document holds millions of values at 100k resources: a value stays
    /// as small as a string or a list (a large variant is boxed).
    #[test]
    fn a_value_is_as_small_as_a_string() {
        assert!(
            std::mem::size_of::<Value>() <= 32,
            "{}",
            std::mem::size_of::<Value>()
        );
    }

    #[test]
    fn replace_value_fixes_strings_numbers_and_list_elements() {
        let mut b = Body::new()
            .attr("sku_name", "Standard")
            .attr("days", 3i64)
            .attr("methods", Value::str_list(["GET", "Fetch"]))
            .block(Block::nested("acl", Body::new().attr("action", "allow")));
        assert!(b.replace_value("sku_name", "Standard", "standard"));
        assert!(b.replace_value("days", "3", "7"));
        assert!(b.replace_value("methods", "Fetch", "FETCH"));
        assert!(b.replace_value("acl.action", "allow", "Allow"));
        assert!(!b.replace_value("sku_name", "Standard", "standard"));
        assert_eq!(b.get("sku_name"), Some(&Value::str("standard")));
        assert_eq!(b.get("days"), Some(&Value::Int(7)));
        assert_eq!(b.get("methods"), Some(&Value::str_list(["GET", "FETCH"])));
        assert_eq!(b.blocks[0].body.get("action"), Some(&Value::str("Allow")));
    }

    #[test]
    fn remove_path_reaches_into_nested_blocks() {
        let mut b = Body::new().attr("name", "x").block(Block::nested(
            "os_disk",
            Body::new().attr("caching", "ReadWrite").attr("size", 30),
        ));
        assert!(b.remove_path("os_disk.size"));
        assert_eq!(b.blocks[0].body.attributes.len(), 1);
        assert!(!b.remove_path("os_disk.size"));
        assert!(b.remove_path("os_disk"));
        assert!(b.blocks.is_empty());
    }

    #[test]
    fn references_are_collected_from_nested_values() {
        let b = Body::new()
            .attr("subnet_id", Value::reference("azurerm_subnet.a", "id"))
            .block(Block::nested(
                "x",
                Body::new().attr("ids", Value::List(vec![Value::Ref("var.k".into())])),
            ));
        let mut refs = Vec::new();
        b.references(&mut refs);
        assert_eq!(refs, vec!["azurerm_subnet.a.id", "var.k"]);
    }
}
