//! The builtin validator: checks a parsed configuration without terraform,
//! in the phases `terraform validate` goes through, so that it reports what
//! Terraform reports, no more and no less.
//!
//! 1. **Loading** (Terraform's `configs` package): syntax, unknown
//!    top-level blocks, label counts, duplicate resources, variables, local
//!    values, outputs, module calls and provider configurations, the
//!    meta-arguments of resources, variable defaults against their type.
//!    When loading fails Terraform stops, and so does this validator.
//! 2. **The graph**, one node per provider configuration, resource, data
//!    source, local value and output: a dependency cycle stops validation.
//! 3. **The validate walk**, in dependency order. A node whose dependencies
//!    failed is skipped, as in Terraform's graph walk. Inside a resource:
//!    `count`, `for_each` and `depends_on`; then the references of the
//!    block (resources, data sources and modules checked statically against
//!    the configuration and their schemas first; only when those are clean,
//!    input variables, local values, `count` and `each`); only when the
//!    references are clean, the block is decoded against its schema
//!    (`validate::decode`); only when that is clean, `ignore_changes` and
//!    the provider's own checks (`validate::provider_checks`); then the
//!    provisioners' references.
//!
//! Summaries and details follow Terraform's and HCL's wording so one
//! classifier (`iterate::analysis`) serves both validators. Parsing is left
//! to `validate::config`, schemas to `validate::schema`, choosing a
//! validator to `validate::validate_dir`.

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::ValidationLevel;
use super::config::{Body, Config, Key, Reference, ResourceMode, Span, Step, Target};
use super::decode::{self, Decoder, PROVIDER_META, RESOURCE_META};
use super::diagnostic::{
    Diagnostic, Severity, did_you_mean, extraneous_property, unsupported_argument,
    unsupported_block,
};
use super::provider_checks;
use super::schema::{BlockSchema, CtyType, NestingMode, Schemas};
use super::sink::Sink;

/// Checks `cfg`, against `schemas` when given.
///
/// Output: the level reached (`Provider` when every resource's provider
/// schema was available, `Structural` otherwise) and the diagnostics,
/// ordered by (file, byte, summary). Each carries the resource address
/// (when inside a resource), the dotted attribute path and the range.
pub fn check(cfg: &Config, schemas: Option<&Schemas>) -> (ValidationLevel, Vec<Diagnostic>) {
    let c = check_full(cfg, schemas);
    (c.level, c.diagnostics)
}

/// What `check_full` found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `Provider` when every resource's provider schema was available.
    pub level: ValidationLevel,
    /// Diagnostics, ordered by (file, byte, summary).
    pub diagnostics: Vec<Diagnostic>,
    /// Resource type → known argument values whose provider validation
    /// function atg cannot run offline (only a real provider run checks
    /// them), counted over the resources that reached the provider's
    /// checks.
    pub not_checked_offline: BTreeMap<String, usize>,
    /// Provider addresses whose configuration blocks have content but whose
    /// loaded schema has no `provider` entry to check them against.
    pub provider_blocks_not_checked: Vec<String>,
}

/// `check`, also counting the values only a real provider checks.
pub fn check_full(cfg: &Config, schemas: Option<&Schemas>) -> Checked {
    let sources = cfg.provider_sources();
    let level = match schemas {
        Some(s)
            if cfg
                .resources
                .iter()
                .all(|r| provider_schema_of(s, &sources, r).is_some()) =>
        {
            ValidationLevel::Provider
        }
        _ => ValidationLevel::Structural,
    };
    let mut sink = Sink::new(cfg);
    for d in &cfg.diagnostics {
        sink.add(d.clone());
    }
    load_checks(cfg, &mut sink);
    if sink.error_count() == 0 {
        let tables = Tables::new(cfg);
        Walk {
            cfg,
            schemas,
            sink: &mut sink,
            t: &tables,
        }
        .run();
    }
    let (diagnostics, not_checked_offline) = sink.finish();
    let mut provider_blocks_not_checked: Vec<String> = cfg
        .providers
        .iter()
        .filter(|p| has_content(&p.body))
        .filter_map(|p| {
            let address = sources
                .get(&p.name)
                .cloned()
                .unwrap_or_else(|| super::config::default_provider_address(&p.name));
            let (addr, schema) = schemas?.provider_for(&p.name, &address)?;
            schema.provider.is_none().then(|| addr.to_string())
        })
        .collect();
    provider_blocks_not_checked.sort();
    provider_blocks_not_checked.dedup();
    Checked {
        level,
        diagnostics,
        not_checked_offline,
        provider_blocks_not_checked,
    }
}

/// True when a provider block sets more than `alias` and `version`:
/// Terraform validates only such blocks.
fn has_content(body: &Body) -> bool {
    body.attributes
        .iter()
        .any(|a| !PROVIDER_META.attrs.contains(&a.name.as_str()))
        || !body.blocks.is_empty()
}

/// The provider configuration a resource uses: the local name and alias of
/// its `provider` meta-argument (`aws.west`), else the local name its type
/// implies (`aws_instance` → `aws`) and no alias.
fn provider_config(r: &super::config::Resource) -> (&str, Option<String>) {
    match r.meta("provider").and_then(|a| a.expr.refs.first()) {
        Some(p) => (
            p.root.as_str(),
            p.steps.first().and_then(Step::name).map(str::to_string),
        ),
        None => (super::schema::provider_local_name(&r.type_name), None),
    }
}

/// The loaded schema of a resource's provider, found by the source address
/// the configuration gives its local name (`required_providers`, else
/// Terraform's default address).
fn provider_schema_of<'s>(
    schemas: &'s Schemas,
    sources: &HashMap<String, String>,
    r: &super::config::Resource,
) -> Option<(&'s str, &'s super::schema::ProviderSchema)> {
    let (local, _) = provider_config(r);
    let address = sources
        .get(local)
        .cloned()
        .unwrap_or_else(|| super::config::default_provider_address(local));
    schemas.provider_for(local, &address)
}

// ---- Phase 1: loading ----

/// Arguments and blocks Terraform accepts in `lifecycle`, `variable` and
/// `output` blocks (its `configs` package schemas).
const LIFECYCLE: (&[&str], &[&str]) = (
    &[
        "create_before_destroy",
        "prevent_destroy",
        "ignore_changes",
        "replace_triggered_by",
    ],
    &["precondition", "postcondition"],
);
const VARIABLE: (&[&str], &[&str]) = (
    &[
        "description",
        "default",
        "type",
        "sensitive",
        "nullable",
        "ephemeral",
    ],
    &["validation"],
);
const OUTPUT: (&[&str], &[&str]) = (
    &[
        "description",
        "value",
        "sensitive",
        "depends_on",
        "ephemeral",
    ],
    &["precondition"],
);

fn load_checks(cfg: &Config, sink: &mut Sink<'_>) {
    duplicates(cfg, sink);
    for r in &cfg.resources {
        let address = r.address();
        if let (Some(_), Some(each)) = (r.meta("count"), r.meta("for_each")) {
            sink.error(
                each.name_span,
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.".into(),
                Some(address.clone()),
                None,
            );
        }
        let mut lifecycles: Vec<&Body> = r
            .body
            .blocks
            .iter()
            .filter(|b| b.ident == "lifecycle")
            .map(|b| &b.body)
            .collect();
        let json_lifecycle: Vec<Body> = r
            .body
            .attributes
            .iter()
            .filter(|a| r.body.json && a.name == "lifecycle")
            .filter_map(Body::json_blocks)
            .flatten()
            .map(|b| b.body)
            .collect();
        lifecycles.extend(json_lifecycle.iter());
        for l in lifecycles {
            allowed_names(sink, l, LIFECYCLE, Some(&address), "lifecycle");
        }
    }
    for v in &cfg.variables {
        allowed_names(sink, &v.body, VARIABLE, None, "");
        default_value(cfg, sink, v);
    }
    for o in &cfg.outputs {
        allowed_names(sink, &o.body, OUTPUT, None, "");
        if !o.body.attributes.iter().any(|a| a.name == "value") {
            sink.error(
                o.body.open_span,
                "Missing required argument",
                "The argument \"value\" is required, but no definition was found.".into(),
                None,
                None,
            );
        }
    }
}

/// A variable's literal `default` must fit its `type` (Terraform checks
/// this while loading).
fn default_value(cfg: &Config, sink: &mut Sink<'_>, v: &super::config::Named) {
    let attr = |n: &str| v.body.attributes.iter().find(|a| a.name == n);
    let (Some(ty), Some(default)) = (attr("type"), attr("default")) else {
        return;
    };
    let raw = cfg.text(ty.expr.span);
    let text = if v.body.json {
        match serde_json::from_str::<String>(raw) {
            Ok(t) => t,
            Err(_) => return,
        }
    } else {
        raw.to_string()
    };
    let Some(ty) = super::schema::parse_type_constraint(&text) else {
        return;
    };
    if let Err(msg) = decode::check_value(&default.expr, &ty) {
        sink.error(
            default.expr.span,
            "Invalid default value for variable",
            format!(
                "This default value is not compatible with the variable's type constraint: {msg}."
            ),
            None,
            None,
        );
    }
}

/// Reports arguments and blocks of a Terraform-language block that its schema lacks.
fn allowed_names(
    sink: &mut Sink<'_>,
    body: &Body,
    (attrs, blocks): (&[&str], &[&str]),
    address: Option<&str>,
    prefix: &str,
) {
    for a in &body.attributes {
        let name = a.name.as_str();
        let known =
            attrs.contains(&name) || (body.json && (blocks.contains(&name) || name == "//"));
        if known {
            continue;
        }
        let (summary, detail) = if body.json {
            (
                "Extraneous JSON object property",
                extraneous_property(name, attrs.iter().chain(blocks).copied()),
            )
        } else {
            (
                "Unsupported argument",
                unsupported_argument(name, attrs.iter().copied()),
            )
        };
        sink.error(
            a.name_span,
            summary,
            detail,
            address.map(str::to_string),
            Some(super::config::join_path(prefix, name)),
        );
    }
    for b in &body.blocks {
        if !blocks.contains(&b.ident.as_str()) {
            let detail = unsupported_block(&b.ident, blocks.iter().copied());
            sink.error(
                b.ident_span,
                "Unsupported block type",
                detail,
                address.map(str::to_string),
                Some(super::config::join_path(prefix, &b.ident)),
            );
        }
    }
}

/// A literal string argument of a body, e.g. a provider block's `alias`.
fn literal(body: &Body, name: &str) -> Option<String> {
    body.attributes
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| match &a.expr.kind {
            super::config::ExprKind::String(s) => Some(s.clone()),
            _ => None,
        })
}

fn duplicates(cfg: &Config, sink: &mut Sink<'_>) {
    let mut seen: HashMap<(ResourceMode, &str, &str), Span> =
        HashMap::with_capacity(cfg.resources.len());
    for r in &cfg.resources {
        let key = (r.mode, r.type_name.as_str(), r.name.as_str());
        let Some(first) = seen.get(&key) else {
            seen.insert(key, r.decl_span);
            continue;
        };
        let (summary, what) = match r.mode {
            ResourceMode::Managed => (
                format!("Duplicate resource \"{}\" configuration", r.type_name),
                "resource",
            ),
            ResourceMode::Data => (
                format!("Duplicate data \"{}\" configuration", r.type_name),
                "data resource",
            ),
        };
        let detail = format!(
            "A {} {what} named \"{}\" was already declared at {}. Resource names must be unique per type in each module.",
            r.type_name,
            r.name,
            sink.at(*first)
        );
        sink.error(r.decl_span, summary, detail, Some(r.address()), None);
    }
    let named = [
        (
            &cfg.variables,
            "Duplicate variable declaration",
            "A variable named \"{}\" was already declared at {}. Variable names must be unique within a module.",
        ),
        (
            &cfg.locals,
            "Duplicate local value definition",
            "A local value named \"{}\" was already defined at {}. Local value names must be unique within a module.",
        ),
        (
            &cfg.outputs,
            "Duplicate output definition",
            "An output named \"{}\" was already defined at {}. Output names must be unique within a module.",
        ),
        (
            &cfg.modules,
            "Duplicate module call",
            "A module call named \"{}\" was already defined at {}. Module calls must have unique names within a module.",
        ),
    ];
    for (items, summary, template) in named {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for n in items {
            match seen.get(n.name.as_str()) {
                Some(first) => {
                    let detail =
                        template
                            .replacen("{}", &n.name, 1)
                            .replacen("{}", &sink.at(*first), 1);
                    sink.error(n.decl_span, summary, detail, None, None);
                }
                None => {
                    seen.insert(&n.name, n.decl_span);
                }
            }
        }
    }
    let mut providers: HashMap<(&str, Option<String>), Span> = HashMap::new();
    for p in &cfg.providers {
        let alias = literal(&p.body, "alias");
        if let Some(first) = providers.get(&(p.name.as_str(), alias.clone())) {
            let detail = match &alias {
                None => format!(
                    "A default (non-aliased) provider configuration for \"{}\" was already given at {}. If multiple configurations are required, set the \"alias\" argument for alternative configurations.",
                    p.name,
                    sink.at(*first)
                ),
                Some(a) => format!(
                    "A provider configuration for \"{}\" with alias \"{a}\" was already given at {}. Each configuration for the same provider must have a distinct alias.",
                    p.name,
                    sink.at(*first)
                ),
            };
            sink.error(
                p.decl_span,
                "Duplicate provider configuration",
                detail,
                None,
                None,
            );
        } else {
            providers.insert((&p.name, alias), p.decl_span);
        }
    }
}

// ---- Phase 2: the validate walk ----

/// A node of the validate graph.
#[derive(Debug, Clone, Copy)]
enum Node {
    Provider(usize),
    Resource(usize),
    Local(usize),
    Output(usize),
}

type Refs<'a> = Vec<(String, &'a Reference)>;

/// The references of one node: those it evaluates, those of a resource's
/// `count`, `for_each` and `depends_on`, and those that only order it (an
/// output's `depends_on`).
struct NodeRefs<'a> {
    eval: Refs<'a>,
    meta: [Refs<'a>; 3],
    /// Each provisioner's references, in order.
    provisioners: Vec<Refs<'a>>,
    order_only: Refs<'a>,
}

/// Which repetition objects a block may use: `count.index` needs `count`,
/// `each.key` needs `for_each`.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    count: bool,
    each: bool,
}

impl Context {
    fn of(r: &super::config::Resource) -> Self {
        Context {
            count: r.meta("count").is_some(),
            each: r.meta("for_each").is_some(),
        }
    }
}

/// The attribute a valid `ignore_changes` traversal names, as Terraform
/// prints it (`arn`, `root_block_device[0].volume_id`), when it is computed-only.
fn computed_only_path(block: &BlockSchema, steps: &[Step]) -> Option<String> {
    let mut b = block;
    let mut printed = String::new();
    let mut i = 0;
    while let Some(step) = steps.get(i) {
        match step {
            Step::Attr { name, .. } => {
                if !printed.is_empty() {
                    printed.push('.');
                }
                printed.push_str(name);
                if let Some(a) = b.attributes.get(name) {
                    return (a.is_computed_only() && i + 1 == steps.len()).then_some(printed);
                }
                b = &b.block_types.get(name)?.block;
            }
            Step::Index { key, .. } => match key {
                Key::Number(n) => printed.push_str(&format!("[{n}]")),
                Key::String(k) => printed.push_str(&format!("[\"{k}\"]")),
            },
        }
        i += 1;
    }
    None
}

struct Walk<'a, 's, 'c, 't> {
    cfg: &'a Config,
    schemas: Option<&'a Schemas>,
    sink: &'s mut Sink<'c>,
    t: &'t Tables<'a>,
}

/// Name lookups over the whole configuration, built once and shared by the
/// node checks (which run in parallel).
struct Tables<'a> {
    resources: HashMap<(ResourceMode, &'a str, &'a str), usize>,
    locals: HashMap<&'a str, usize>,
    variables: HashSet<&'a str>,
    modules: HashSet<&'a str>,
    providers: HashMap<(&'a str, Option<String>), usize>,
    sources: HashMap<String, String>,
}

impl<'a> Tables<'a> {
    fn new(cfg: &'a Config) -> Self {
        Tables {
            resources: cfg
                .resources
                .iter()
                .enumerate()
                .map(|(i, r)| ((r.mode, r.type_name.as_str(), r.name.as_str()), i))
                .collect(),
            locals: cfg
                .locals
                .iter()
                .enumerate()
                .map(|(i, l)| (l.name.as_str(), i))
                .collect(),
            variables: cfg.variables.iter().map(|v| v.name.as_str()).collect(),
            modules: cfg.modules.iter().map(|m| m.name.as_str()).collect(),
            providers: cfg
                .providers
                .iter()
                .enumerate()
                .map(|(i, p)| ((p.name.as_str(), literal(&p.body, "alias")), i))
                .collect(),
            sources: cfg.provider_sources(),
        }
    }
}

/// References Terraform finds in a body without a schema: everything but
/// the meta-arguments and meta-blocks, which are evaluated on their own.
fn unschema_refs(body: &Body) -> Refs<'_> {
    body.references()
        .into_iter()
        .filter(|(p, _)| {
            let head = p.split('.').next().unwrap_or_default();
            !RESOURCE_META.attrs.contains(&head) && !RESOURCE_META.blocks.contains(&head)
        })
        .collect()
}

impl<'a, 's, 'c, 't> Walk<'a, 's, 'c, 't> {
    fn nodes(&self) -> Vec<Node> {
        let c = self.cfg;
        (0..c.providers.len())
            .map(Node::Provider)
            .chain((0..c.resources.len()).map(Node::Resource))
            .chain((0..c.locals.len()).map(Node::Local))
            .chain((0..c.outputs.len()).map(Node::Output))
            .collect()
    }

    fn index(&self, n: Node) -> usize {
        let c = self.cfg;
        match n {
            Node::Provider(i) => i,
            Node::Resource(i) => c.providers.len() + i,
            Node::Local(i) => c.providers.len() + c.resources.len() + i,
            Node::Output(i) => c.providers.len() + c.resources.len() + c.locals.len() + i,
        }
    }

    /// The schema of a resource's type, if its provider is loaded: the
    /// provider address and the block (`None` inside when the provider
    /// lacks the type).
    fn resource_schema(
        &self,
        r: &super::config::Resource,
        mode: ResourceMode,
    ) -> Option<(&'a str, Option<&'a BlockSchema>)> {
        let (addr, p) = provider_schema_of(self.schemas?, &self.t.sources, r)?;
        let entry = match mode {
            ResourceMode::Managed => p.resource_schemas.get(&r.type_name),
            ResourceMode::Data => p.data_source_schemas.get(&r.type_name),
        };
        Some((addr, entry.map(|e| &e.block)))
    }

    fn provider_schema(&self, local: &str) -> Option<&'a BlockSchema> {
        let (_, p) = self.schemas?.provider_by_local_name(local)?;
        p.provider.as_ref().map(|e| &e.block)
    }

    /// The references a node evaluates, and those that only order it
    /// (`count`, `for_each` and `depends_on` of resources are both).
    fn refs(&self, n: Node) -> Refs<'a> {
        let c = self.cfg;
        match n {
            Node::Resource(i) => {
                let r = &c.resources[i];
                let mut out = Vec::new();
                match self.resource_schema(r, r.mode) {
                    Some((_, Some(block))) => decode::schema_refs(&r.body, block, "", &mut out),
                    Some((_, None)) => {}
                    None => out = unschema_refs(&r.body),
                }
                out
            }
            Node::Provider(i) => {
                let p = &c.providers[i];
                match self.provider_schema(&p.name) {
                    Some(block) => {
                        let mut out = Vec::new();
                        decode::schema_refs(&p.body, block, "", &mut out);
                        out
                    }
                    None => p.body.references(),
                }
            }
            Node::Local(i) => c.locals[i].body.references(),
            Node::Output(i) => c.outputs[i]
                .body
                .references()
                .into_iter()
                .filter(|(p, _)| p == "value")
                .collect(),
        }
    }

    /// The meta-argument references of a resource: `(count, for_each, depends_on)`.
    fn meta_refs(&self, i: usize) -> [Refs<'a>; 3] {
        let r = &self.cfg.resources[i];
        ["count", "for_each", "depends_on"].map(|m| {
            r.meta(m)
                .map(|a| {
                    a.expr
                        .all_refs()
                        .into_iter()
                        .map(|x| (m.to_string(), x))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// A node's references, computed once for ordering and checking.
    fn node_refs(&self, n: Node) -> NodeRefs<'a> {
        NodeRefs {
            eval: self.refs(n),
            meta: match n {
                Node::Resource(i) => self.meta_refs(i),
                _ => Default::default(),
            },
            provisioners: match n {
                Node::Resource(i) => self.provisioner_refs(i),
                _ => Vec::new(),
            },
            order_only: match n {
                Node::Output(i) => self.cfg.outputs[i]
                    .body
                    .references()
                    .into_iter()
                    .filter(|(p, _)| p != "value")
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    /// References in each `provisioner` block of a managed resource (HCL
    /// blocks, or the JSON `"provisioner": [{"TYPE": {...}}]` form).
    fn provisioner_refs(&self, i: usize) -> Vec<Refs<'a>> {
        let r = &self.cfg.resources[i];
        if r.mode != ResourceMode::Managed {
            return Vec::new();
        }
        let mut out: Vec<Refs<'a>> = r
            .body
            .blocks
            .iter()
            .filter(|b| b.ident == "provisioner")
            .map(|b| {
                b.body
                    .references()
                    .into_iter()
                    .map(|(p, x)| (super::config::join_path("provisioner", &p), x))
                    .collect()
            })
            .collect();
        if r.body.json
            && let Some(a) = r.body.attributes.iter().find(|a| a.name == "provisioner")
        {
            let items: Vec<&super::config::Expr> = match &a.expr.kind {
                super::config::ExprKind::Tuple(xs) => xs.iter().collect(),
                _ => vec![&a.expr],
            };
            for e in items {
                out.push(
                    e.all_refs()
                        .into_iter()
                        .map(|x| ("provisioner".to_string(), x))
                        .collect(),
                );
            }
        }
        out
    }

    /// The nodes a node depends on.
    fn deps(&self, n: Node, refs: &NodeRefs<'a>) -> Vec<usize> {
        let mut out = Vec::new();
        if let Node::Resource(i) = n {
            let (local, alias) = provider_config(&self.cfg.resources[i]);
            if let Some(&p) = self.t.providers.get(&(local, alias)) {
                out.push(self.index(Node::Provider(p)));
            }
        }
        let all = refs
            .eval
            .iter()
            .chain(refs.meta.iter().flatten())
            .chain(refs.provisioners.iter().flatten())
            .chain(&refs.order_only);
        for (_, r) in all {
            match r.target() {
                Target::Resource {
                    mode,
                    type_name,
                    name,
                    ..
                } => {
                    if let Some(&j) = self.t.resources.get(&(mode, type_name, name)) {
                        out.push(self.index(Node::Resource(j)));
                    }
                }
                Target::Local(name, _) => {
                    if let Some(&j) = self.t.locals.get(name) {
                        out.push(self.index(Node::Local(j)));
                    }
                }
                _ => {}
            }
        }
        let me = self.index(n);
        out.retain(|d| *d != me);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Terraform's name of a node in a "Cycle:" message.
    fn node_name(&self, n: Node) -> String {
        let c = self.cfg;
        match n {
            Node::Provider(i) => format!(
                "provider[\"{}\"]",
                self.t
                    .sources
                    .get(&c.providers[i].name)
                    .cloned()
                    .unwrap_or_else(|| super::config::default_provider_address(
                        &c.providers[i].name
                    ))
            ),
            Node::Resource(i) => c.resources[i].address(),
            Node::Local(i) => format!("local.{} (expand)", c.locals[i].name),
            Node::Output(i) => format!("output.{} (expand)", c.outputs[i].name),
        }
    }

    /// Builds the dependency graph. When it has cycles, reports each (as
    /// Terraform does before it walks anything) and stops; otherwise visits
    /// every node in dependency order, skipping a node whose dependency
    /// failed or was skipped.
    fn run(self) {
        use petgraph::graph::{DiGraph, NodeIndex};
        let nodes = self.nodes();
        let refs: Vec<NodeRefs<'a>> = nodes.par_iter().map(|n| self.node_refs(*n)).collect();
        let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(nodes.len(), nodes.len());
        for _ in &nodes {
            graph.add_node(());
        }
        let deps: Vec<Vec<usize>> = nodes
            .par_iter()
            .zip(&refs)
            .map(|(n, r)| self.deps(*n, r))
            .collect();
        for (i, ds) in deps.iter().enumerate() {
            for d in ds {
                graph.add_edge(NodeIndex::new(*d), NodeIndex::new(i), ());
            }
        }
        let order = match petgraph::algo::toposort(&graph, None) {
            Ok(order) => order,
            Err(_) => {
                for scc in petgraph::algo::tarjan_scc(&graph) {
                    if scc.len() < 2 {
                        continue;
                    }
                    let mut names: Vec<String> = scc
                        .iter()
                        .map(|i| self.node_name(nodes[i.index()]))
                        .collect();
                    // Terraform lists a cycle's members in no fixed order.
                    names.sort();
                    self.sink.add(Diagnostic::error(
                        format!("Cycle: {}", names.join(", ")),
                        String::new(),
                    ));
                }
                return;
            }
        };
        // A node's own findings depend only on the node and the shared
        // tables, so every node is checked in parallel into a sink of its
        // own. The walk then keeps, in dependency order, the findings of
        // each node whose dependencies all passed, as Terraform's walk
        // would have produced them; the others are skipped.
        let (cfg, schemas, tables) = (self.cfg, self.schemas, self.t);
        let mut checked: Vec<Option<(bool, Sink<'c>)>> = nodes
            .par_iter()
            .zip(&refs)
            .map(|(n, r)| {
                let mut own = Sink::new(self.sink.config());
                let failed = Walk {
                    cfg,
                    schemas,
                    sink: &mut own,
                    t: tables,
                }
                .node(*n, r);
                Some((failed, own))
            })
            .collect();
        let mut failed = vec![false; nodes.len()];
        for i in order.into_iter().map(NodeIndex::index) {
            let upstream = deps[i].iter().any(|d| failed[*d]);
            let (own_failed, own) = checked[i].take().expect("each node is walked once");
            if upstream {
                failed[i] = true;
                continue;
            }
            failed[i] = own_failed;
            self.sink.append(own);
        }
    }

    /// Checks one node; true when it reported an error.
    fn node(&mut self, n: Node, refs: &NodeRefs<'a>) -> bool {
        let before = self.sink.error_count();
        match n {
            Node::Resource(i) => self.resource(i, refs),
            Node::Provider(i) => self.provider(i, &refs.eval),
            Node::Local(i) => {
                let name = self.cfg.locals[i].name.as_str();
                let own = refs
                    .eval
                    .iter()
                    .find(|(_, r)| matches!(r.target(), Target::Local(n, _) if n == name));
                match own {
                    Some((_, r)) => self.sink.error(
                        r.span(),
                        "Self-referencing local value",
                        format!("Local value local.{name} cannot use its own result as part of its expression."),
                        None,
                        None,
                    ),
                    None => {
                        self.eval_refs(&refs.eval, None, Context::default());
                    }
                }
            }
            Node::Output(_) => {
                self.eval_refs(&refs.eval, None, Context::default());
            }
        }
        self.sink.error_count() > before
    }

    fn resource(&mut self, i: usize, node: &NodeRefs<'a>) {
        let before = self.sink.error_count();
        self.resource_block(i, node);
        // Provisioners, in order, until one reports an error (Terraform's
        // `NodeValidatableResource.Execute`).
        let address = self.cfg.resources[i].address();
        let ctx = Context::of(&self.cfg.resources[i]);
        for p in &node.provisioners {
            self.eval_refs(p, Some(&address), ctx);
            if self.sink.error_count() > before {
                break;
            }
        }
    }

    /// Terraform's `validateResource`.
    fn resource_block(&mut self, i: usize, node: &NodeRefs<'a>) {
        let r = &self.cfg.resources[i];
        let address = r.address();
        let ctx = Context::of(r);
        let [count, for_each, depends_on] = &node.meta;
        self.eval_refs(count, Some(&address), ctx);
        self.eval_refs(for_each, Some(&address), ctx);
        for d in depends_on {
            self.eval_refs(std::slice::from_ref(d), Some(&address), ctx);
        }
        let refs = &node.eval;
        let (provider, block) = match self.resource_schema(r, r.mode) {
            None => {
                // No schema for this provider: references only.
                self.eval_refs(refs, Some(&address), ctx);
                return;
            }
            Some((p, None)) => return self.invalid_type(i, p),
            Some((p, Some(b))) => (p, b),
        };
        if self.eval_refs(refs, Some(&address), ctx) {
            return;
        }
        let before = self.sink.error_count();
        Decoder {
            sink: self.sink,
            address: Some(&address),
        }
        .body(&r.body, block, "", RESOURCE_META);
        if self.sink.error_count() > before {
            return;
        }
        if r.mode == ResourceMode::Managed {
            self.ignore_changes(r, block, &address);
        }
        let flavor = provider_checks::flavor(provider, block);
        // The validation data describes managed resources only.
        let rules = self
            .schemas
            .filter(|_| r.mode == ResourceMode::Managed)
            .and_then(|s| s.rules_for(provider))
            .and_then(|p| p.resource(&r.type_name));
        let (cfg, t) = (self.cfg, self.t);
        let locals = |name: &str| {
            t.locals
                .get(name)
                .and_then(|i| cfg.locals[*i].body.attributes.first())
                .map(|a| &a.expr)
        };
        let unchecked =
            provider_checks::check(self.sink, &r.body, block, flavor, &address, rules, &locals);
        self.sink.not_checked(&r.type_name, unchecked);
    }

    /// Each `lifecycle { ignore_changes = [...] }` element must name
    /// something in the schema; one naming a computed-only attribute is
    /// redundant (a warning). Terraform checks this after the block decoded.
    fn ignore_changes(&mut self, r: &super::config::Resource, block: &BlockSchema, address: &str) {
        let lifecycle: Vec<Body> = r
            .body
            .blocks
            .iter()
            .filter(|b| b.ident == "lifecycle")
            .map(|b| b.body.clone())
            .chain(
                r.body
                    .attributes
                    .iter()
                    .filter(|a| r.body.json && a.name == "lifecycle")
                    .filter_map(Body::json_blocks)
                    .flatten()
                    .map(|b| b.body),
            )
            .collect();
        let path = "lifecycle.ignore_changes";
        for l in &lifecycle {
            let Some(a) = l.attributes.iter().find(|a| a.name == "ignore_changes") else {
                continue;
            };
            for t in a.expr.all_refs() {
                if t.root == "all" && t.steps.is_empty() {
                    continue;
                }
                let mut steps = vec![Step::Attr {
                    name: t.root.clone(),
                    span: t.root_span,
                }];
                steps.extend(t.steps.iter().cloned());
                let mut found = Found::new();
                traverse_block(block, &steps, path, &mut found);
                let failed = found.iter().any(|f| f.0 == Severity::Error);
                for (sev, span, summary, detail, p) in found {
                    self.sink
                        .push(sev, span, summary, detail, Some(address.into()), Some(p));
                }
                if failed {
                    continue;
                }
                if let Some(name) = computed_only_path(block, &steps) {
                    self.sink.push(
                        Severity::Warning,
                        r.type_span,
                        "Redundant ignore_changes element",
                        format!(
                            "Adding an attribute name to ignore_changes tells Terraform to ignore future changes to the argument in configuration after the object has been created, retaining the value originally configured.\n\nThe attribute {name} is decided by the provider alone and therefore there can be no configured value to compare with. Including this attribute in ignore_changes has no effect. Remove the attribute from ignore_changes to quiet this warning."
                        ),
                        Some(address.into()),
                        Some(path.into()),
                    );
                }
            }
        }
    }

    fn invalid_type(&mut self, i: usize, provider: &str) {
        let r = &self.cfg.resources[i];
        let other = match r.mode {
            ResourceMode::Managed => ResourceMode::Data,
            ResourceMode::Data => ResourceMode::Managed,
        };
        let (summary, what) = match r.mode {
            ResourceMode::Managed => ("Invalid resource type", "resource type"),
            ResourceMode::Data => ("Invalid data source", "data source"),
        };
        let suggestion = if let Some((_, Some(_))) = self.resource_schema(r, other) {
            match r.mode {
                ResourceMode::Managed => format!(
                    "\n\nDid you intend to use the data source \"{}\"? If so, declare this using a \"data\" block instead of a \"resource\" block.",
                    r.type_name
                ),
                ResourceMode::Data => format!(
                    "\n\nDid you intend to use the managed resource type \"{}\"? If so, declare this using a \"resource\" block instead of a \"data\" block.",
                    r.type_name
                ),
            }
        } else {
            let names: Vec<&str> = self
                .schemas
                .and_then(|s| provider_schema_of(s, &self.t.sources, r))
                .map(|(_, p)| match r.mode {
                    ResourceMode::Managed => {
                        p.resource_schemas.keys().map(String::as_str).collect()
                    }
                    ResourceMode::Data => {
                        p.data_source_schemas.keys().map(String::as_str).collect()
                    }
                })
                .unwrap_or_default();
            did_you_mean(&r.type_name, names)
        };
        let detail = format!(
            "The provider {} does not support {what} \"{}\".{suggestion}",
            provider_for_display(provider),
            r.type_name
        );
        self.sink
            .error(r.type_span, summary, detail, Some(r.address()), None);
    }

    /// A provider block: Terraform validates it only when it has content
    /// besides `alias` and `version`; its references first, then (with
    /// the provider's schema) its arguments.
    fn provider(&mut self, i: usize, refs: &[(String, &Reference)]) {
        let p = &self.cfg.providers[i];
        if !has_content(&p.body) {
            return;
        }
        if self.eval_refs(refs, None, Context::default()) {
            return;
        }
        if let Some(block) = self.provider_schema(&p.name) {
            Decoder {
                sink: self.sink,
                address: None,
            }
            .body(&p.body, block, "", PROVIDER_META);
        }
    }

    /// Evaluates the references of one block or expression as Terraform's
    /// `lang.Scope` does: static checks first (resources, data sources,
    /// modules, and attributes against schemas); only when those have no
    /// error, input variables and local values. True when any error was
    /// reported.
    fn eval_refs(
        &mut self,
        refs: &[(String, &Reference)],
        address: Option<&str>,
        ctx: Context,
    ) -> bool {
        let mut found = Found::new();
        for (path, r) in refs {
            self.static_ref(r, path, &mut found);
        }
        let static_failed = found.iter().any(|f| f.0 == Severity::Error);
        if !static_failed {
            for (path, r) in refs {
                self.dynamic_ref(r, path, ctx, &mut found);
            }
        }
        let failed = found.iter().any(|f| f.0 == Severity::Error);
        for (sev, span, summary, detail, path) in found {
            self.sink.push(
                sev,
                span,
                summary,
                detail,
                address.map(str::to_string),
                Some(path),
            );
        }
        failed
    }

    fn dynamic_ref(&self, r: &Reference, path: &str, ctx: Context, out: &mut Found) {
        match r.root.as_str() {
            "count" if !ctx.count => out.push((
                Severity::Error,
                r.span(),
                "Reference to \"count\" in non-counted context",
                "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into(),
                path.to_string(),
            )),
            "each" if !ctx.each && r.steps.first().and_then(Step::name) == Some("value") => {
                out.push((
                    Severity::Error,
                    r.span(),
                    "each.value cannot be used in this context",
                    "A reference to \"each.value\" has been used in a context in which it is unavailable, such as when the configuration no longer contains the value in its \"for_each\" expression. Remove this reference to each.value in your configuration to work around this error.".into(),
                    path.to_string(),
                ))
            }
            "each" if !ctx.each => out.push((
                Severity::Error,
                r.span(),
                "Reference to \"each\" in context without for_each",
                "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into(),
                path.to_string(),
            )),
            _ => {}
        }
        match r.target() {
            Target::Variable(n, span) if !self.t.variables.contains(n) => {
                let hint = match did_you_mean(n, self.t.variables.iter().copied()) {
                    s if s.is_empty() => format!(
                        " This variable can be declared with a variable \"{n}\" {{}} block."
                    ),
                    s => s,
                };
                out.push((
                    Severity::Error,
                    span,
                    "Reference to undeclared input variable",
                    format!("An input variable with the name \"{n}\" has not been declared.{hint}"),
                    path.to_string(),
                ));
            }
            Target::Local(n, span) if !self.t.locals.contains_key(n) => {
                let hint = did_you_mean(n, self.t.locals.keys().copied());
                out.push((
                    Severity::Error,
                    span,
                    "Reference to undeclared local value",
                    format!("A local value with the name \"{n}\" has not been declared.{hint}"),
                    path.to_string(),
                ));
            }
            _ => {}
        }
    }

    /// Terraform's `staticValidateReference`.
    fn static_ref(&self, r: &Reference, path: &str, out: &mut Found) {
        let mut err = |span: Span, summary: &'static str, detail: String| {
            out.push((Severity::Error, span, summary, detail, path.to_string()))
        };
        match r.target() {
            Target::Module(name, span) if !self.t.modules.contains(name) => {
                let hint = did_you_mean(name, self.t.modules.iter().copied());
                err(
                    span,
                    "Reference to undeclared module",
                    format!(
                        "No module call named \"{name}\" is declared in the root module.{hint}"
                    ),
                );
            }
            Target::Resource {
                mode,
                type_name,
                name,
                span,
                key,
                rest,
            } => {
                let adjective = match mode {
                    ResourceMode::Managed => "managed",
                    ResourceMode::Data => "data",
                };
                let Some(&idx) = self.t.resources.get(&(mode, type_name, name)) else {
                    let hint = if mode == ResourceMode::Managed
                        && self
                            .t
                            .resources
                            .contains_key(&(ResourceMode::Data, type_name, name))
                    {
                        format!("\n\nDid you mean the data resource data.{type_name}.{name}?")
                    } else {
                        String::new()
                    };
                    err(
                        span,
                        "Reference to undeclared resource",
                        format!(
                            "A {adjective} resource \"{type_name}\" \"{name}\" has not been declared in the root module.{hint}"
                        ),
                    );
                    return;
                };
                let target = &self.cfg.resources[idx];
                let addr = target.address();
                match key {
                    None if !rest.is_empty() => {
                        for (meta, example) in [("count", "count.index"), ("for_each", "each.key")]
                        {
                            if target.meta(meta).is_some() {
                                err(
                                    span,
                                    "Missing resource instance key",
                                    format!(
                                        "Because {addr} has \"{meta}\" set, its attributes must be accessed on specific instances.\n\nFor example, to correlate with indices of a referring resource, use:\n    {addr}[{example}]"
                                    ),
                                );
                            }
                        }
                    }
                    Some(_)
                        if target.meta("count").is_none() && target.meta("for_each").is_none() =>
                    {
                        err(
                            span,
                            "Unexpected resource instance key",
                            format!(
                                "Because {addr} does not have \"count\" or \"for_each\" set, references to it must not include an index key. Remove the bracketed index to refer to the single instance of this resource."
                            ),
                        );
                    }
                    _ => {}
                }
                let Some((provider, block)) = self.resource_schema(target, mode) else {
                    return;
                };
                let Some(block) = block else {
                    err(
                        span,
                        "Invalid resource type",
                        format!(
                            "A {adjective} resource type \"{type_name}\" is not supported by provider \"{provider}\"."
                        ),
                    );
                    return;
                };
                if let Some(Step::Attr { name, span }) = rest.first()
                    && name == "count"
                {
                    err(
                        *span,
                        "Invalid resource count attribute",
                        format!(
                            "The special \"count\" attribute is no longer supported after Terraform v0.12. Instead, use length({addr}) to count resource instances."
                        ),
                    );
                    return;
                }
                traverse_block(block, rest, path, out);
            }
            _ => {}
        }
    }
}

/// `hashicorp/aws` for `registry.terraform.io/hashicorp/aws`, as Terraform
/// displays provider addresses.
fn provider_for_display(address: &str) -> &str {
    address
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(address)
}

/// Diagnostics found while evaluating references, before they are reported:
/// (severity, where, summary, detail, attribute path).
type Found = Vec<(Severity, Span, &'static str, String, String)>;

/// Terraform's `configschema.Block.StaticValidateTraversal`.
fn traverse_block(block: &BlockSchema, steps: &[Step], path: &str, out: &mut Found) {
    let Some(first) = steps.first() else {
        return;
    };
    let rest = &steps[1..];
    let mut err = |span: Span, summary: &'static str, detail: String| {
        out.push((Severity::Error, span, summary, detail, path.to_string()))
    };
    let name = match first {
        Step::Attr { name, .. } => name.as_str(),
        Step::Index { key, span } => {
            let detail = match key {
                Key::String(k) if is_identifier(k) => format!(
                    "Only attribute access is allowed here. Did you mean to access attribute \"{k}\" using the dot operator?"
                ),
                _ => "Only attribute access is allowed here, using the dot operator.".to_string(),
            };
            return err(*span, "Invalid index operation", detail);
        }
    };
    if let Some(a) = block.attributes.get(name) {
        if a.deprecated {
            out.push((
                Severity::Warning,
                first.span(),
                "Deprecated attribute",
                format!(
                    "The attribute \"{name}\" is deprecated. Refer to the provider documentation for details."
                ),
                path.to_string(),
            ));
        }
        return traverse_type(&a.value_type(), rest, path, out);
    }
    if let Some(nested) = block.block_types.get(name) {
        match nested.nesting_mode {
            NestingMode::Single | NestingMode::Group => {
                traverse_block(&nested.block, rest, path, out)
            }
            _ if rest.is_empty() => {}
            NestingMode::Set => err(
                rest[0].span(),
                "Cannot index a set value",
                format!(
                    "Block type \"{name}\" is represented by a set of objects, and set elements do not have addressable keys. To find elements matching specific criteria, use a \"for\" expression with an \"if\" clause."
                ),
            ),
            NestingMode::List => match rest[0] {
                Step::Index { .. } => traverse_block(&nested.block, &rest[1..], path, out),
                Step::Attr { span, .. } => err(
                    span,
                    "Invalid operation",
                    format!(
                        "Block type \"{name}\" is represented by a list of objects, so it must be indexed using a numeric key, like .{name}[0]."
                    ),
                ),
            },
            NestingMode::Map => traverse_block(&nested.block, &rest[1..], path, out),
        }
        return;
    }
    let names = block
        .attributes
        .keys()
        .chain(block.block_types.keys())
        .map(String::as_str);
    err(
        first.span(),
        "Unsupported attribute",
        format!(
            "This object has no argument, nested block, or exported attribute named \"{name}\".{}",
            did_you_mean(name, names)
        ),
    );
}

/// HCL's traversal of an unknown value of type `ty`: the errors it gives
/// for attribute access on primitives and collections and for missing
/// object attributes.
fn traverse_type(ty: &CtyType, steps: &[Step], path: &str, out: &mut Found) {
    let Some(first) = steps.first() else {
        return;
    };
    let rest = &steps[1..];
    let mut err = |summary: &'static str, detail: String| {
        out.push((
            Severity::Error,
            first.span(),
            summary,
            detail,
            path.to_string(),
        ))
    };
    match (ty, first) {
        (CtyType::Dynamic, _) => {}
        (CtyType::Object { attrs, .. }, Step::Attr { name, .. }) => match attrs.get(name) {
            Some(t) => traverse_type(t, rest, path, out),
            None => err(
                "Unsupported attribute",
                format!("This object does not have an attribute named \"{name}\"."),
            ),
        },
        (CtyType::Object { attrs, .. }, Step::Index { key: Key::String(k), .. }) => {
            if let Some(t) = attrs.get(k) {
                traverse_type(t, rest, path, out)
            }
        }
        (CtyType::Map(e), _) | (CtyType::List(e), Step::Index { .. }) => {
            traverse_type(e, rest, path, out)
        }
        (CtyType::Tuple(_), Step::Index { .. }) => {}
        (CtyType::String | CtyType::Number | CtyType::Bool, Step::Attr { .. }) => err(
            "Unsupported attribute",
            format!(
                "Can't access attributes on a primitive-typed value ({}).",
                ty.friendly_name()
            ),
        ),
        (CtyType::List(_) | CtyType::Set(_) | CtyType::Tuple(_), Step::Attr { name, .. }) => err(
            "Unsupported attribute",
            format!(
                "Can't access attributes on a {}. Did you mean to access attribute \"{name}\" for a specific element of the list, or across all elements of the list?",
                ty.friendly_name()
            ),
        ),
        (CtyType::Set(_), Step::Index { .. }) => err(
            "Invalid index",
            "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.".into(),
        ),
        (CtyType::String | CtyType::Number | CtyType::Bool, Step::Index { .. }) => {
            err("Invalid index", "This value does not have any indices.".into())
        }
        (CtyType::Object { .. }, Step::Index { .. }) => {}
    }
}

/// True for a valid HCL identifier.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::decode::check_value;
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

    fn owned(want: &[(&str, &str, &str, u32)]) -> Vec<(String, String, String, u32)> {
        want.iter()
            .map(|(s, a, p, l)| (s.to_string(), a.to_string(), p.to_string(), *l))
            .collect()
    }

    // Terraform stops after loading when the configuration has load errors
    // (duplicates, unknown top-level blocks): the undeclared references
    // below are not reported (checked with terraform 1.11).
    #[test]
    fn load_errors_stop_before_references_are_checked() {
        let src = r#"variable "prefix" {}
variable "prefix" {}
resource "azurerm_subnet" "a" {
  name = var.missing
}
resource "azurerm_subnet" "a" {
  name = data.azurerm_resource_group.gone.name
}
output "o" { value = 1 }
output "o" { value = 2 }
locals { a = 1 }
locals { a = 2 }
"#;
        let (_, ds) = check(&parse("main.tf", src), None);
        assert_eq!(
            summarize(&ds),
            owned(&[
                ("Duplicate variable declaration", "", "", 2),
                (
                    "Duplicate resource \"azurerm_subnet\" configuration",
                    "azurerm_subnet.a",
                    "",
                    6
                ),
                ("Duplicate output definition", "", "", 10),
                ("Duplicate local value definition", "", "", 12),
            ])
        );
        assert!(
            ds[1].detail.contains("already declared at main.tf:3,1-30"),
            "{}",
            ds[1].detail
        );
        assert!(
            ds[3].detail.contains("already defined at main.tf:11,10-15"),
            "{}",
            ds[3].detail
        );
        let (_, ds) = check(
            &parse(
                "main.tf",
                "resorce \"x\" \"y\" {}\nresource \"t\" {}\nfoo = 1\n",
            ),
            None,
        );
        let got: Vec<(&str, &str)> = ds
            .iter()
            .map(|d| (d.summary.as_str(), d.detail.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Unsupported block type",
                    "Blocks of type \"resorce\" are not expected here. Did you mean \"resource\"?"
                ),
                (
                    "Missing name for resource",
                    "All resource blocks must have 2 labels (type, name)."
                ),
                (
                    "Unsupported argument",
                    "An argument named \"foo\" is not expected here."
                ),
            ]
        );
    }

    #[test]
    fn structural_checks_without_schema() {
        let src = r#"variable "prefix" {}
resource "azurerm_subnet" "a" {
  name = "${var.prefix}-${var.missing}"
  resource_group_name = local.rg
}
resource "azurerm_subnet" "b" {
  name = data.azurerm_resource_group.gone.name
  virtual_network_name = azurerm_virtual_network.nope.name
}
locals { ok = [for s in azurerm_subnet.a[*].id : s] }
"#;
        let c = parse("main.tf", src);
        let (level, ds) = check(&c, None);
        assert_eq!(level, ValidationLevel::Structural);
        assert_eq!(
            summarize(&ds),
            owned(&[
                (
                    "Reference to undeclared input variable",
                    "azurerm_subnet.a",
                    "name",
                    3
                ),
                (
                    "Reference to undeclared local value",
                    "azurerm_subnet.a",
                    "resource_group_name",
                    4
                ),
                (
                    "Reference to undeclared resource",
                    "azurerm_subnet.b",
                    "name",
                    7
                ),
                (
                    "Reference to undeclared resource",
                    "azurerm_subnet.b",
                    "virtual_network_name",
                    8
                ),
            ])
        );
        assert_eq!(
            ds[3].detail,
            "A managed resource \"azurerm_virtual_network\" \"nope\" has not been declared in the root module."
        );
        assert_eq!(
            ds[0].detail,
            "An input variable with the name \"missing\" has not been declared. This variable can be declared with a variable \"missing\" {} block."
        );
        let r = ds[3].range.as_ref().unwrap();
        assert_eq!(
            (r.start.column, r.end.column),
            (26, 54),
            "range covers TYPE.NAME"
        );
    }

    // Within one block Terraform checks references to resources first and
    // stops there; then variables and locals; only a block whose references
    // are clean is decoded against the schema. A block whose dependency
    // failed is not validated at all.
    #[test]
    fn phases_stop_at_the_first_failing_one_and_skip_dependents() {
        let s = azurerm();
        let src = r#"resource "azurerm_resource_group" "rg" {
  name     = var.nope
  location = "westeurope"
  bogus    = 1
}
resource "azurerm_resource_group" "rg2" {
  name     = azurerm_resource_group.gone.name
  location = local.nope
}
resource "azurerm_resource_group" "rg3" {
  name     = "rg3"
  location = "westeurope"
  bogus    = azurerm_resource_group.ignored.name
}
resource "azurerm_virtual_network" "vnet" {
  name                = "v"
  resource_group_name = azurerm_resource_group.rg3.name
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
  bogus               = 1
}
locals {
  rg = azurerm_resource_group.rg3.name
}
output "o" {
  value = local.rg
}
"#;
        let (_, ds) = check(&parse("main.tf", src), Some(&s));
        assert_eq!(
            summarize(&ds),
            owned(&[
                (
                    "Reference to undeclared input variable",
                    "azurerm_resource_group.rg",
                    "name",
                    2
                ),
                (
                    "Reference to undeclared resource",
                    "azurerm_resource_group.rg2",
                    "name",
                    7
                ),
                // References inside unknown arguments are not evaluated.
                (
                    "Unsupported argument",
                    "azurerm_resource_group.rg3",
                    "bogus",
                    13
                ),
            ])
        );
    }

    const VM: &str = r#"resource "azurerm_linux_virtual_machine" "vm" {
  name                = "vm"
  resource_group_name = "rg"
  location            = "westeurope"
  size                = "Standard_B1s"
  admin_username      = "azureuser"
  network_interface_ids = "not-a-list"
  allow_extension_operations = "yes"
  max_bid_price       = "12.5"
  encryption_at_host_enabled = "true"
  bogus_argument      = 1
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
resource "azurerm_linux_virtual_machine" "ro" {
  name                  = "vm"
  resource_group_name   = "rg"
  location              = "westeurope"
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  network_interface_ids = []
  virtual_machine_id    = "x"
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
}
resource "azurerm_resource_group" "base" {
  name     = "base"
  location = "westeurope"
}
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = azurerm_resource_group.base.nosuch
}
resource "azurerm_resource_group" "skipped" {
  name     = azurerm_linux_virtual_machine.ro.name
  location = "westeurope"
  bogus    = 1
}
resource "azurerm_not_a_thing" "x" {}
"#;

    #[test]
    fn schema_checks_with_azurerm() {
        let s = azurerm();
        let c = parse("main.tf", VM);
        let (level, ds) = check(&c, Some(&s));
        assert_eq!(level, ValidationLevel::Provider);
        let got: Vec<_> = summarize(&ds)
            .into_iter()
            .map(|(s, a, p, _)| (s, a, p))
            .collect();
        let vm = "azurerm_linux_virtual_machine.vm";
        let want = [
            (
                "Incorrect attribute value type",
                vm,
                "network_interface_ids",
            ),
            (
                "Incorrect attribute value type",
                vm,
                "allow_extension_operations",
            ),
            ("Unsupported argument", vm, "bogus_argument"),
            ("Incorrect attribute value type", vm, "tags"),
            ("Missing required argument", vm, "os_disk.caching"),
            ("Unsupported argument", vm, "os_disk.mystery"),
            ("Unsupported block type", vm, "widget"),
            (
                "Value for unconfigurable attribute",
                "azurerm_linux_virtual_machine.ro",
                "virtual_machine_id",
            ),
            (
                "Unsupported attribute",
                "azurerm_resource_group.rg",
                "location",
            ),
            ("Invalid resource type", "azurerm_not_a_thing.x", ""),
        ];
        let mut want: Vec<_> = want
            .iter()
            .map(|(s, a, p)| (s.to_string(), a.to_string(), p.to_string()))
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        want.sort();
        assert_eq!(got_sorted, want);
        // Terraform's conversions are accepted: "12.5" → number, "true" → bool, 1 → string.
        let bogus = ds
            .iter()
            .find(|d| d.attribute.as_deref() == Some("bogus_argument"))
            .unwrap();
        assert_eq!(
            bogus.detail,
            "An argument named \"bogus_argument\" is not expected here."
        );
        assert_eq!(bogus.range.as_ref().unwrap().start.line, 11);
        // `skipped` depends on `ro`, which failed: Terraform does not validate it.
        assert!(!got.iter().any(|g| g.1 == "azurerm_resource_group.skipped"));
        let nested = ds
            .iter()
            .find(|d| d.attribute.as_deref() == Some("tags"))
            .unwrap();
        assert_eq!(
            nested.detail,
            "Inappropriate value for attribute \"tags\": element \"env\": string required."
        );
        let ro = ds
            .iter()
            .find(|d| d.summary == "Value for unconfigurable attribute")
            .unwrap();
        assert_eq!(ro.range.as_ref().unwrap().start.column, 27, "at the value");
        let invalid = ds
            .iter()
            .find(|d| d.summary == "Invalid resource type")
            .unwrap();
        assert_eq!(
            invalid.detail,
            "The provider hashicorp/azurerm does not support resource type \"azurerm_not_a_thing\"."
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
        assert_eq!(
            got,
            vec![
                (
                    "Insufficient os_disk blocks".to_string(),
                    "azurerm_linux_virtual_machine.vm".to_string(),
                    1
                ),
                (
                    "Too many os_disk blocks".into(),
                    "azurerm_linux_virtual_machine.two".into(),
                    20
                )
            ]
        );
        assert_eq!(ds[0].detail, "At least 1 \"os_disk\" blocks are required.");
        assert_eq!(
            ds[1].detail,
            "No more than 1 \"os_disk\" blocks are allowed"
        );
    }

    // Terraform accepts `security_rule { ... }` for the list/set-of-object
    // attribute `security_rule` (lang/blocktoattr), leaving unset fields
    // null, also as a dynamic block; an unknown field is still an
    // unsupported argument. When the body also sets the attribute, the
    // blocks are unsupported. Checked against terraform 1.11 with
    // aws_security_group.ingress, the same kind of attribute.
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
  dynamic "security_rule" {
    for_each = [1]
    content {
      nope = 1
    }
  }
}
resource "azurerm_network_security_group" "both" {
  name = "n"
  resource_group_name = "rg"
  location = "eastus"
  security_rule = []
  security_rule {
    name = "a"
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
                ("Unsupported argument", Some("security_rule.nope")),
                ("Unsupported block type", Some("security_rule")),
            ]
        );
    }

    // In JSON syntax an object attribute must carry every attribute of the
    // object type (there is no block fixup), extra ones are dropped; unknown
    // properties are "Extraneous JSON object property" (terraform 1.11).
    #[test]
    fn json_syntax_follows_hcl_json_rules() {
        let s = azurerm();
        let hcl = r#"resource "azurerm_subnet" "a" {
  name = "a"
  resource_group_name = "rg"
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
  "resource_group_name": "rg",
  "virtual_network_name": "v",
  "address_prefixes": "10.0.0.0/24",
  "bogus": true,
  "delegation": [{"name": "d", "service_delegation": {"name": "Microsoft.Web/serverFarms"}, "extra": 1}]
}}}}"#;
        let key = |ds: Vec<Diagnostic>| -> Vec<_> {
            let mut v: Vec<_> = ds
                .into_iter()
                .map(|d| (d.summary, d.address, d.attribute))
                .collect();
            v.sort();
            v
        };
        let (_, from_hcl) = check(&parse("main.tf", hcl), Some(&s));
        let (_, from_json) = check(&parse("main.tf.json", json), Some(&s));
        let a = Some("azurerm_subnet.a".to_string());
        let p = |s: &str| Some(s.to_string());
        assert_eq!(
            key(from_hcl),
            vec![
                (
                    "Incorrect attribute value type".to_string(),
                    a.clone(),
                    p("address_prefixes")
                ),
                ("Unsupported argument".into(), a.clone(), p("bogus")),
                (
                    "Unsupported argument".into(),
                    a.clone(),
                    p("delegation.extra")
                ),
            ]
        );
        assert_eq!(
            key(from_json),
            vec![
                (
                    "Extraneous JSON object property".to_string(),
                    a.clone(),
                    p("bogus")
                ),
                (
                    "Extraneous JSON object property".into(),
                    a.clone(),
                    p("delegation.extra")
                ),
                (
                    "Incorrect attribute value type".into(),
                    a.clone(),
                    p("address_prefixes")
                ),
            ]
        );
    }

    #[test]
    fn object_values_need_their_attributes_and_drop_extra_ones() {
        let e = |kind| super::super::config::Expr {
            kind,
            span: Span::default(),
            refs: Vec::new(),
        };
        let item = |k: &str, v| super::super::config::ObjectItem {
            key: k.into(),
            key_span: Span::default(),
            value: e(v),
        };
        use super::super::config::ExprKind as K;
        let ty = CtyType::Object {
            attrs: [
                ("a".to_string(), CtyType::Number),
                ("b".to_string(), CtyType::String),
                ("c".to_string(), CtyType::String),
                ("d".to_string(), CtyType::Bool),
            ]
            .into(),
            optional: ["d".to_string()].into(),
        };
        let only_a = e(K::Object(vec![item("a", K::Number(1.0))]));
        assert_eq!(
            check_value(&only_a, &ty),
            Err("attributes \"b\" and \"c\" are required".into())
        );
        let none = e(K::Object(vec![]));
        assert_eq!(
            check_value(&none, &ty),
            Err("attributes \"a\", \"b\", and \"c\" are required".into())
        );
        let full = e(K::Object(vec![
            item("a", K::String("x".into())),
            item("b", K::Null),
            item("c", K::Null),
            item("extra", K::Bool(true)),
        ]));
        assert_eq!(
            check_value(&full, &ty),
            Err("attribute \"a\": a number is required".into())
        );
        let list = CtyType::List(Box::new(ty));
        let ok = e(K::Tuple(vec![e(K::Object(vec![
            item("a", K::Number(1.0)),
            item("b", K::Null),
            item("c", K::String("x".into())),
            item("extra", K::Bool(true)),
        ]))]));
        assert_eq!(check_value(&ok, &list), Ok(()));
    }

    #[test]
    fn references_to_attributes_are_checked_against_the_schema() {
        let s = azurerm();
        let src = r#"resource "azurerm_linux_virtual_machine" "vm" {
  count                 = 2
  name                  = "vm"
  resource_group_name   = "rg"
  location              = "westeurope"
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  network_interface_ids = []
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
}
resource "azurerm_resource_group" "a" {
  name     = azurerm_linux_virtual_machine.vm.name
  location = "westeurope"
}
resource "azurerm_resource_group" "b" {
  name     = azurerm_linux_virtual_machine.vm[0].os_disk[0].caching
  location = azurerm_linux_virtual_machine.vm[0].os_disk.caching
}
resource "azurerm_resource_group" "clean" {
  name     = "clean"
  location = "westeurope"
}
resource "azurerm_resource_group" "c" {
  name     = azurerm_linux_virtual_machine.vm[0].name.first
  location = azurerm_resource_group.clean[0].location
}
resource "azurerm_resource_group" "d" {
  count    = 2
  name     = azurerm_linux_virtual_machine.vm[count.index].nosuch
  location = [for v in azurerm_linux_virtual_machine.vm : v.nosuch][0]
  tags     = azurerm_linux_virtual_machine.vm[0].tags["x"] == "" ? {} : {}
}
"#;
        let (_, ds) = check(&parse("main.tf", src), Some(&s));
        let got: Vec<(&str, &str)> = ds
            .iter()
            .map(|d| (d.summary.as_str(), d.address.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            [
                ("Missing resource instance key", "azurerm_resource_group.a"),
                ("Invalid operation", "azurerm_resource_group.b"),
                ("Unsupported attribute", "azurerm_resource_group.c"),
                (
                    "Unexpected resource instance key",
                    "azurerm_resource_group.c"
                ),
            ]
        );
    }

    #[test]
    fn provider_blocks_are_checked_when_they_have_content() {
        let mut s = azurerm();
        let provider: super::super::schema::SchemaEntry = serde_json::from_str(
            r#"{"block": {"attributes": {"subscription_id": {"type": "string", "optional": true}},
                "block_types": {"features": {"nesting_mode": "list", "min_items": 1, "max_items": 1, "block": {}}}}}"#,
        )
        .unwrap();
        let addr = "registry.terraform.io/hashicorp/azurerm";
        let mut p = s.provider_by_local_name("azurerm").unwrap().1.clone();
        p.provider = Some(provider);
        s.insert(addr.into(), p);
        let src = r#"provider "azurerm" {
  subscription_id = "x"
  bogus = 1
}
provider "azurerm" {
  alias = "empty"
}
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
  bogus    = 1
}
"#;
        let (_, ds) = check(&parse("main.tf", src), Some(&s));
        let got: Vec<(&str, Option<&str>)> = ds
            .iter()
            .map(|d| (d.summary.as_str(), d.attribute.as_deref()))
            .collect();
        // The resource depends on the failing default provider configuration: skipped.
        assert_eq!(
            got,
            [
                ("Insufficient features blocks", Some("features")),
                ("Unsupported argument", Some("bogus")),
            ]
        );
    }

    // Checked against terraform 1.11 (tests/validate_corpus/terraform-builtin):
    // a dependency cycle stops validation before any node is checked.
    #[test]
    fn cycles_stop_validation_and_self_referencing_locals_are_reported() {
        let src = r#"resource "terraform_data" "a" {
  input = local.x
}
locals {
  x = terraform_data.a.output
}
resource "terraform_data" "independent" {
  bogus = 1
}
"#;
        let (_, ds) = check(&parse("main.tf", src), Some(&Schemas::builtin()));
        let got: Vec<&str> = ds.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(got, ["Cycle: local.x (expand), terraform_data.a"]);

        let src = "locals {\n  a = local.a\n  b = local.a\n}\nresource \"terraform_data\" \"t\" {\n  input = local.b\n  bogus = 1\n}\n";
        let (_, ds) = check(&parse("main.tf", src), Some(&Schemas::builtin()));
        let got: Vec<&str> = ds.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            got,
            ["Self-referencing local value"],
            "dependents are skipped"
        );
    }

    #[test]
    fn repetition_objects_and_variable_defaults_are_checked() {
        let src = r#"variable "n" {
  type    = map(number)
  default = { a = "many" }
}
"#;
        let (_, ds) = check(&parse("main.tf", src), None);
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].summary, "Invalid default value for variable");
        assert_eq!(
            ds[0].detail,
            "This default value is not compatible with the variable's type constraint: element \"a\": a number is required."
        );

        let src = r#"resource "terraform_data" "a" {
  input = [count.index, each.key, each.value]
}
resource "terraform_data" "b" {
  for_each = toset(["x"])
  input    = [each.key, each.value]
}
"#;
        let (_, ds) = check(&parse("main.tf", src), Some(&Schemas::builtin()));
        let got: Vec<&str> = ds.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            got,
            [
                "Reference to \"count\" in non-counted context",
                "Reference to \"each\" in context without for_each",
                "each.value cannot be used in this context",
            ]
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
