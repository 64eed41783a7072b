//! Provider schemas in the `terraform providers schema -json` format: loading
//! and merging them for any provider address, mapping a resource type to its
//! provider, and the on-disk `SchemaCache` a successful terraform run fills.
//!
//! Checking a configuration against a schema is left to `validate::builtin`;
//! producing schemas (running terraform) is left to `validate::terraform`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::rules::ProviderRules;

/// An error loading a schema file.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file could not be read.
    #[error("cannot read provider schema `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON in the `terraform providers schema -json` format.
    #[error("`{}` line {line} column {column}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line of the JSON error.
        line: usize,
        /// 1-based column of the JSON error.
        column: usize,
        /// What serde_json reported.
        message: String,
    },
    /// Writing to the schema cache failed.
    #[error("cannot write schema cache file `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A cty type as written in schema JSON: `"string"`, `["list","string"]`,
/// `["object",{"a":"string"}]`, `"dynamic"`...
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub enum CtyType {
    /// `"string"`.
    String,
    /// `"number"`.
    Number,
    /// `"bool"`.
    Bool,
    /// `"dynamic"`: any value.
    Dynamic,
    /// `["list", T]`.
    List(Box<CtyType>),
    /// `["set", T]`.
    Set(Box<CtyType>),
    /// `["map", T]`.
    Map(Box<CtyType>),
    /// `["object", {name: T}]` or `["object", {name: T}, [optional names]]`.
    Object {
        /// Attribute name → type.
        attrs: BTreeMap<String, CtyType>,
        /// Attributes that may be left out (the third element of the JSON form).
        optional: BTreeSet<String>,
    },
    /// `["tuple", [T...]]`.
    Tuple(Vec<CtyType>),
}

impl TryFrom<serde_json::Value> for CtyType {
    type Error = String;
    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "string" => Ok(CtyType::String),
                "number" => Ok(CtyType::Number),
                "bool" => Ok(CtyType::Bool),
                "dynamic" => Ok(CtyType::Dynamic),
                other => Err(format!("unknown cty type `{other}`")),
            },
            J::Array(a) if a.len() >= 2 => {
                let mut a = a.into_iter();
                let kind = a.next().and_then(|k| k.as_str().map(str::to_string));
                let arg = a.next().unwrap_or_default();
                let extra = a.next();
                match kind.as_deref().unwrap_or_default() {
                    "list" => Ok(CtyType::List(Box::new(CtyType::try_from(arg)?))),
                    "set" => Ok(CtyType::Set(Box::new(CtyType::try_from(arg)?))),
                    "map" => Ok(CtyType::Map(Box::new(CtyType::try_from(arg)?))),
                    "object" => match arg {
                        J::Object(m) => {
                            let attrs = m
                                .into_iter()
                                .map(|(k, v)| Ok((k, CtyType::try_from(v)?)))
                                .collect::<Result<_, String>>()?;
                            let optional = match extra {
                                Some(J::Array(names)) => names
                                    .into_iter()
                                    .filter_map(|n| n.as_str().map(str::to_string))
                                    .collect(),
                                _ => BTreeSet::new(),
                            };
                            Ok(CtyType::Object { attrs, optional })
                        }
                        _ => Err("object type needs an attribute map".into()),
                    },
                    "tuple" => match arg {
                        J::Array(items) => items
                            .into_iter()
                            .map(CtyType::try_from)
                            .collect::<Result<_, _>>()
                            .map(CtyType::Tuple),
                        _ => Err("tuple type needs an element list".into()),
                    },
                    other => Err(format!("unknown cty type kind `{other}`")),
                }
            }
            other => Err(format!("invalid cty type {other}")),
        }
    }
}

impl CtyType {
    /// The type as Terraform names it in messages: `string`, `list of string`,
    /// `map of number`, `object`...
    pub fn friendly_name(&self) -> String {
        match self {
            CtyType::String => "string".into(),
            CtyType::Number => "number".into(),
            CtyType::Bool => "bool".into(),
            CtyType::Dynamic => "any value".into(),
            CtyType::List(t) => format!("list of {}", t.friendly_name()),
            CtyType::Set(t) => format!("set of {}", t.friendly_name()),
            CtyType::Map(t) => format!("map of {}", t.friendly_name()),
            CtyType::Object { .. } => "object".into(),
            CtyType::Tuple(_) => "tuple".into(),
        }
    }
}

/// Parses a Terraform type constraint (`string`, `list(number)`,
/// `map(object({ a = string, b = optional(bool) }))`, `any`...), as
/// written in a `variable` block's `type`. `None` for anything else.
pub fn parse_type_constraint(text: &str) -> Option<CtyType> {
    use hcl_edit::expr::{Expression, ObjectKey};
    fn ty(e: &Expression) -> Option<CtyType> {
        match e {
            Expression::Variable(v) => match v.as_str() {
                "string" => Some(CtyType::String),
                "number" => Some(CtyType::Number),
                "bool" => Some(CtyType::Bool),
                "any" => Some(CtyType::Dynamic),
                _ => None,
            },
            Expression::Parenthesis(p) => ty(p.inner()),
            Expression::FuncCall(f) => {
                let arg = f.args.get(0);
                match f.name.name.as_str() {
                    "list" => Some(CtyType::List(Box::new(ty(arg?)?))),
                    "set" => Some(CtyType::Set(Box::new(ty(arg?)?))),
                    "map" => Some(CtyType::Map(Box::new(ty(arg?)?))),
                    "tuple" => match arg? {
                        Expression::Array(a) => {
                            a.iter().map(ty).collect::<Option<_>>().map(CtyType::Tuple)
                        }
                        _ => None,
                    },
                    "object" => match arg? {
                        Expression::Object(o) => {
                            let mut attrs = BTreeMap::new();
                            let mut optional = BTreeSet::new();
                            for (k, v) in o.iter() {
                                let name = match k {
                                    ObjectKey::Ident(i) => i.as_str().to_string(),
                                    ObjectKey::Expression(Expression::String(s)) => {
                                        s.value().clone()
                                    }
                                    ObjectKey::Expression(_) => return None,
                                };
                                let t = match v.expr() {
                                    Expression::FuncCall(o)
                                        if o.name.name.as_str() == "optional" =>
                                    {
                                        optional.insert(name.clone());
                                        ty(o.args.get(0)?)?
                                    }
                                    other => ty(other)?,
                                };
                                attrs.insert(name, t);
                            }
                            Some(CtyType::Object { attrs, optional })
                        }
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }
    ty(&hcl_edit::parser::parse_expr(text).ok()?)
}

/// One attribute of a block schema.
#[derive(Debug, Clone, Deserialize)]
pub struct AttributeSchema {
    /// The value type; absent for attributes described by `nested_type`.
    #[serde(rename = "type", default)]
    pub ty: Option<CtyType>,
    /// Nested attributes (plugin-framework providers), instead of `type`.
    #[serde(default)]
    pub nested_type: Option<NestedAttributes>,
    /// Must be set.
    #[serde(default)]
    pub required: bool,
    /// May be set.
    #[serde(default)]
    pub optional: bool,
    /// Filled by the provider; with neither `required` nor `optional` it cannot be set.
    #[serde(default)]
    pub computed: bool,
    /// Value hidden in output.
    #[serde(default)]
    pub sensitive: bool,
    /// Deprecated by the provider.
    #[serde(default)]
    pub deprecated: bool,
}

impl AttributeSchema {
    /// True when the configuration cannot set this attribute (computed only).
    pub fn is_computed_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }

    /// `value_type`, borrowed when the schema gives `type` (most do).
    pub fn value_type_cow(&self) -> std::borrow::Cow<'_, CtyType> {
        match &self.ty {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned(self.value_type()),
        }
    }

    /// The effective value type: `type`, or the object type `nested_type` implies.
    pub fn value_type(&self) -> CtyType {
        if let Some(t) = &self.ty {
            return t.clone();
        }
        match &self.nested_type {
            None => CtyType::Dynamic,
            Some(n) => {
                let obj = CtyType::Object {
                    attrs: n
                        .attributes
                        .iter()
                        .map(|(k, a)| (k.clone(), a.value_type()))
                        .collect(),
                    optional: n
                        .attributes
                        .iter()
                        .filter(|(_, a)| !a.required)
                        .map(|(k, _)| k.clone())
                        .collect(),
                };
                match n.nesting_mode {
                    NestingMode::Single | NestingMode::Group => obj,
                    NestingMode::List => CtyType::List(Box::new(obj)),
                    NestingMode::Set => CtyType::Set(Box::new(obj)),
                    NestingMode::Map => CtyType::Map(Box::new(obj)),
                }
            }
        }
    }
}

/// `nested_type` of an attribute: attributes and how they nest.
#[derive(Debug, Clone, Deserialize)]
pub struct NestedAttributes {
    /// Attribute name → schema.
    #[serde(default)]
    pub attributes: HashMap<String, AttributeSchema>,
    /// How the object nests.
    #[serde(default = "single")]
    pub nesting_mode: NestingMode,
}

fn single() -> NestingMode {
    NestingMode::Single
}

/// How a nested block (or nested attribute) repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NestingMode {
    /// At most one block.
    Single,
    /// At most one block, always present as an object.
    Group,
    /// An ordered list of blocks.
    List,
    /// A set of blocks.
    Set,
    /// Blocks keyed by a label.
    Map,
}

/// A nested block type of a block schema.
#[derive(Debug, Clone, Deserialize)]
pub struct NestedBlockSchema {
    /// How the block repeats.
    pub nesting_mode: NestingMode,
    /// The nested block's own schema.
    #[serde(default)]
    pub block: BlockSchema,
    /// Minimum number of blocks (0 when absent).
    #[serde(default)]
    pub min_items: u64,
    /// Maximum number of blocks (0 when absent means unlimited).
    #[serde(default)]
    pub max_items: u64,
}

/// A block schema: attributes and nested block types.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BlockSchema {
    /// Attribute name → schema.
    #[serde(default)]
    pub attributes: HashMap<String, AttributeSchema>,
    /// Block type name → schema.
    #[serde(default)]
    pub block_types: HashMap<String, NestedBlockSchema>,
    /// Deprecated by the provider (for a nested block: the whole block type).
    #[serde(default)]
    pub deprecated: bool,
}

/// A resource, data source or provider schema with its version.
#[derive(Debug, Clone, Deserialize)]
pub struct SchemaEntry {
    /// Schema version.
    #[serde(default)]
    pub version: u64,
    /// The top-level block.
    #[serde(default)]
    pub block: BlockSchema,
}

/// Everything one provider describes.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProviderSchema {
    /// The provider configuration block.
    #[serde(default)]
    pub provider: Option<SchemaEntry>,
    /// Managed resource type → schema.
    #[serde(default)]
    pub resource_schemas: HashMap<String, SchemaEntry>,
    /// Data source type → schema.
    #[serde(default)]
    pub data_source_schemas: HashMap<String, SchemaEntry>,
}

#[derive(Deserialize)]
struct SchemaFile {
    #[serde(default)]
    provider_schemas: HashMap<String, ProviderSchema>,
}

/// The builtin provider's address.
pub const BUILTIN_TERRAFORM: &str = "terraform.io/builtin/terraform";

/// Provider schemas merged from any number of files, keyed by provider
/// address (`registry.terraform.io/hashicorp/azurerm`), with each
/// provider's validation data (`validate::rules`) when loaded.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    providers: BTreeMap<String, ProviderSchema>,
    by_local_name: HashMap<String, String>,
    rules: BTreeMap<String, std::sync::Arc<ProviderRules>>,
}

impl Schemas {
    /// Loads one file in `terraform providers schema -json` format.
    ///
    /// Errors: `SchemaError::Read` when the file cannot be read,
    /// `SchemaError::Malformed` (with line and column) when it is not valid.
    pub fn load_file(path: &Path) -> Result<Schemas, SchemaError> {
        let bytes = std::fs::read(path).map_err(|source| SchemaError::Read {
            path: path.into(),
            source,
        })?;
        Self::from_slice(&bytes, path)
    }

    /// Parses schema JSON; `path` only names the source in errors.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Schemas, SchemaError> {
        let file: SchemaFile =
            serde_json::from_slice(bytes).map_err(|e| SchemaError::Malformed {
                path: path.into(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        let mut s = Schemas::default();
        for (addr, p) in file.provider_schemas {
            s.insert(addr, p);
        }
        Ok(s)
    }

    /// Loads and merges several files (later files win per provider).
    pub fn load_files(paths: &[PathBuf]) -> Result<Schemas, SchemaError> {
        let mut all = Schemas::default();
        for p in paths {
            all.merge(Self::load_file(p)?);
        }
        Ok(all)
    }

    /// Adds or replaces one provider's schema.
    pub fn insert(&mut self, address: String, schema: ProviderSchema) {
        self.by_local_name
            .insert(local_name_of_address(&address).to_string(), address.clone());
        self.providers.insert(address, schema);
    }

    /// Merges `other` into `self`; `other` wins for providers present in both.
    pub fn merge(&mut self, other: Schemas) {
        for (addr, p) in other.providers {
            self.insert(addr, p);
        }
        self.rules.extend(other.rules);
    }

    /// Adds (or replaces) a provider's validation data, by the provider
    /// address it names.
    pub fn add_rules(&mut self, rules: ProviderRules) {
        self.rules
            .insert(rules.provider.clone(), std::sync::Arc::new(rules));
    }

    /// The validation data of a provider address, else of the provider
    /// loaded under the same local name (a mirror host still serves).
    pub fn rules_for(&self, address: &str) -> Option<&ProviderRules> {
        if let Some(r) = self.rules.get(address) {
            return Some(r);
        }
        let local = local_name_of_address(address);
        self.rules
            .iter()
            .find(|(a, _)| local_name_of_address(a) == local)
            .map(|(_, r)| r.as_ref())
    }

    /// Addresses of the providers whose validation data is loaded, sorted.
    pub fn rules_addresses(&self) -> impl Iterator<Item = &str> {
        self.rules.keys().map(String::as_str)
    }

    /// True when no provider is loaded.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// Provider addresses, sorted.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// The provider schema for a local name such as `azurerm` or `terraform`.
    pub fn provider_by_local_name(&self, local: &str) -> Option<(&str, &ProviderSchema)> {
        let addr = self.by_local_name.get(local)?;
        self.providers.get(addr).map(|p| (addr.as_str(), p))
    }

    /// The provider schema for a provider address, when loaded; else the
    /// one loaded under the same local name (a schema dumped through a
    /// mirror host still serves). `address` is the full source address a
    /// configuration resolves the local name to.
    pub fn provider_for(&self, local: &str, address: &str) -> Option<(&str, &ProviderSchema)> {
        match self.providers.get_key_value(address) {
            Some((a, p)) => Some((a.as_str(), p)),
            None => self.provider_by_local_name(local),
        }
    }

    /// The provider a resource or data source type belongs to, by its prefix
    /// (`azurerm_subnet` → `azurerm`), when that provider is loaded.
    pub fn provider_for_type(&self, resource_type: &str) -> Option<(&str, &ProviderSchema)> {
        self.provider_by_local_name(provider_local_name(resource_type))
    }

    /// The schema of a managed resource type, if its provider is loaded and has it.
    pub fn resource(&self, resource_type: &str) -> Option<&SchemaEntry> {
        self.provider_for_type(resource_type)?
            .1
            .resource_schemas
            .get(resource_type)
    }

    /// True when the argument or block at a dotted path (no indices, e.g.
    /// `os_disk.caching`) of a managed resource type is deprecated in its
    /// provider's schema.
    pub fn is_deprecated(&self, resource_type: &str, path: &str) -> bool {
        let Some(entry) = self.resource(resource_type) else {
            return false;
        };
        let mut block = &entry.block;
        let mut parts = path.split('.').peekable();
        while let Some(p) = parts.next() {
            if let Some(a) = block.attributes.get(p) {
                return parts.peek().is_none() && a.deprecated;
            }
            match block.block_types.get(p) {
                Some(nb) if parts.peek().is_none() => return nb.block.deprecated,
                Some(nb) => block = &nb.block,
                None => return false,
            }
        }
        false
    }

    /// The schema of a data source type, if its provider is loaded and has it.
    pub fn data_source(&self, resource_type: &str) -> Option<&SchemaEntry> {
        self.provider_for_type(resource_type)?
            .1
            .data_source_schemas
            .get(resource_type)
    }

    /// The schema of Terraform's builtin provider, as `terraform providers
    /// schema -json` prints it (terraform 1.11): the resource
    /// `terraform_data` (`input` and `triggers_replace` of any type,
    /// computed `id` and `output`) and the data source
    /// `terraform_remote_state` (required `backend`; `config`, `defaults`,
    /// `workspace`; computed `outputs`).
    pub fn builtin() -> Schemas {
        let attr = |optional: bool, computed: bool, ty: CtyType| AttributeSchema {
            ty: Some(ty),
            nested_type: None,
            required: false,
            optional,
            computed,
            sensitive: false,
            deprecated: false,
        };
        let mut attributes = HashMap::new();
        attributes.insert("id".to_string(), attr(false, true, CtyType::String));
        attributes.insert("input".to_string(), attr(true, false, CtyType::Dynamic));
        attributes.insert("output".to_string(), attr(false, true, CtyType::Dynamic));
        attributes.insert(
            "triggers_replace".to_string(),
            attr(true, false, CtyType::Dynamic),
        );
        let mut p = ProviderSchema::default();
        p.resource_schemas.insert(
            "terraform_data".into(),
            SchemaEntry {
                version: 0,
                block: BlockSchema {
                    attributes,
                    ..BlockSchema::default()
                },
            },
        );
        let mut remote_state = HashMap::new();
        remote_state.insert(
            "backend".to_string(),
            AttributeSchema {
                required: true,
                ..attr(false, false, CtyType::String)
            },
        );
        for name in ["config", "defaults"] {
            remote_state.insert(name.to_string(), attr(true, false, CtyType::Dynamic));
        }
        remote_state.insert("outputs".to_string(), attr(false, true, CtyType::Dynamic));
        remote_state.insert("workspace".to_string(), attr(true, false, CtyType::String));
        p.data_source_schemas.insert(
            "terraform_remote_state".into(),
            SchemaEntry {
                version: 0,
                block: BlockSchema {
                    attributes: remote_state,
                    ..BlockSchema::default()
                },
            },
        );
        let mut s = Schemas::default();
        s.insert(BUILTIN_TERRAFORM.into(), p);
        s
    }
}

/// The provider local name a resource type implies: the part before the
/// first `_` (`azurerm_subnet` → `azurerm`, `terraform_data` → `terraform`).
/// This is Terraform's default when a resource has no `provider` argument.
pub fn provider_local_name(resource_type: &str) -> &str {
    resource_type
        .split_once('_')
        .map_or(resource_type, |(p, _)| p)
}

/// The last segment of a provider address (`registry.terraform.io/hashicorp/aws` → `aws`).
pub fn local_name_of_address(address: &str) -> &str {
    address.rsplit('/').next().unwrap_or(address)
}

/// A folder of cached schema files, one per provider address and version:
/// `DIR/HOST/NAMESPACE/NAME/VERSION.json`, each in the
/// `terraform providers schema -json` format with only that provider.
#[derive(Debug, Clone)]
pub struct SchemaCache {
    dir: PathBuf,
}

/// The default cache folder, relative to the working directory.
pub const DEFAULT_SCHEMA_CACHE_DIR: &str = ".atg/schemas";

impl SchemaCache {
    /// A cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SchemaCache { dir: dir.into() }
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_for(&self, address: &str, version: &str) -> PathBuf {
        let mut p = self.dir.clone();
        for seg in address
            .split('/')
            .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        {
            p.push(seg);
        }
        p.push(format!("{}.json", sanitize(version)));
        p
    }

    /// Stores one provider's schema (a `provider_schemas` entry) under its
    /// address and version, atomically. Returns the file written.
    ///
    /// Errors: `SchemaError::Write` on any I/O error.
    pub fn store(
        &self,
        address: &str,
        version: &str,
        provider_schema: &serde_json::Value,
    ) -> Result<PathBuf, SchemaError> {
        let path = self.file_for(address, version);
        let doc = serde_json::json!({
            "format_version": "1.0",
            "provider_schemas": { address: provider_schema },
        });
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            crate::fsutil::write_atomic(&path, doc.to_string().as_bytes())
        };
        write().map_err(|source| SchemaError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Splits a whole `terraform providers schema -json` output into one
    /// cache file per provider; `versions` maps address → version (providers
    /// without a version are stored as `unknown`). Returns the files written.
    pub fn store_all(
        &self,
        schema_json: &[u8],
        versions: &HashMap<String, String>,
    ) -> Result<Vec<PathBuf>, SchemaError> {
        let v: serde_json::Value =
            serde_json::from_slice(schema_json).map_err(|e| SchemaError::Malformed {
                path: PathBuf::from("terraform providers schema -json"),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        let mut out = Vec::new();
        if let Some(map) = v.get("provider_schemas").and_then(|m| m.as_object()) {
            for (addr, schema) in map {
                let version = versions.get(addr).map_or("unknown", String::as_str);
                out.push(self.store(addr, version, schema)?);
            }
        }
        Ok(out)
    }

    /// The cached file for exactly this address and version, if present.
    pub fn lookup(&self, address: &str, version: &str) -> Option<PathBuf> {
        let p = self.file_for(address, version);
        p.is_file().then_some(p)
    }

    /// The cached file for the highest version of this address (versions
    /// compared numerically by dot-separated parts), if any.
    pub fn lookup_latest(&self, address: &str) -> Option<PathBuf> {
        let dir = self.file_for(address, "x");
        let dir = dir.parent()?;
        let mut best: Option<(Vec<u64>, PathBuf)> = None;
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            let p = e.path();
            let Some(stem) = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                // Validation data may sit beside a cached schema.
                .filter(|s| !s.ends_with(".validation"))
            else {
                continue;
            };
            let key: Vec<u64> = stem.split('.').map(|s| s.parse().unwrap_or(0)).collect();
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, p));
            }
        }
        best.map(|(_, p)| p)
    }

    /// The latest cached file of every provider in the cache, sorted.
    pub fn all_latest(&self) -> Vec<PathBuf> {
        let mut addrs = Vec::new();
        collect_addresses(&self.dir, &self.dir, &mut addrs);
        let mut out: Vec<PathBuf> = addrs.iter().filter_map(|a| self.lookup_latest(a)).collect();
        out.sort();
        out
    }
}

fn collect_addresses(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut has_json = false;
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_addresses(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            has_json = true;
        }
    }
    if has_json && let Ok(rel) = dir.strip_prefix(root) {
        let parts: Vec<_> = rel.iter().filter_map(|s| s.to_str()).collect();
        out.push(parts.join("/"));
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const AZURERM_SCHEMA: &str = "../shared/reference/azurerm-4.79.0.schema.json";

    /// The azurerm reference schema; panics with a clear message when it is missing.
    pub(crate) fn azurerm() -> Schemas {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(AZURERM_SCHEMA);
        assert!(
            p.is_file(),
            "the azurerm reference schema is missing: expected `{AZURERM_SCHEMA}` (relative to the crate root) at {}",
            p.display()
        );
        Schemas::load_file(&p).expect("reference schema loads")
    }

    #[test]
    fn azurerm_schema_loads_fast_and_maps_types_to_provider() {
        let start = std::time::Instant::now();
        let s = azurerm();
        let took = start.elapsed();
        assert!(took.as_secs() < 5, "loading took {took:?}");
        let (addr, _) = s.provider_for_type("azurerm_subnet").unwrap();
        assert_eq!(addr, "registry.terraform.io/hashicorp/azurerm");
        let vm = s.resource("azurerm_linux_virtual_machine").unwrap();
        let os_disk = &vm.block.block_types["os_disk"];
        assert_eq!(os_disk.nesting_mode, NestingMode::List);
        assert_eq!((os_disk.min_items, os_disk.max_items), (1, 1));
        assert!(os_disk.block.attributes["caching"].required);
        let subnet = s.resource("azurerm_subnet").unwrap();
        assert_eq!(
            subnet.block.attributes["address_prefixes"].ty,
            Some(CtyType::List(Box::new(CtyType::String)))
        );
        assert!(s.data_source("azurerm_resource_group").is_some());
        assert!(s.resource("aws_instance").is_none());
        assert_eq!(provider_local_name("terraform_data"), "terraform");
    }

    #[test]
    fn type_constraints_parse() {
        let obj = parse_type_constraint("map(object({ a = string, b = optional(list(number)) }))")
            .unwrap();
        let CtyType::Map(inner) = obj else {
            panic!("{obj:?}")
        };
        assert_eq!(
            *inner,
            CtyType::Object {
                attrs: [
                    ("a".to_string(), CtyType::String),
                    ("b".to_string(), CtyType::List(Box::new(CtyType::Number)))
                ]
                .into(),
                optional: ["b".to_string()].into(),
            }
        );
        assert_eq!(parse_type_constraint("any"), Some(CtyType::Dynamic));
        assert_eq!(
            parse_type_constraint("tuple([string, bool])"),
            Some(CtyType::Tuple(vec![CtyType::String, CtyType::Bool]))
        );
        assert_eq!(parse_type_constraint("strin"), None);
    }

    #[test]
    fn malformed_schema_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.json");
        std::fs::write(
            &p,
            "{\n  \"provider_schemas\": {\n    \"x\": {}\n    \"y\": {}\n}}",
        )
        .unwrap();
        let err = Schemas::load_file(&p).unwrap_err();
        match &err {
            SchemaError::Malformed { line, .. } => assert_eq!(*line, 4),
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("bad.json"), "{err}");
        let missing = Schemas::load_file(&dir.path().join("nope.json")).unwrap_err();
        assert!(matches!(missing, SchemaError::Read { .. }));
        assert!(missing.to_string().contains("nope.json"));
    }

    #[test]
    fn several_providers_merge_and_cache_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let aws = br#"{"format_version":"1.0","provider_schemas":{"registry.terraform.io/hashicorp/aws":{"resource_schemas":{"aws_vpc":{"version":1,"block":{"attributes":{"cidr_block":{"type":"string","optional":true}}}}}}}}"#;
        let cache = SchemaCache::new(dir.path().join(".atg/schemas"));
        let mut versions = HashMap::new();
        versions.insert(
            "registry.terraform.io/hashicorp/aws".to_string(),
            "5.1.0".to_string(),
        );
        let written = cache.store_all(aws, &versions).unwrap();
        assert_eq!(written.len(), 1);
        versions.insert(
            "registry.terraform.io/hashicorp/aws".to_string(),
            "5.10.0".to_string(),
        );
        cache.store_all(aws, &versions).unwrap();
        // Validation data beside a cached schema is not a schema version.
        let beside = cache
            .dir()
            .join("registry.terraform.io/hashicorp/aws/5.10.0.validation.json");
        std::fs::write(&beside, "{}").unwrap();
        let hit = cache
            .lookup("registry.terraform.io/hashicorp/aws", "5.1.0")
            .unwrap();
        assert!(hit.ends_with("registry.terraform.io/hashicorp/aws/5.1.0.json"));
        assert!(
            cache
                .lookup("registry.terraform.io/hashicorp/aws", "9.9.9")
                .is_none()
        );
        let latest = cache
            .lookup_latest("registry.terraform.io/hashicorp/aws")
            .unwrap();
        assert!(latest.ends_with("5.10.0.json"), "{}", latest.display());
        assert_eq!(cache.all_latest(), vec![latest.clone()]);

        let mut merged = Schemas::load_files(&[latest]).unwrap();
        merged.merge(Schemas::builtin());
        assert!(merged.resource("aws_vpc").is_some());
        assert!(merged.resource("terraform_data").is_some());
        assert_eq!(merged.addresses().count(), 2);
    }
}
