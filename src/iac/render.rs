//! Renders a `Document` as HCL (`.tf`, in `terraform fmt`'s layout) or
//! Terraform JSON (`.tf.json`, via serde_json).
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

/// Renders blocks as HCL text, blocks separated by a blank line, in the
/// layout `terraform fmt` gives (see `write_body`), so the output passes
/// `terraform fmt -check` as written.
///
/// Blocks are formatted in parallel and joined in order.
pub fn render_hcl(blocks: &[Block]) -> String {
    let texts: Vec<String> = blocks
        .par_iter()
        .map(|b| {
            let mut out = String::new();
            write_block(&mut out, b, 0);
            out
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

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// `ident "label" … {`, the body one level in, `}`; `ident {}` when empty.
fn write_block(out: &mut String, b: &Block, level: usize) {
    indent(out, level);
    out.push_str(&b.ident);
    for l in &b.labels {
        out.push(' ');
        write_string(out, l);
    }
    let empty =
        b.body.blocks.is_empty() && b.body.attributes.iter().all(|(_, v)| *v == Value::Null);
    if empty {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    write_body(out, &b.body, level + 1);
    indent(out, level);
    out.push_str("}\n");
}

/// Attributes, then nested blocks (each after a blank line). `terraform fmt`
/// aligns the `=` of consecutive single-line attributes (a multi-line value
/// or a block ends the run; widths count characters), which is done here.
/// `x = null` is the same as leaving `x` out in native syntax, so nulls are
/// not written (the JSON form keeps them: attributes-as-blocks need them).
fn write_body(out: &mut String, body: &Body, level: usize) {
    let attrs: Vec<(&str, String)> = body
        .attributes
        .iter()
        .filter(|(_, v)| *v != Value::Null)
        .map(|(k, v)| (k.as_str(), expr(v, level)))
        .collect();
    write_assignments(out, &attrs, level, |k| k.to_string());
    for (i, nested) in body.blocks.iter().enumerate() {
        if i > 0 || !attrs.is_empty() {
            out.push('\n');
        }
        write_block(out, nested, level);
    }
}

/// `key = value` lines with `=` aligned over each run of single-line values.
fn write_assignments<K>(
    out: &mut String,
    items: &[(K, String)],
    level: usize,
    key: impl Fn(&K) -> String,
) {
    let keys: Vec<String> = items.iter().map(|(k, _)| key(k)).collect();
    let mut i = 0;
    while i < items.len() {
        // The run of single-line values starting at i.
        let mut j = i;
        while j < items.len() && !items[j].1.contains('\n') {
            j += 1;
        }
        let width = keys[i..j]
            .iter()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        for k in i..j {
            indent(out, level);
            out.push_str(&keys[k]);
            for _ in keys[k].chars().count()..width {
                out.push(' ');
            }
            out.push_str(" = ");
            out.push_str(&items[k].1);
            out.push('\n');
        }
        if j < items.len() {
            indent(out, level);
            out.push_str(&keys[j]);
            out.push_str(" = ");
            out.push_str(&items[j].1);
            out.push('\n');
            j += 1;
        }
        i = j;
    }
}

/// A value as an HCL expression; multi-line values (objects, lists of
/// objects, `jsonencode`) are laid out for an attribute at `level`.
fn expr(v: &Value, level: usize) -> String {
    let mut out = String::new();
    write_expr(&mut out, v, level);
    out
}

fn write_expr(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if f.is_finite() => out.push_str(&f.to_string()),
        Value::Float(_) => out.push_str("null"),
        Value::Str(s) => write_string(out, s),
        Value::Ref(r) => write_traversal(out, r),
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|i| expr(i, level + 1)).collect();
            if parts.iter().any(|p| p.contains('\n')) {
                out.push_str("[\n");
                for p in parts {
                    indent(out, level + 1);
                    out.push_str(&p);
                    out.push_str(",\n");
                }
                indent(out, level);
                out.push(']');
            } else {
                out.push('[');
                out.push_str(&parts.join(", "));
                out.push(']');
            }
        }
        Value::Map(m) if m.is_empty() => out.push_str("{}"),
        Value::Map(m) => {
            let items: Vec<(&String, String)> =
                m.iter().map(|(k, v)| (k, expr(v, level + 1))).collect();
            out.push_str("{\n");
            write_assignments(out, &items, level + 1, |k| object_key(k));
            indent(out, level);
            out.push('}');
        }
        Value::Interp(parts) => {
            out.push('"');
            for p in parts {
                match p {
                    Value::Ref(r) => {
                        out.push_str("${");
                        write_traversal(out, r);
                        out.push('}');
                    }
                    Value::Str(s) => {
                        let mut quoted = String::new();
                        write_string(&mut quoted, s);
                        out.push_str(&quoted[1..quoted.len() - 1]);
                    }
                    other => write_expr(out, other, level),
                }
            }
            out.push('"');
        }
        Value::Json(j) => {
            out.push_str("jsonencode(");
            write_expr(out, &Value::from_json(j), level);
            out.push(')');
        }
    }
}

/// An object key: bare when it is a plain identifier, else a string.
fn object_key(k: &str) -> String {
    if is_plain_key(k) {
        k.to_string()
    } else {
        let mut s = String::new();
        write_string(&mut s, k);
        s
    }
}

/// A quoted string literal: `\`, `"` and control characters escaped, and
/// `${` / `%{` doubled so the text stays literal (no interpolation).
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A reference `a.b.c`; a numeric part is an index (`identity.0` → `identity[0]`).
fn write_traversal(out: &mut String, r: &str) {
    for (i, part) in r.split('.').enumerate() {
        if part.chars().all(|c| c.is_ascii_digit()) && i > 0 {
            out.push('[');
            out.push_str(part);
            out.push(']');
        } else {
            if i > 0 {
                out.push('.');
            }
            out.push_str(part);
        }
    }
}

/// True for a map key that needs no quotes: letters, digits and `_`,
/// not starting with a digit. Keys with `-` are quoted for readability, and
/// so are HCL's keywords: a bare `for` opens a `for` expression and
/// `true`/`false`/`null` are literals (HCL native syntax spec, "Collection
/// Values" and "For Expressions").
fn is_plain_key(s: &str) -> bool {
    is_identifier(s)
        && !s.contains('-')
        && !matches!(s, "for" | "if" | "in" | "true" | "false" | "null")
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
        Value::Interp(parts) => Json::String(
            parts
                .iter()
                .map(|p| match p {
                    Value::Ref(r) => format!("${{{r}}}"),
                    Value::Str(s) => escape_template(s),
                    _ => String::new(),
                })
                .collect(),
        ),
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

    /// A map key that is an HCL keyword is quoted: a bare `for` first in a
    /// map would open a `for` expression.
    #[test]
    fn keyword_map_keys_are_quoted() {
        let mut m = std::collections::BTreeMap::new();
        m.insert("for".to_string(), Value::str("team-a"));
        m.insert("owner".to_string(), Value::str("x"));
        let b = Block::resource("t", "n", Body::new().attr("tags", Value::Map(m)));
        let mut out = String::new();
        write_block(&mut out, &b, 0);
        assert!(out.contains("\"for\" = \"team-a\""), "{out}");
        assert!(out.contains("owner = \"x\""), "{out}");
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
        assert!(text.contains("type      = string"), "{text}");
        assert!(
            !text.contains("description"),
            "null attributes are left out: {text}"
        );
    }

    /// Issue 13: the output is laid out as `terraform fmt` lays it out
    /// (`tests/generate_output.rs` runs the real `terraform fmt -check`).
    #[test]
    fn hcl_is_laid_out_as_terraform_fmt_does() {
        let body = Body::new()
            .attr("name", "a\"b\\c\n")
            .attr("kéy", 1)
            .attr(
                "tags",
                Value::from_json(&serde_json::json!({"a-b": "x", "b": "y"})),
            )
            .attr("zones", Value::str_list(["1", "2"]))
            .attr(
                "policy",
                Value::Json(Box::new(
                    serde_json::json!({"Statement": [{"Effect": "Allow"}], "Version": "1"}),
                )),
            )
            .attr(
                "principal_id",
                Value::Ref("azurerm_x.y.identity.0.principal_id".into()),
            )
            .attr("empty", Value::List(vec![]))
            .block(Block::nested("features", Body::new()));
        let text = render_hcl(&[Block::resource("t", "l", body)]);
        assert_eq!(
            text,
            r#"resource "t" "l" {
  name = "a\"b\\c\n"
  kéy  = 1
  tags = {
    "a-b" = "x"
    b     = "y"
  }
  zones = ["1", "2"]
  policy = jsonencode({
    Statement = [
      {
        Effect = "Allow"
      },
    ]
    Version = "1"
  })
  principal_id = azurerm_x.y.identity[0].principal_id
  empty        = []

  features {}
}
"#
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
