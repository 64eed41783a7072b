//! Parses a configuration folder (`*.tf` with hcl-edit, `*.tf.json` in
//! Terraform JSON syntax) into one model with byte spans: resources, data
//! sources, variables, locals, outputs, providers and `terraform` blocks,
//! each body's attributes (literal values and references) and nested blocks.
//! It also maps a source position back to `(resource address, attribute path)`.
//!
//! Checking the model is left to `validate::builtin`; running terraform is
//! left to `validate::terraform`. Syntax errors become `Diagnostic`s here,
//! never panics.

use std::path::Path;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::Structure;
use hcl_edit::template::{Directive, Element, Template};

use super::diagnostic::{
    Diagnostic, Pos, Range, extraneous_property, unsupported_argument, unsupported_block,
};

/// A byte span in one of the configuration's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// Index into `Config::files`.
    pub file: u32,
    /// Start byte, inclusive.
    pub start: usize,
    /// End byte, exclusive.
    pub end: usize,
}

impl Span {
    fn contains(&self, byte: usize) -> bool {
        self.start <= byte && byte < self.end.max(self.start + 1)
    }
}

/// One source file: name relative to the folder, text and line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// File name relative to the configuration folder, e.g. `network.tf`.
    pub name: String,
    /// The text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// The line/column position of a byte offset (clamped to the text).
    pub fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= byte) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..byte)
            .map_or(byte - start, |s| s.chars().count())
            + 1;
        Pos {
            line: line as u32 + 1,
            column: column as u32,
            byte,
        }
    }

    /// The byte offset of a 1-based line and column, if inside the file.
    pub fn byte_of(&self, line: u32, column: u32) -> Option<usize> {
        let start = *self.line_starts.get((line as usize).checked_sub(1)?)?;
        let rest = &self.text[start..];
        let off = rest
            .char_indices()
            .nth((column as usize).saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i);
        Some(start + off)
    }
}

/// A literal value or an expression atg does not evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string without interpolation.
    String(String),
    /// `[a, b]`.
    Tuple(Vec<Expr>),
    /// `{ k = v }`.
    Object(Vec<ObjectItem>),
    /// Anything else (references, function calls, templates...): not evaluated.
    Dynamic,
}

/// One `key = value` of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectItem {
    /// The key.
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Expr,
}

/// An expression: its literal shape, span and the references made directly
/// in it (references inside `Tuple`/`Object` items sit on the items).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Literal shape, or `Dynamic`.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
    /// References made in this node (not in child items).
    pub refs: Vec<Reference>,
}

impl Expr {
    /// Every reference in this expression, including nested items.
    pub fn all_refs(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        out.extend(self.refs.iter());
        match &self.kind {
            ExprKind::Tuple(items) => items.iter().for_each(|e| e.collect_refs(out)),
            ExprKind::Object(items) => items.iter().for_each(|i| i.value.collect_refs(out)),
            _ => {}
        }
    }
}

/// The key of a literal index step: `[0]` or `["k"]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// A number, `[0]` (also the legacy `.0`).
    Number(f64),
    /// A string, `["k"]`.
    String(String),
}

/// One step after the root of a static traversal.
///
/// Like HCL's static traversals, a reference stops at the first index that
/// is not a literal (`[count.index]`) and at a splat (`[*]`, `.*`): what
/// follows is not checked against schemas, as in Terraform.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.name`.
    Attr {
        /// The attribute name.
        name: String,
        /// Where the step is, including its `.`.
        span: Span,
    },
    /// `[key]` with a literal key.
    Index {
        /// The key.
        key: Key,
        /// Where the step is, including its brackets.
        span: Span,
    },
}

impl Step {
    /// The attribute name of an `Attr` step.
    pub fn name(&self) -> Option<&str> {
        match self {
            Step::Attr { name, .. } => Some(name),
            Step::Index { .. } => None,
        }
    }

    /// Where the step is.
    pub fn span(&self) -> Span {
        match self {
            Step::Attr { span, .. } | Step::Index { span, .. } => *span,
        }
    }

    fn set_span(&mut self, at: Span) {
        match self {
            Step::Attr { span, .. } | Step::Index { span, .. } => *span = at,
        }
    }
}

/// A traversal such as `azurerm_subnet.x.id`, `var.x`, `data.t.n.attr`, `count.index`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The root variable: `var`, `local`, `data`, `count`, or a resource type.
    pub root: String,
    /// Where the root is.
    pub root_span: Span,
    /// The static steps after the root.
    pub steps: Vec<Step>,
}

/// What a reference points at.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'a> {
    /// `TYPE.NAME` (managed) or `data.TYPE.NAME`, then an optional instance
    /// key and the remaining steps.
    Resource {
        /// Managed resource or data source.
        mode: ResourceMode,
        /// Resource type.
        type_name: &'a str,
        /// Resource name.
        name: &'a str,
        /// Span of `TYPE.NAME` / `data.TYPE.NAME`, with the key when there is one.
        span: Span,
        /// The instance key right after the name, e.g. `[0]`.
        key: Option<&'a Key>,
        /// The steps after the name and key (`.id`, `.os_disk[0].caching`).
        rest: &'a [Step],
    },
    /// `var.NAME`.
    Variable(&'a str, Span),
    /// `local.NAME`.
    Local(&'a str, Span),
    /// `module.NAME`.
    Module(&'a str, Span),
    /// `count.*`, `each.*`, `self`, `path.*`, `terraform.*`, or an
    /// incomplete reference: not checked.
    Other,
}

impl Reference {
    fn name_at(&self, i: usize) -> Option<&str> {
        self.steps.get(i).and_then(Step::name)
    }

    /// The span of the whole static traversal.
    pub fn span(&self) -> Span {
        self.join(self.steps.len().wrapping_sub(1))
    }

    /// The span from the root to the end of step `upto`.
    fn join(&self, upto: usize) -> Span {
        let end = self
            .steps
            .get(upto)
            .map_or(self.root_span.end, |s| s.span().end);
        Span {
            file: self.root_span.file,
            start: self.root_span.start,
            end,
        }
    }

    /// `TYPE.NAME[KEY]...` where the name is step `name_step`.
    fn resource<'a>(
        &'a self,
        mode: ResourceMode,
        type_name: &'a str,
        name_step: usize,
    ) -> Target<'a> {
        let Some(name) = self.name_at(name_step) else {
            return Target::Other;
        };
        let (key, rest_from) = match self.steps.get(name_step + 1) {
            Some(Step::Index { key, .. }) => (Some(key), name_step + 2),
            _ => (None, name_step + 1),
        };
        Target::Resource {
            mode,
            type_name,
            name,
            span: self.join(rest_from - 1),
            key,
            rest: self.steps.get(rest_from..).unwrap_or_default(),
        }
    }

    /// Classifies the reference the way Terraform does: the roots `var`,
    /// `local`, `data`, `module`, `count`, `each`, `self`, `path` and
    /// `terraform` are special, any other root names a managed resource type.
    pub fn target(&self) -> Target<'_> {
        match self.root.as_str() {
            "var" => self
                .name_at(0)
                .map_or(Target::Other, |n| Target::Variable(n, self.join(0))),
            "local" => self
                .name_at(0)
                .map_or(Target::Other, |n| Target::Local(n, self.join(0))),
            "module" => self
                .name_at(0)
                .map_or(Target::Other, |n| Target::Module(n, self.join(0))),
            "data" => match self.name_at(0) {
                Some(t) => self.resource(ResourceMode::Data, t, 1),
                None => Target::Other,
            },
            "count" | "each" | "self" | "path" | "terraform" => Target::Other,
            root => self.resource(ResourceMode::Managed, root, 0),
        }
    }
}

/// `name = value` in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Argument name.
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// The whole `name = value`.
    pub span: Span,
    /// The value.
    pub expr: Expr,
}

/// A nested block such as `os_disk { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Block type.
    pub ident: String,
    /// Where the block type is.
    pub ident_span: Span,
    /// Labels.
    pub labels: Vec<String>,
    /// The whole block.
    pub span: Span,
    /// The content.
    pub body: Body,
}

/// Block content.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// Arguments, in order.
    pub attributes: Vec<Attribute>,
    /// Nested blocks, in order. In JSON syntax blocks cannot be told from
    /// object-valued arguments without a schema: they stay in `attributes`
    /// and `Body::json_blocks` turns them into blocks on demand.
    pub blocks: Vec<Block>,
    /// The opening `{` (where Terraform reports missing arguments).
    pub open_span: Span,
    /// True for bodies from `.tf.json` files.
    pub json: bool,
}

impl Body {
    /// Reads a JSON-syntax argument as nested blocks: an object is one
    /// block, an array of objects several. `None` when the value is neither.
    pub fn json_blocks(attr: &Attribute) -> Option<Vec<Block>> {
        let one = |e: &Expr| match &e.kind {
            ExprKind::Object(items) => Some(Block {
                ident: attr.name.clone(),
                ident_span: attr.name_span,
                labels: Vec::new(),
                span: e.span,
                body: object_body(items, e.span),
            }),
            _ => None,
        };
        match &attr.expr.kind {
            ExprKind::Object(_) => one(&attr.expr).map(|b| vec![b]),
            ExprKind::Tuple(items) => items.iter().map(one).collect(),
            _ => None,
        }
    }

    /// Every reference in this body and nested blocks, with the dotted
    /// attribute path (block types, then the argument) it sits in.
    pub fn references(&self) -> Vec<(String, &Reference)> {
        let mut out = Vec::new();
        self.collect_refs("", &mut out);
        out
    }

    fn collect_refs<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a Reference)>) {
        for a in &self.attributes {
            let path = join_path(prefix, &a.name);
            for r in a.expr.all_refs() {
                out.push((path.clone(), r));
            }
        }
        for b in &self.blocks {
            b.body.collect_refs(&join_path(prefix, &b.ident), out);
        }
    }
}

fn object_body(items: &[ObjectItem], span: Span) -> Body {
    Body {
        attributes: items
            .iter()
            .map(|i| Attribute {
                name: i.key.clone(),
                name_span: i.key_span,
                span: Span {
                    end: i.value.span.end,
                    ..i.key_span
                },
                expr: i.value.clone(),
            })
            .collect(),
        blocks: Vec::new(),
        open_span: Span {
            end: span.start + 1,
            ..span
        },
        json: true,
    }
}

/// A provider source address with its registry host: `hashicorp/aws` →
/// `registry.terraform.io/hashicorp/aws`; a full address is kept.
pub fn full_provider_address(source: &str) -> String {
    if source.matches('/').count() == 1 {
        format!("registry.terraform.io/{source}")
    } else {
        source.to_string()
    }
}

/// The provider address Terraform assumes for a local name no
/// `required_providers` entry declares: `terraform.io/builtin/terraform`
/// for `terraform`, else `registry.terraform.io/hashicorp/NAME`.
pub fn default_provider_address(local: &str) -> String {
    if local == "terraform" {
        super::schema::BUILTIN_TERRAFORM.to_string()
    } else {
        format!("registry.terraform.io/hashicorp/{local}")
    }
}

/// HCL's summary (and detail, when HCL's wording is known) for an hcl-edit
/// parse error: the common cases get HCL's own summaries, the rest
/// "Invalid HCL syntax" with hcl-edit's message.
fn hcl_syntax_error(message: &str, at_end: bool) -> (&'static str, Option<String>) {
    if message.starts_with("invalid expression") {
        (
            "Invalid expression",
            Some(
                "Expected the start of an expression, but found an invalid expression token."
                    .into(),
            ),
        )
    } else if at_end
        && (message.starts_with("invalid block body") || message.contains("expected `}`"))
    {
        (
            "Unclosed configuration block",
            Some("There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.".into()),
        )
    } else if message == "expected `{`" {
        (
            "Invalid block definition",
            Some("A block definition must have block content delimited by \"{\" and \"}\", starting on the same line as the block header.".into()),
        )
    } else {
        ("Invalid HCL syntax", None)
    }
}

/// HCL's summary and detail for a JSON syntax error serde_json found at
/// `byte`: HCL's wording for a trailing comma, "Invalid JSON syntax" with
/// serde_json's message otherwise.
fn json_syntax_error(e: &serde_json::Error, text: &str, byte: usize) -> (&'static str, String) {
    if e.to_string().starts_with("trailing comma") {
        let next = text.get(byte.saturating_sub(1)..).and_then(|t| {
            t.trim_start_matches(|c: char| c == ',' || c.is_whitespace())
                .chars()
                .next()
        });
        match next {
            Some('}') => {
                return (
                    "Trailing comma in object",
                    "JSON does not permit a trailing comma after the final property in an object."
                        .into(),
                );
            }
            Some(']') => {
                return (
                    "Trailing comma in array",
                    "JSON does not permit a trailing comma after the final value in an array."
                        .into(),
                );
            }
            _ => {}
        }
    }
    ("Invalid JSON syntax", format!("{e}."))
}

/// HCL's summary and detail for a block with the wrong number of labels.
fn label_count_error(ident: &str, names: &[&str], got: usize) -> (String, String) {
    if got > names.len() {
        let detail = if names.is_empty() {
            format!("No labels are expected for {ident} blocks.")
        } else {
            format!(
                "Only {} labels ({}) are expected for {ident} blocks.",
                names.len(),
                names.join(", ")
            )
        };
        (format!("Extraneous label for {ident}"), detail)
    } else {
        (
            format!("Missing {} for {ident}", names[got]),
            format!(
                "All {ident} blocks must have {} labels ({}).",
                names.len(),
                names.join(", ")
            ),
        )
    }
}

/// `a` + `b` → `a.b`; empty prefix gives `b`.
pub fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceMode {
    /// `resource "T" "N"`.
    Managed,
    /// `data "T" "N"`.
    Data,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Managed or data.
    pub mode: ResourceMode,
    /// Resource type, e.g. `azurerm_subnet`.
    pub type_name: String,
    /// Resource name.
    pub name: String,
    /// The header `resource "T" "N"` (Terraform's declaration range; in
    /// JSON syntax the body's opening brace).
    pub decl_span: Span,
    /// The type label (or, in JSON syntax, the type's property name).
    pub type_span: Span,
    /// The whole block.
    pub span: Span,
    /// The content.
    pub body: Body,
}

impl Resource {
    /// The meta-argument `name` (`count`, `for_each`, `depends_on`, `provider`), if set.
    pub fn meta(&self, name: &str) -> Option<&Attribute> {
        self.body.attributes.iter().find(|a| a.name == name)
    }

    /// `T.N` or `data.T.N`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

/// A named top-level block: `variable`, `output`, `provider`, `module`, or one local value.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// The name (label, or the local's name).
    pub name: String,
    /// The declaration range (header, or the local's name).
    pub decl_span: Span,
    /// The content (for a local: one attribute holding its value).
    pub body: Body,
}

/// A parsed configuration folder.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Source files, in name order.
    pub files: Vec<SourceFile>,
    /// `resource` and `data` blocks, in file then source order.
    pub resources: Vec<Resource>,
    /// `variable` blocks.
    pub variables: Vec<Named>,
    /// Local values (one per name).
    pub locals: Vec<Named>,
    /// `output` blocks.
    pub outputs: Vec<Named>,
    /// `provider` blocks.
    pub providers: Vec<Named>,
    /// `module` blocks.
    pub modules: Vec<Named>,
    /// `terraform` blocks.
    pub terraform: Vec<Body>,
    /// Errors Terraform finds while loading the configuration, before it
    /// validates anything: syntax errors, unknown top-level blocks and
    /// properties, wrong label counts.
    pub diagnostics: Vec<Diagnostic>,
}

/// Top-level block types of the Terraform language and their label names
/// (from Terraform's `configs` package file schema).
const TOP_LEVEL_BLOCKS: &[(&str, &[&str])] = &[
    ("terraform", &[]),
    ("provider", &["name"]),
    ("variable", &["name"]),
    ("locals", &[]),
    ("output", &["name"]),
    ("module", &["name"]),
    ("resource", &["type", "name"]),
    ("data", &["type", "name"]),
    ("ephemeral", &["type", "name"]),
    ("moved", &[]),
    ("import", &[]),
    ("check", &["name"]),
    ("removed", &[]),
];

/// True for the file names this module parses: `*.tf` and `*.tf.json`.
pub fn is_config_file(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

impl Config {
    /// Parses every `*.tf` and `*.tf.json` in `dir` (not recursing), in name order.
    ///
    /// Errors: I/O errors reading the folder or a file. Syntax errors are
    /// not errors here: they land in `diagnostics`.
    pub fn parse_dir(dir: &Path) -> std::io::Result<Config> {
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_config_file(n))
            .collect();
        names.sort();
        let mut texts = Vec::with_capacity(names.len());
        for n in names {
            let text = std::fs::read_to_string(dir.join(&n))?;
            texts.push((n, text));
        }
        // Files parse independently, one thread each; the parts are joined in
        // name order, so the result does not depend on scheduling.
        let parts: Vec<Config> = std::thread::scope(|scope| {
            let handles: Vec<_> = texts
                .into_iter()
                .enumerate()
                .map(|(i, (n, t))| scope.spawn(move || Config::parse_file(i as u32, n, t)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a parser thread panicked"))
                .collect()
        });
        let mut cfg = Config::default();
        for mut p in parts {
            cfg.files
                .push(p.files.pop().expect("each part holds its own file last"));
            cfg.resources.append(&mut p.resources);
            cfg.variables.append(&mut p.variables);
            cfg.locals.append(&mut p.locals);
            cfg.outputs.append(&mut p.outputs);
            cfg.providers.append(&mut p.providers);
            cfg.modules.append(&mut p.modules);
            cfg.terraform.append(&mut p.terraform);
            cfg.diagnostics.append(&mut p.diagnostics);
        }
        cfg.finish();
        Ok(cfg)
    }

    /// Parses one file as file number `index` of a folder: the part holds
    /// empty placeholders before its own file, so spans carry the folder-wide
    /// file number and ranges resolve while parsing.
    fn parse_file(index: u32, name: String, text: String) -> Config {
        let mut part = Config {
            files: (0..index)
                .map(|_| SourceFile::new(String::new(), String::new()))
                .collect(),
            ..Config::default()
        };
        part.add_file(name, text);
        part
    }

    /// Parses one file's text into this configuration; the syntax is chosen by the name.
    pub fn add_file(&mut self, name: String, text: String) {
        let file = self.files.len() as u32;
        self.files.push(SourceFile::new(name.clone(), text));
        let text = self.files[file as usize].text.clone();
        if name.ends_with(".json") {
            self.add_json(file, &text);
        } else {
            self.add_hcl(file, &text);
        }
    }

    /// The source text of a span.
    pub fn text(&self, span: Span) -> &str {
        self.files[span.file as usize]
            .text
            .get(span.start..span.end)
            .unwrap_or_default()
    }

    /// The `Range` (file name, line/column) of a span.
    pub fn range(&self, span: Span) -> Range {
        let f = &self.files[span.file as usize];
        Range {
            filename: f.name.clone(),
            start: f.pos(span.start),
            end: f.pos(span.end),
        }
    }

    /// The index of the file with this name (as Terraform reports it, the
    /// folder prefix is ignored).
    pub fn file_index(&self, filename: &str) -> Option<u32> {
        let base = Path::new(filename)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(filename);
        self.files
            .iter()
            .position(|f| f.name == filename || f.name == base)
            .map(|i| i as u32)
    }

    /// Maps a position to `(resource address, dotted attribute path)`: the
    /// resource whose block contains the byte, and the innermost argument or
    /// nested block containing it (`None` when on the header).
    pub fn locate(&self, filename: &str, byte: usize) -> Option<(String, Option<String>)> {
        let file = self.file_index(filename)?;
        // Resources are stored in file then source order, so a binary search finds the candidate.
        let idx = self
            .resources
            .partition_point(|r| (r.span.file, r.span.start) <= (file, byte));
        let r = self.resources.get(idx.checked_sub(1)?)?;
        if r.span.file != file || !r.span.contains(byte) {
            return None;
        }
        Some((r.address(), locate_in_body(&r.body, byte, "")))
    }

    /// `locate` by 1-based line and column.
    pub fn locate_line(
        &self,
        filename: &str,
        line: u32,
        column: u32,
    ) -> Option<(String, Option<String>)> {
        let f = &self.files[self.file_index(filename)? as usize];
        self.locate(filename, f.byte_of(line, column)?)
    }

    fn syntax_error(&mut self, file: u32, byte: usize, summary: &str, detail: String) {
        let span = Span {
            file,
            start: byte,
            end: byte + 1,
        };
        let mut d = Diagnostic::error(summary, detail);
        d.range = Some(self.range(span));
        self.diagnostics.push(d);
    }

    // ---- HCL ----

    fn add_hcl(&mut self, file: u32, text: &str) {
        let body = match hcl_edit::parser::parse_body(text) {
            Ok(b) => b,
            Err(e) => {
                let loc = e.location();
                let byte = loc.offset().min(text.len());
                let at_end = text[byte..].trim().is_empty();
                let (summary, detail) = hcl_syntax_error(e.message(), at_end);
                let detail = detail.unwrap_or_else(|| {
                    format!(
                        "{} (line {}, column {}).",
                        e.message(),
                        loc.line(),
                        loc.column()
                    )
                });
                self.syntax_error(file, byte, summary, detail);
                return;
            }
        };
        let mut hcl = Hcl { file, text };
        for s in body.iter() {
            let b = match s {
                Structure::Block(b) => b,
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    let span = hcl.span(a.key.span());
                    self.load_error(span, "Unsupported argument", unsupported_argument(name, []));
                    continue;
                }
            };
            let ident = b.ident.as_str();
            let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
            let span = hcl.span(b.span());
            let ident_span = hcl.span(b.ident.span());
            let Some((_, label_names)) = TOP_LEVEL_BLOCKS.iter().find(|(k, _)| *k == ident) else {
                let names: Vec<&str> = TOP_LEVEL_BLOCKS.iter().map(|(k, _)| *k).collect();
                self.load_error(
                    ident_span,
                    "Unsupported block type",
                    unsupported_block(ident, names),
                );
                continue;
            };
            if labels.len() != label_names.len() {
                let (summary, detail) = label_count_error(ident, label_names, labels.len());
                let at = b
                    .labels
                    .get(label_names.len())
                    .and_then(|l| l.span())
                    .map_or(ident_span, |r| hcl.span(Some(r)));
                self.load_error(at, &summary, detail);
                continue;
            }
            let head_end = b
                .labels
                .last()
                .and_then(|l| l.span())
                .map_or(ident_span.end, |r| r.end);
            let decl_span = Span {
                file,
                start: span.start,
                end: head_end,
            };
            let body = hcl.body(&b.body, head_end, &mut Vec::new());
            match (ident, labels.as_slice()) {
                (kind @ ("resource" | "data"), [t, n]) => self.resources.push(Resource {
                    mode: if kind == "data" {
                        ResourceMode::Data
                    } else {
                        ResourceMode::Managed
                    },
                    type_name: t.clone(),
                    name: n.clone(),
                    decl_span,
                    type_span: hcl.span(b.labels[0].span()),
                    span,
                    body,
                }),
                ("locals", []) => {
                    for a in body.attributes {
                        self.locals.push(Named {
                            name: a.name.clone(),
                            decl_span: a.span,
                            body: Body {
                                attributes: vec![a],
                                ..Body::default()
                            },
                        });
                    }
                }
                ("terraform", []) => self.terraform.push(body),
                (kind @ ("variable" | "output" | "provider" | "module"), [name]) => {
                    let n = Named {
                        name: name.clone(),
                        decl_span,
                        body,
                    };
                    match kind {
                        "variable" => self.variables.push(n),
                        "output" => self.outputs.push(n),
                        "provider" => self.providers.push(n),
                        _ => self.modules.push(n),
                    }
                }
                _ => {}
            }
        }
    }

    fn load_error(&mut self, span: Span, summary: &str, detail: String) {
        let mut d = Diagnostic::error(summary, detail);
        d.range = Some(self.range(span));
        self.diagnostics.push(d);
    }

    // ---- JSON ----

    fn add_json(&mut self, file: u32, text: &str) {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            let byte = SourceFile::new(String::new(), text.to_string())
                .byte_of(e.line() as u32, e.column() as u32)
                .unwrap_or(0);
            let (summary, detail) = json_syntax_error(&e, text, byte);
            self.syntax_error(file, byte, summary, detail);
            return;
        }
        let Some(root) = JsonParser {
            s: text.as_bytes(),
            i: 0,
            file,
        }
        .value() else {
            return;
        };
        let mut j = Json {
            file,
            scope: Vec::new(),
            diags: Vec::new(),
        };
        for (key, kspan, v) in j_object_items(&root) {
            match key.as_str() {
                kind @ ("resource" | "data") => {
                    for (t, tspan, by_name) in j_object_items(v) {
                        for (n, _, b) in j_object_items(by_name) {
                            for b in j_each(b) {
                                let body = j.body(b, &[]);
                                self.resources.push(Resource {
                                    mode: if kind == "data" {
                                        ResourceMode::Data
                                    } else {
                                        ResourceMode::Managed
                                    },
                                    type_name: t.clone(),
                                    name: n.clone(),
                                    decl_span: body.open_span,
                                    type_span: *tspan,
                                    span: b.span,
                                    body,
                                });
                            }
                        }
                    }
                }
                "locals" => {
                    for obj in j_each(v) {
                        let body = j.body(obj, &[]);
                        for a in body.attributes {
                            self.locals.push(Named {
                                name: a.name.clone(),
                                decl_span: a.span,
                                body: Body {
                                    attributes: vec![a],
                                    json: true,
                                    ..Body::default()
                                },
                            });
                        }
                    }
                }
                "terraform" => {
                    for obj in j_each(v) {
                        let b = j.body(obj, &[]);
                        self.terraform.push(b);
                    }
                }
                kind @ ("variable" | "output" | "provider" | "module") => {
                    for (name, _, b) in j_object_items(v) {
                        for b in j_each(b) {
                            // Variable `type` and similar take bare expressions: no references to check.
                            let skip: &[&str] = if kind == "variable" {
                                &["type", "validation"]
                            } else {
                                &[]
                            };
                            let body = j.body(b, skip);
                            let n = Named {
                                name: name.clone(),
                                decl_span: body.open_span,
                                body,
                            };
                            match kind {
                                "variable" => self.variables.push(n),
                                "output" => self.outputs.push(n),
                                "provider" => self.providers.push(n),
                                _ => self.modules.push(n),
                            }
                        }
                    }
                }
                "//" => {}
                other if TOP_LEVEL_BLOCKS.iter().any(|(k, _)| *k == other) => {}
                other => {
                    let names: Vec<&str> = TOP_LEVEL_BLOCKS.iter().map(|(k, _)| *k).collect();
                    let detail = extraneous_property(other, names);
                    self.load_error(*kspan, "Extraneous JSON object property", detail);
                }
            }
        }
        let diags = std::mem::take(&mut j.diags);
        for (span, msg) in diags {
            let mut d = Diagnostic::error("Invalid expression", msg);
            d.range = Some(self.range(span));
            self.diagnostics.push(d);
        }
    }

    /// Provider local name → source address, from every
    /// `terraform { required_providers { NAME = { source = "..." } } }`
    /// (HCL and JSON syntax), with the registry host added to short sources
    /// (`hashicorp/aws` → `registry.terraform.io/hashicorp/aws`).
    pub fn provider_sources(&self) -> std::collections::HashMap<String, String> {
        let mut out = std::collections::HashMap::new();
        for t in &self.terraform {
            let mut entries: Vec<&Attribute> = Vec::new();
            for rp in t.blocks.iter().filter(|b| b.ident == "required_providers") {
                entries.extend(&rp.body.attributes);
            }
            let json_blocks: Vec<Block> = t
                .attributes
                .iter()
                .filter(|a| t.json && a.name == "required_providers")
                .filter_map(Body::json_blocks)
                .flatten()
                .collect();
            for b in &json_blocks {
                entries.extend(&b.body.attributes);
            }
            for a in entries {
                let ExprKind::Object(items) = &a.expr.kind else {
                    continue;
                };
                let source =
                    items
                        .iter()
                        .find(|i| i.key == "source")
                        .and_then(|i| match &i.value.kind {
                            ExprKind::String(s) => Some(s.as_str()),
                            _ => None,
                        });
                if let Some(s) = source {
                    out.insert(a.name.clone(), full_provider_address(s));
                }
            }
        }
        out
    }

    /// Sorts resources by (file, start) so `locate` can binary-search.
    pub(crate) fn finish(&mut self) {
        self.resources.sort_by_key(|r| (r.span.file, r.span.start));
    }
}

fn locate_in_body(body: &Body, byte: usize, prefix: &str) -> Option<String> {
    for a in &body.attributes {
        if a.span.contains(byte) {
            if body.json
                && let Some(blocks) = Body::json_blocks(a)
            {
                let p = join_path(prefix, &a.name);
                if let Some(b) = blocks.iter().find(|b| b.span.contains(byte)) {
                    return Some(locate_in_body(&b.body, byte, &p).unwrap_or(p));
                }
            }
            return Some(join_path(prefix, &a.name));
        }
    }
    for b in &body.blocks {
        if b.span.contains(byte) {
            let p = join_path(prefix, &b.ident);
            return Some(locate_in_body(&b.body, byte, &p).unwrap_or(p));
        }
    }
    None
}

struct Hcl<'a> {
    file: u32,
    text: &'a str,
}

impl Hcl<'_> {
    fn span(&self, r: Option<std::ops::Range<usize>>) -> Span {
        let r = r.unwrap_or(0..0);
        Span {
            file: self.file,
            start: r.start,
            end: r.end,
        }
    }

    fn body(
        &mut self,
        body: &hcl_edit::structure::Body,
        head_end: usize,
        scope: &mut Vec<String>,
    ) -> Body {
        let open = self
            .text
            .get(head_end..)
            .and_then(|t| t.find('{'))
            .map_or(head_end, |i| head_end + i);
        let mut out = Body {
            open_span: Span {
                file: self.file,
                start: open,
                end: open + 1,
            },
            ..Body::default()
        };
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => out.attributes.push(Attribute {
                    name: a.key.as_str().to_string(),
                    name_span: self.span(a.key.span()),
                    span: self.span(a.span()),
                    expr: self.expr(&a.value, scope),
                }),
                Structure::Block(b) => {
                    let labels: Vec<String> =
                        b.labels.iter().map(|l| l.as_str().to_string()).collect();
                    let ident_span = self.span(b.ident.span());
                    let head_end = b
                        .labels
                        .last()
                        .and_then(|l| l.span())
                        .map_or(ident_span.end, |r| r.end);
                    // `dynamic "x" { content { ... x.value ... } }`: the iterator is in scope.
                    let pushed = if b.ident.as_str() == "dynamic" {
                        let iter = b
                            .body
                            .get_attribute("iterator")
                            .and_then(|a| match &a.value {
                                Expression::Variable(v) => Some(v.as_str().to_string()),
                                _ => None,
                            })
                            .or_else(|| labels.first().cloned());
                        iter.map(|i| scope.push(i)).is_some()
                    } else {
                        false
                    };
                    let body = self.body(&b.body, head_end, scope);
                    if pushed {
                        scope.pop();
                    }
                    out.blocks.push(Block {
                        ident: b.ident.as_str().to_string(),
                        ident_span,
                        labels,
                        span: self.span(b.span()),
                        body,
                    });
                }
            }
        }
        out
    }

    fn expr(&self, e: &Expression, scope: &mut Vec<String>) -> Expr {
        let span = self.span(e.span());
        let lit = |kind| Expr {
            kind,
            span,
            refs: Vec::new(),
        };
        match e {
            Expression::Null(_) => lit(ExprKind::Null),
            Expression::Bool(b) => lit(ExprKind::Bool(*b.value())),
            Expression::Number(n) => lit(n
                .value()
                .as_f64()
                .map_or(ExprKind::Dynamic, ExprKind::Number)),
            Expression::String(s) => lit(ExprKind::String(s.value().clone())),
            Expression::Array(a) => lit(ExprKind::Tuple(
                a.iter().map(|x| self.expr(x, scope)).collect(),
            )),
            Expression::Object(o) => {
                let mut items = Vec::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                        ObjectKey::Expression(Expression::String(s)) => Some(s.value().clone()),
                        ObjectKey::Expression(_) => None,
                    };
                    match key {
                        Some(key) => items.push(ObjectItem {
                            key,
                            key_span: self.span(k.span()),
                            value: self.expr(v.expr(), scope),
                        }),
                        None => return self.dynamic(e, scope),
                    }
                }
                lit(ExprKind::Object(items))
            }
            Expression::StringTemplate(t) => {
                let mut s = String::new();
                for el in t.iter() {
                    match el {
                        Element::Literal(l) => s.push_str(l.value()),
                        _ => return self.dynamic(e, scope),
                    }
                }
                lit(ExprKind::String(s))
            }
            Expression::Parenthesis(p) => {
                let mut inner = self.expr(p.inner(), scope);
                inner.span = span;
                inner
            }
            _ => self.dynamic(e, scope),
        }
    }

    fn dynamic(&self, e: &Expression, scope: &mut Vec<String>) -> Expr {
        let mut refs = Vec::new();
        self.walk(e, scope, &mut refs);
        Expr {
            kind: ExprKind::Dynamic,
            span: self.span(e.span()),
            refs,
        }
    }

    fn walk(&self, e: &Expression, scope: &mut Vec<String>, out: &mut Vec<Reference>) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(a) => a.iter().for_each(|x| self.walk(x, scope, out)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let ObjectKey::Expression(k) = k {
                        self.walk(k, scope, out);
                    }
                    self.walk(v.expr(), scope, out);
                }
            }
            Expression::StringTemplate(t) => self.walk_template(t.iter(), scope, out),
            Expression::HeredocTemplate(h) => self.walk_template(h.template.iter(), scope, out),
            Expression::Parenthesis(p) => self.walk(p.inner(), scope, out),
            Expression::Variable(v) => {
                if !scope.iter().any(|s| s == v.as_str()) {
                    out.push(Reference {
                        root: v.as_str().to_string(),
                        root_span: self.span(v.span()),
                        steps: Vec::new(),
                    });
                }
            }
            Expression::Conditional(c) => {
                self.walk(&c.cond_expr, scope, out);
                self.walk(&c.true_expr, scope, out);
                self.walk(&c.false_expr, scope, out);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|a| self.walk(a, scope, out)),
            Expression::Traversal(t) => {
                match &t.expr {
                    Expression::Variable(v) if !scope.iter().any(|s| s == v.as_str()) => {
                        let steps = self.static_steps(&t.operators);
                        out.push(Reference {
                            root: v.as_str().to_string(),
                            root_span: self.span(v.span()),
                            steps,
                        });
                    }
                    Expression::Variable(_) => {}
                    other => self.walk(other, scope, out),
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(ix) = op.value() {
                        self.walk(ix, scope, out);
                    }
                }
            }
            Expression::UnaryOp(u) => self.walk(&u.expr, scope, out),
            Expression::BinaryOp(b) => {
                self.walk(&b.lhs_expr, scope, out);
                self.walk(&b.rhs_expr, scope, out);
            }
            Expression::ForExpr(f) => {
                self.walk(&f.intro.collection_expr, scope, out);
                let n = scope.len();
                if let Some(k) = &f.intro.key_var {
                    scope.push(k.as_str().to_string());
                }
                scope.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.walk(k, scope, out);
                }
                self.walk(&f.value_expr, scope, out);
                if let Some(c) = &f.cond {
                    self.walk(&c.expr, scope, out);
                }
                scope.truncate(n);
            }
        }
    }

    /// The static part of a traversal: attribute steps and literal indexes,
    /// up to the first computed index or splat.
    fn static_steps(&self, ops: &[hcl_edit::Decorated<TraversalOperator>]) -> Vec<Step> {
        let mut steps = Vec::with_capacity(ops.len());
        for op in ops {
            let span = self.span(op.span());
            let step = match op.value() {
                TraversalOperator::GetAttr(i) => Step::Attr {
                    name: i.as_str().to_string(),
                    span,
                },
                TraversalOperator::LegacyIndex(n) => Step::Index {
                    key: Key::Number(*n.value() as f64),
                    span,
                },
                TraversalOperator::Index(Expression::Number(n)) => match n.value().as_f64() {
                    Some(x) => Step::Index {
                        key: Key::Number(x),
                        span,
                    },
                    None => break,
                },
                TraversalOperator::Index(Expression::String(k)) => Step::Index {
                    key: Key::String(k.value().clone()),
                    span,
                },
                _ => break,
            };
            steps.push(step);
        }
        steps
    }

    fn walk_template<'t>(
        &self,
        els: impl Iterator<Item = &'t Element>,
        scope: &mut Vec<String>,
        out: &mut Vec<Reference>,
    ) {
        for el in els {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.walk(&i.expr, scope, out),
                Element::Directive(d) => match &**d {
                    Directive::If(i) => {
                        self.walk(&i.if_expr.cond_expr, scope, out);
                        self.walk_template(i.if_expr.template.iter(), scope, out);
                        if let Some(e) = &i.else_expr {
                            self.walk_template(e.template.iter(), scope, out);
                        }
                    }
                    Directive::For(f) => {
                        self.walk(&f.for_expr.collection_expr, scope, out);
                        let n = scope.len();
                        if let Some(k) = &f.for_expr.key_var {
                            scope.push(k.as_str().to_string());
                        }
                        scope.push(f.for_expr.value_var.as_str().to_string());
                        self.walk_template(f.for_expr.template.iter(), scope, out);
                        scope.truncate(n);
                    }
                },
            }
        }
    }
}

// ---- Terraform JSON syntax ----

/// A JSON value with its byte span (the syntax was already checked by serde_json).
#[derive(Debug)]
enum JVal {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<JNode>),
    Obj(Vec<(String, Span, JNode)>),
}

#[derive(Debug)]
struct JNode {
    val: JVal,
    span: Span,
}

fn j_object_items(n: &JNode) -> Vec<&(String, Span, JNode)> {
    match &n.val {
        JVal::Obj(items) => items.iter().collect(),
        JVal::Arr(a) => a.iter().flat_map(j_object_items).collect(),
        _ => Vec::new(),
    }
}

fn j_each(n: &JNode) -> Vec<&JNode> {
    match &n.val {
        JVal::Arr(a) => a.iter().collect(),
        _ => vec![n],
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    file: u32,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<JNode> {
        self.ws();
        let start = self.i;
        let val = match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        break;
                    }
                    let kstart = self.i;
                    let key = self.string()?;
                    let kspan = Span {
                        file: self.file,
                        start: kstart,
                        end: self.i,
                    };
                    self.ws();
                    self.i += 1; // ':'
                    let v = self.value()?;
                    items.push((key, kspan, v));
                    self.ws();
                    if self.s.get(self.i) == Some(&b',') {
                        self.i += 1;
                    }
                }
                JVal::Obj(items)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.s.get(self.i) == Some(&b']') {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value()?);
                    self.ws();
                    if self.s.get(self.i) == Some(&b',') {
                        self.i += 1;
                    }
                }
                JVal::Arr(items)
            }
            b'"' => JVal::Str(self.string()?),
            b't' => {
                self.i += 4;
                JVal::Bool(true)
            }
            b'f' => {
                self.i += 5;
                JVal::Bool(false)
            }
            b'n' => {
                self.i += 4;
                JVal::Null
            }
            _ => {
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                JVal::Num(
                    std::str::from_utf8(&self.s[start..self.i])
                        .ok()?
                        .parse()
                        .ok()?,
                )
            }
        };
        Some(JNode {
            val,
            span: Span {
                file: self.file,
                start,
                end: self.i,
            },
        })
    }

    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.i += 1;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return serde_json::from_slice(&self.s[start..self.i]).ok();
                }
                _ => self.i += 1,
            }
        }
        None
    }
}

struct Json {
    file: u32,
    /// Names in scope: the iterators of enclosing JSON `dynamic` blocks.
    scope: Vec<String>,
    diags: Vec<(Span, String)>,
}

impl Json {
    fn body(&mut self, n: &JNode, skip: &[&str]) -> Body {
        let mut out = Body {
            open_span: Span {
                end: n.span.start + 1,
                ..n.span
            },
            json: true,
            ..Body::default()
        };
        for (k, kspan, v) in j_object_items(n) {
            if k == "//" {
                continue; // comments
            }
            let expr = if skip.contains(&k.as_str()) {
                Expr {
                    kind: ExprKind::Dynamic,
                    span: v.span,
                    refs: Vec::new(),
                }
            } else if k == "depends_on" || k == "ignore_changes" || k == "replace_triggered_by" {
                self.bare_exprs(v)
            } else if k == "dynamic" {
                self.dynamic(v)
            } else if k == "lifecycle" {
                self.lifecycle(v)
            } else {
                self.expr(v)
            };
            out.attributes.push(Attribute {
                name: k.clone(),
                name_span: *kspan,
                span: Span {
                    end: v.span.end,
                    ..*kspan
                },
                expr,
            });
        }
        out
    }

    /// `"dynamic": {"LABEL": {"for_each": ..., "iterator": ..., "content": {...}}}`:
    /// inside each label's object, the iterator (`iterator`, else the label)
    /// is a local name, not a reference.
    fn dynamic(&mut self, n: &JNode) -> Expr {
        let JVal::Obj(labels) = &n.val else {
            return self.expr(n);
        };
        let mut items = Vec::with_capacity(labels.len());
        for (label, lspan, v) in labels {
            let iterator = j_object_items(v)
                .into_iter()
                .find(|(k, _, _)| k == "iterator")
                .and_then(|(_, _, it)| match &it.val {
                    JVal::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| label.clone());
            self.scope.push(iterator);
            let value = self.expr(v);
            self.scope.pop();
            items.push(ObjectItem {
                key: label.clone(),
                key_span: *lspan,
                value,
            });
        }
        Expr {
            kind: ExprKind::Object(items),
            span: n.span,
            refs: Vec::new(),
        }
    }

    /// `"lifecycle": {...}` (or a list of them): `ignore_changes` and
    /// `replace_triggered_by` hold bare expressions, the rest are values.
    fn lifecycle(&mut self, n: &JNode) -> Expr {
        let one = |j: &mut Self, o: &JNode| match &o.val {
            JVal::Obj(items) => Expr {
                kind: ExprKind::Object(
                    items
                        .iter()
                        .map(|(k, ks, v)| ObjectItem {
                            key: k.clone(),
                            key_span: *ks,
                            value: if k == "ignore_changes" || k == "replace_triggered_by" {
                                j.bare_exprs(v)
                            } else {
                                j.expr(v)
                            },
                        })
                        .collect(),
                ),
                span: o.span,
                refs: Vec::new(),
            },
            _ => j.expr(o),
        };
        match &n.val {
            JVal::Arr(items) => Expr {
                kind: ExprKind::Tuple(items.iter().map(|o| one(self, o)).collect()),
                span: n.span,
                refs: Vec::new(),
            },
            _ => one(self, n),
        }
    }

    /// `depends_on` and friends: each string is a bare expression.
    fn bare_exprs(&mut self, n: &JNode) -> Expr {
        let mut refs = Vec::new();
        let strings: Vec<&JNode> = match &n.val {
            JVal::Arr(a) => a.iter().collect(),
            _ => vec![n],
        };
        for s in strings {
            if let JVal::Str(text) = &s.val {
                match hcl_edit::parser::parse_expr(text) {
                    Ok(e) => self.refs_at(&e, s.span, &mut refs),
                    Err(e) => self.diags.push((s.span, format!("{}.", e.message()))),
                }
            }
        }
        Expr {
            kind: ExprKind::Dynamic,
            span: n.span,
            refs,
        }
    }

    /// References of an expression parsed from a JSON string, all placed at the string's span.
    fn refs_at(&self, e: &Expression, at: Span, out: &mut Vec<Reference>) {
        let text = "";
        let h = Hcl {
            file: self.file,
            text,
        };
        let mut found = Vec::new();
        h.walk(e, &mut self.scope.clone(), &mut found);
        for mut r in found {
            r.root_span = at;
            for s in &mut r.steps {
                s.set_span(at);
            }
            out.push(r);
        }
    }

    fn expr(&mut self, n: &JNode) -> Expr {
        let lit = |kind| Expr {
            kind,
            span: n.span,
            refs: Vec::new(),
        };
        match &n.val {
            JVal::Null => lit(ExprKind::Null),
            JVal::Bool(b) => lit(ExprKind::Bool(*b)),
            JVal::Num(x) => lit(ExprKind::Number(*x)),
            JVal::Arr(a) => lit(ExprKind::Tuple(a.iter().map(|x| self.expr(x)).collect())),
            JVal::Obj(items) => lit(ExprKind::Object(
                items
                    .iter()
                    .filter(|(k, _, _)| k != "//")
                    .map(|(k, ks, v)| ObjectItem {
                        key: k.clone(),
                        key_span: *ks,
                        value: if k == "dynamic" {
                            self.dynamic(v)
                        } else {
                            self.expr(v)
                        },
                    })
                    .collect(),
            )),
            JVal::Str(s) => {
                if !s.contains("${") && !s.contains("%{") {
                    return lit(ExprKind::String(s.clone()));
                }
                match hcl_edit::parser::parse_template(s) {
                    Ok(t) => {
                        let literal: Option<String> = t
                            .iter()
                            .map(|el| el.as_literal().map(|l| l.value().clone()))
                            .collect();
                        if let Some(l) = literal {
                            return lit(ExprKind::String(l));
                        }
                        let mut refs = Vec::new();
                        self.template_refs(&t, n.span, &mut refs);
                        Expr {
                            kind: ExprKind::Dynamic,
                            span: n.span,
                            refs,
                        }
                    }
                    Err(e) => {
                        self.diags.push((n.span, format!("{}.", e.message())));
                        lit(ExprKind::Dynamic)
                    }
                }
            }
        }
    }

    fn template_refs(&self, t: &Template, at: Span, out: &mut Vec<Reference>) {
        let h = Hcl {
            file: self.file,
            text: "",
        };
        let mut found = Vec::new();
        h.walk_template(t.iter(), &mut self.scope.clone(), &mut found);
        for mut r in found {
            r.root_span = at;
            for s in &mut r.steps {
                s.set_span(at);
            }
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(files: &[(&str, &str)]) -> Config {
        let dir = tempfile::tempdir().unwrap();
        for (n, t) in files {
            std::fs::write(dir.path().join(n), t).unwrap();
        }
        let mut c = Config::parse_dir(dir.path()).unwrap();
        c.finish();
        c
    }

    fn targets(c: &Config) -> Vec<String> {
        let mut out = Vec::new();
        let mut push = |r: &Reference| {
            out.push(match r.target() {
                Target::Resource {
                    mode: ResourceMode::Data,
                    type_name,
                    name,
                    ..
                } => format!("data.{type_name}.{name}"),
                Target::Resource {
                    type_name,
                    name,
                    rest,
                    ..
                } => {
                    format!(
                        "{type_name}.{name}{}",
                        rest.first()
                            .and_then(Step::name)
                            .map(|a| format!(".{a}"))
                            .unwrap_or_default()
                    )
                }
                Target::Variable(n, _) => format!("var.{n}"),
                Target::Local(n, _) => format!("local.{n}"),
                Target::Module(n, _) => format!("module.{n}"),
                Target::Other => format!("other:{}", r.root),
            })
        };
        for r in &c.resources {
            for (_, x) in r.body.references() {
                push(x);
            }
        }
        for l in &c.locals {
            for (_, x) in l.body.references() {
                push(x);
            }
        }
        out
    }

    #[test]
    fn references_are_found_in_templates_calls_for_and_conditionals() {
        let c = parse(&[(
            "main.tf",
            r#"
resource "azurerm_subnet" "s" {
  name     = "${var.prefix}-snet"
  ids      = [for k, v in azurerm_x.a : v.id if k != local.skip]
  cond     = count.index > 0 ? data.azurerm_y.b.name : lower(azurerm_z.c[0].name)
  nested {
    tpl = <<EOT
%{ for s in var.list }${s}${each.key}%{ endfor }
EOT
  }
  dynamic "rule" {
    for_each = var.rules
    content { name = rule.value.name }
  }
}
locals { l = path.module }
"#,
        )]);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(
            targets(&c),
            vec![
                "var.prefix",
                "azurerm_x.a",
                "local.skip",
                "other:count",
                "data.azurerm_y.b",
                "azurerm_z.c.name",
                "var.list",
                "other:each",
                "var.rules",
                "other:path"
            ]
        );
    }

    #[test]
    fn syntax_errors_become_diagnostics_with_line_numbers() {
        let c = parse(&[
            (
                "a.tf",
                "resource \"x_y\" \"a\" {\n  name = \"ok\"\n  bad = = 1\n}\n",
            ),
            ("b.tf.json", "{\n  \"resource\": {\n    \"x\": 1,\n  }\n}\n"),
        ]);
        assert_eq!(c.diagnostics.len(), 2, "{:?}", c.diagnostics);
        let a = c.diagnostics[0].range.as_ref().unwrap();
        assert_eq!((a.filename.as_str(), a.start.line), ("a.tf", 3));
        let b = c.diagnostics[1].range.as_ref().unwrap();
        assert_eq!((b.filename.as_str(), b.start.line), ("b.tf.json", 4));
    }

    #[test]
    fn locate_maps_positions_to_address_and_attribute_path() {
        let src = "resource \"azurerm_linux_virtual_machine\" \"vm\" {\n  name = \"x\"\n  os_disk {\n    caching = \"ReadWrite\"\n  }\n}\n";
        let c = parse(&[("vm.tf", src)]);
        let at = |line, col| c.locate_line("vm.tf", line, col);
        assert_eq!(
            at(4, 7),
            Some((
                "azurerm_linux_virtual_machine.vm".into(),
                Some("os_disk.caching".into())
            ))
        );
        assert_eq!(
            at(2, 3),
            Some((
                "azurerm_linux_virtual_machine.vm".into(),
                Some("name".into())
            ))
        );
        assert_eq!(
            at(1, 1),
            Some(("azurerm_linux_virtual_machine.vm".into(), None))
        );
        assert_eq!(at(7, 1), None);

        let json = r#"{"resource": {"azurerm_linux_virtual_machine": {"vm": {
  "name": "x",
  "os_disk": {"caching": "ReadWrite"}
}}}}"#;
        let c = parse(&[("vm.tf.json", json)]);
        assert_eq!(
            c.locate_line("vm.tf.json", 3, 17),
            Some((
                "azurerm_linux_virtual_machine.vm".into(),
                Some("os_disk.caching".into())
            ))
        );
    }

    #[test]
    fn json_syntax_gives_the_same_model() {
        let json = r#"{
  "variable": {"prefix": {"type": "string"}},
  "locals": {"l": "${var.prefix}"},
  "resource": {"azurerm_subnet": {"s": [{"name": "${local.l}-x", "n": 3, "depends_on": ["azurerm_vnet.v"]}]}},
  "output": {"o": {"value": "${azurerm_subnet.s.id}"}}
}"#;
        let c = parse(&[("main.tf.json", json)]);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(c.variables[0].name, "prefix");
        assert_eq!(c.resources[0].address(), "azurerm_subnet.s");
        assert_eq!(
            c.resources[0].body.attributes[1].expr.kind,
            ExprKind::Number(3.0)
        );
        assert_eq!(targets(&c), vec!["local.l", "azurerm_vnet.v", "var.prefix"]);
        let r = c.range(c.resources[0].body.attributes[0].name_span);
        assert_eq!((r.start.line, r.start.column), (4, 42));
    }
}
