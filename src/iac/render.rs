//! Renders a `Document` as HCL (`.tf`, via hcl-rs) or Terraform JSON
//! (`.tf.json`, via serde_json).
//!
//! Both forms carry the same configuration. Terraform JSON syntax follows
//! <https://developer.hashicorp.com/terraform/language/syntax/json>: literal
//! strings are templates there, so `${` and `%{` are escaped, references
//! become `"${...}"`, and a few meta-arguments (`depends_on`, variable
//! `type`, `ignore_changes`) take bare expressions as strings. Choosing file
//! names and writing them atomically is left to `iac::generate`.

use super::doc::{Block, Body, Document, Value};
use rayon::prelude::*;
use serde_json::{Map, Value as Json};

/// Output syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// Native HCL, files named `STEM.tf`. The default.
    #[default]
    Hcl,
    /// Terraform JSON, files named `STEM.tf.json`.
    Json,
}

impl Syntax {
    /// File extension without the stem, including the leading dot.
    pub fn extension(self) -> &'static str {
        match self {
            Syntax::Hcl => ".tf",
            Syntax::Json => ".tf.json",
        }
    }
}

/// Renders each file of the document: `(file name, contents)`, in file-name order.
pub fn render(doc: &Document, syntax: Syntax) -> Vec<(String, String)> {
    doc.files
        .par_iter()
        .map(|(stem, blocks)| {
            let text = match syntax {
                Syntax::Hcl => render_hcl(blocks),
                Syntax::Json => render_json(blocks),
            };
            (format!("{stem}{}", syntax.extension()), text)
        })
        .collect()
}

/// Renders blocks as HCL text, blocks separated by a blank line.
///
/// Blocks are formatted in parallel and joined in order.
pub fn render_hcl(blocks: &[Block]) -> String {
    let texts: Vec<String> = blocks
        .par_iter()
        .map(|b| {
            let body = hcl::Body::builder().add_block(hcl_block(b)).build();
            // Formatting an in-memory body to a String cannot fail: the writer
            // is a Vec and every identifier we build is valid.
            hcl::format::to_string(&body).expect("HCL formatting of a generated block")
        })
        .collect();
    let mut out = String::with_capacity(texts.iter().map(|t| t.len() + 1).sum());
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(t);
    }
    out
}

fn hcl_block(b: &Block) -> hcl::Block {
    let mut builder = hcl::Block::builder(b.ident.as_str());
    for l in &b.labels {
        builder = builder.add_label(l.as_str());
    }
    // `x = null` is the same as leaving `x` out in native syntax; the JSON
    // form keeps nulls, which attributes-as-blocks need there.
    for (k, v) in b.body.attributes.iter().filter(|(_, v)| *v != Value::Null) {
        builder = builder.add_attribute(hcl::Attribute::new(k.as_str(), hcl_expr(v)));
    }
    for nested in &b.body.blocks {
        builder = builder.add_block(hcl_block(nested));
    }
    builder.build()
}

fn hcl_expr(v: &Value) -> hcl::Expression {
    match v {
        Value::Null => hcl::Expression::Null,
        Value::Bool(b) => hcl::Expression::Bool(*b),
        Value::Int(i) => hcl::Expression::Number((*i).into()),
        Value::Float(f) => {
            hcl::Number::from_f64(*f).map_or(hcl::Expression::Null, hcl::Expression::Number)
        }
        Value::Str(s) => hcl::Expression::String(s.clone()),
        Value::List(items) => hcl::Expression::Array(items.iter().map(hcl_expr).collect()),
        Value::Map(m) => {
            let mut obj = hcl::Object::new();
            for (k, v) in m {
                let key = if is_plain_key(k) {
                    hcl::ObjectKey::Identifier(hcl::Identifier::unchecked(k.as_str()))
                } else {
                    hcl::ObjectKey::Expression(hcl::Expression::String(k.clone()))
                };
                obj.insert(key, hcl_expr(v));
            }
            hcl::Expression::Object(obj)
        }
        Value::Ref(r) => traversal(r),
        Value::Json(j) => hcl::Expression::FuncCall(Box::new(
            hcl::expr::FuncCall::builder("jsonencode")
                .arg(hcl_expr(&Value::from_json(j)))
                .build(),
        )),
    }
}

/// A reference `a.b.c` as a variable with attribute accesses. Every part is
/// an identifier the generator built, so no parsing is needed.
fn traversal(r: &str) -> hcl::Expression {
    let mut parts = r.split('.');
    let root = hcl::Expression::Variable(hcl::expr::Variable::unchecked(
        parts.next().unwrap_or_default(),
    ));
    let ops: Vec<hcl::expr::TraversalOperator> = parts
        .map(|p| hcl::expr::TraversalOperator::GetAttr(hcl::Identifier::unchecked(p)))
        .collect();
    if ops.is_empty() {
        root
    } else {
        hcl::Expression::Traversal(Box::new(hcl::expr::Traversal::new(root, ops)))
    }
}

/// True for a map key that needs no quotes: letters, digits and `_`,
/// not starting with a digit. Keys with `-` are quoted for readability.
fn is_plain_key(s: &str) -> bool {
    is_identifier(s) && !s.contains('-')
}

/// True for an HCL identifier: a letter or `_`, then letters, digits, `_` or `-`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Renders blocks as one Terraform JSON object, pretty-printed with a final newline.
pub fn render_json(blocks: &[Block]) -> String {
    let mut root = Map::new();
    for b in blocks {
        let body = json_body(&b.body, b.ident == "variable");
        let mut slot = root
            .entry(b.ident.clone())
            .or_insert_with(|| Json::Object(Map::new()));
        for label in &b.labels {
            slot = slot
                .as_object_mut()
                .expect("label levels are objects")
                .entry(label.clone())
                .or_insert_with(|| Json::Object(Map::new()));
        }
        if let Json::Object(target) = slot {
            target.extend(body);
        }
    }
    let mut s =
        serde_json::to_string_pretty(&Json::Object(root)).expect("JSON of a generated document");
    s.push('\n');
    s
}

fn json_body(body: &Body, is_variable: bool) -> Map<String, Json> {
    let mut m = Map::new();
    for (k, v) in &body.attributes {
        let bare = k == "depends_on" || k == "ignore_changes" || (is_variable && k == "type");
        m.insert(k.clone(), json_value(v, bare));
    }
    let mut idents: Vec<&str> = Vec::new();
    for b in &body.blocks {
        if !idents.contains(&b.ident.as_str()) {
            idents.push(&b.ident);
        }
    }
    for ident in idents {
        let items: Vec<Json> = body
            .blocks
            .iter()
            .filter(|b| b.ident == ident)
            .map(|b| Json::Object(json_body(&b.body, false)))
            .collect();
        m.insert(ident.to_string(), Json::Array(items));
    }
    m
}

fn json_value(v: &Value, bare: bool) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(escape_template(s)),
        Value::List(items) => Json::Array(items.iter().map(|i| json_value(i, bare)).collect()),
        Value::Map(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_value(v, bare)))
                .collect(),
        ),
        Value::Ref(r) if bare => Json::String(r.clone()),
        Value::Ref(r) => Json::String(format!("${{{r}}}")),
        Value::Json(j) => Json::String(escape_template(&j.to_string())),
    }
}

/// Escapes template markers so a literal string stays literal in Terraform JSON.
fn escape_template(s: &str) -> String {
    if !s.contains("${") && !s.contains("%{") {
        return s.to_string();
    }
    s.replace("${", "$${").replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Block> {
        vec![
            Block {
                ident: "variable".into(),
                labels: vec!["pw".into()],
                body: Body::new()
                    .attr("type", Value::Ref("string".into()))
                    .attr("sensitive", true),
            },
            Block::resource(
                "azurerm_subnet",
                "app",
                Body::new()
                    .attr("name", "snet-${x}")
                    .attr("description", Value::Null)
                    .attr(
                        "virtual_network_name",
                        Value::reference("azurerm_virtual_network.v", "name"),
                    )
                    .attr(
                        "tags",
                        Value::from_json(&serde_json::json!({"cost-center": "1", "env": "dev"})),
                    )
                    .block(Block::nested("delegation", Body::new().attr("name", "d"))),
            ),
        ]
    }

    #[test]
    fn hcl_keeps_references_bare_and_literals_literal() {
        let text = render_hcl(&sample());
        assert!(
            text.contains("virtual_network_name = azurerm_virtual_network.v.name"),
            "{text}"
        );
        assert!(text.contains("\"snet-$${x}\""), "{text}");
        assert!(text.contains("\"cost-center\" = \"1\""), "{text}");
        assert!(text.contains("delegation {"), "{text}");
        assert!(text.contains("type = string"), "{text}");
        assert!(
            !text.contains("description"),
            "null attributes are left out: {text}"
        );
    }

    #[test]
    fn json_wraps_references_and_escapes_templates() {
        let json: Json = serde_json::from_str(&render_json(&sample())).unwrap();
        let sub = &json["resource"]["azurerm_subnet"]["app"];
        assert_eq!(
            sub["virtual_network_name"],
            "${azurerm_virtual_network.v.name}"
        );
        assert_eq!(sub["name"], "snet-$${x}");
        assert!(sub["description"].is_null() && sub.get("description").is_some());
        assert_eq!(sub["delegation"][0]["name"], "d");
        assert_eq!(json["variable"]["pw"]["type"], "string");
    }
}
