//! Provider validation data: what a provider checks beyond its schema, per
//! resource type and argument, loaded from a `*.validation.json` file
//! (format `atg provider validation data 1`, e.g.
//! `../shared/reference/azurerm-4.79.0.validation.json`):
//! cross-argument rules (`conflicts_with`, `exactly_one_of`,
//! `at_least_one_of`, `required_with`), enums (`one_of` with
//! `ignore_case`, `elem_one_of`), numeric ranges, and for other validation
//! functions the `probes` (sentinel values and the messages they gave),
//! which `validate::named_checks` turns into a check when it recognises
//! the function. An optional `"message_key": "name"` says the provider's
//! messages name a nested argument by its name rather than by the SDK's
//! flatmap key.
//!
//! Applying the rules to a configuration is left to
//! `validate::provider_checks`; finding the file beside a schema to
//! `validate::validate_dir`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::named_checks::{NamedCheck, Probe};

/// The `format` value this loader reads.
pub const FORMAT: &str = "atg provider validation data 1";

/// An error loading a validation data file.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("cannot read provider checks `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON of the expected shape.
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
    /// The file declares another format.
    #[error("`{}` is not provider validation data: its format is `{found}`, expected `{FORMAT}`", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The `format` it declares.
        found: String,
    },
}

/// An allowed-values check (`validation.StringInSlice`).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOf {
    /// The allowed values, in the provider's order (its message lists them so).
    pub values: Vec<String>,
    /// Values differing only in case are accepted.
    pub ignore_case: bool,
}

impl OneOf {
    /// True when `v` is allowed.
    pub fn allows(&self, v: &str) -> bool {
        self.values
            .iter()
            .any(|a| a == v || (self.ignore_case && a.to_lowercase() == v.to_lowercase()))
    }
}

/// A numeric range check, both ends included (`validation.IntBetween`, or
/// `validation.FloatBetween` when `float`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumRange {
    /// Lowest allowed value.
    pub min: f64,
    /// Highest allowed value.
    pub max: f64,
    /// A float range (the data writes its ends with a decimal point).
    pub float: bool,
}

/// How one argument's value is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueCheck {
    /// One of a list of strings.
    OneOf(OneOf),
    /// Within a numeric range.
    Range(NumRange),
    /// A validation function atg knows by its probes.
    Named(NamedCheck),
    /// A validation function atg cannot run offline: only a real provider
    /// checks it.
    NotCheckedOffline,
}

/// The rules of one argument (a dotted path without indices, e.g.
/// `network_acls.default_action`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArgRules {
    /// The value check, if the provider validates the value.
    pub value: Option<ValueCheck>,
    /// Allowed values of each element of a list or set.
    pub elem_one_of: Option<Vec<String>>,
    /// Flatmap keys (`a.0.b`) that must not be set with this one.
    pub conflicts_with: Vec<String>,
    /// Exactly one of these keys (and this one) must be set.
    pub exactly_one_of: Vec<String>,
    /// At least one of these keys (and this one) must be set.
    pub at_least_one_of: Vec<String>,
    /// When this one is set, these keys must be set too.
    pub required_with: Vec<String>,
    /// Messages name the argument by its name (`type`), not by the SDK's
    /// key (`default_action.0.type`): the provider wraps its validation
    /// function with `validation.ToDiagFunc`, which passes the last
    /// attribute name (data: `"message_key": "name"`; default `"path"`).
    pub name_key: bool,
}

impl ArgRules {
    /// True when the rule applies even where the argument is absent.
    pub fn applies_when_absent(&self) -> bool {
        !self.exactly_one_of.is_empty() || !self.at_least_one_of.is_empty()
    }
}

/// The rules of one resource type.
#[derive(Debug, Clone, Default)]
pub struct ResourceRules {
    args: HashMap<String, ArgRules>,
    /// Arguments with rules that apply when absent, by the dotted path of
    /// the body they sit in (`""` for the resource itself).
    absent: HashMap<String, Vec<String>>,
}

impl ResourceRules {
    /// The rules of an argument path (dotted, no indices).
    pub fn arg(&self, path: &str) -> Option<&ArgRules> {
        self.args.get(path)
    }

    /// Argument names in the body at dotted path `body` whose rules apply
    /// even when they are absent (exactly/at-least-one-of).
    pub fn absent_in(&self, body: &str) -> &[String] {
        self.absent.get(body).map_or(&[], Vec::as_slice)
    }

    /// Every argument path and its rules.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ArgRules)> {
        self.args.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// One provider's validation data.
#[derive(Debug, Clone, Default)]
pub struct ProviderRules {
    /// The provider address, e.g. `registry.terraform.io/hashicorp/azurerm`.
    pub provider: String,
    /// The provider version the data was read off.
    pub version: String,
    resources: HashMap<String, ResourceRules>,
}

#[derive(Deserialize)]
struct RawFile {
    format: String,
    provider: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    resources: HashMap<String, HashMap<String, RawArg>>,
}

#[derive(Deserialize)]
struct RawArg {
    #[serde(default)]
    one_of: Option<Vec<String>>,
    #[serde(default)]
    ignore_case: bool,
    #[serde(default)]
    elem_one_of: Option<Vec<String>>,
    #[serde(default)]
    range: Option<(serde_json::Number, serde_json::Number)>,
    #[serde(default)]
    conflicts_with: Vec<String>,
    #[serde(default)]
    exactly_one_of: Vec<String>,
    #[serde(default)]
    at_least_one_of: Vec<String>,
    #[serde(default)]
    required_with: Vec<String>,
    #[serde(default)]
    probes: Option<RawProbes>,
    #[serde(default)]
    message_key: Option<String>,
}

#[derive(Deserialize)]
struct RawProbes {
    #[serde(default)]
    accepted: Vec<serde_json::Value>,
    #[serde(default)]
    rejected: Vec<RawRejected>,
}

#[derive(Deserialize)]
struct RawRejected {
    value: serde_json::Value,
    #[serde(default)]
    errors: Vec<String>,
}

fn probe_value(v: &serde_json::Value) -> Option<super::named_checks::ProbeValue> {
    use super::named_checks::ProbeValue;
    match v {
        serde_json::Value::String(s) => Some(ProbeValue::Str(s.clone())),
        serde_json::Value::Number(n) => n.as_f64().map(ProbeValue::Num),
        _ => None,
    }
}

fn compile(path: &str, raw: RawArg) -> ArgRules {
    let value = if let Some(values) = raw.one_of {
        Some(if values.is_empty() {
            // The provider built the list at run time: atg cannot know it.
            ValueCheck::NotCheckedOffline
        } else {
            ValueCheck::OneOf(OneOf {
                values,
                ignore_case: raw.ignore_case,
            })
        })
    } else if let Some((lo, hi)) = raw.range {
        let float = lo.is_f64() || hi.is_f64();
        match (lo.as_f64(), hi.as_f64()) {
            (Some(min), Some(max)) => Some(ValueCheck::Range(NumRange { min, max, float })),
            _ => Some(ValueCheck::NotCheckedOffline),
        }
    } else if let Some(p) = raw.probes {
        let name = path.rsplit('.').next().unwrap_or(path);
        let mut probes: Vec<Probe> = Vec::with_capacity(p.accepted.len() + p.rejected.len());
        let mut readable = true;
        for a in &p.accepted {
            match probe_value(a) {
                Some(value) => probes.push(Probe {
                    value,
                    errors: Vec::new(),
                }),
                None => readable = false,
            }
        }
        for r in p.rejected {
            match probe_value(&r.value) {
                Some(value) => probes.push(Probe {
                    value,
                    errors: r.errors,
                }),
                None => readable = false,
            }
        }
        // The data may name a nested argument by its name or by the SDK's
        // key (`a.0.b`); either way the probes must agree.
        let flat = path.replace('.', ".0.");
        let named = readable
            .then(|| {
                NamedCheck::recognise(name, &probes).or_else(|| {
                    (flat != name)
                        .then(|| NamedCheck::recognise(&flat, &probes))
                        .flatten()
                })
            })
            .flatten();
        Some(named.map_or(ValueCheck::NotCheckedOffline, ValueCheck::Named))
    } else {
        None
    };
    ArgRules {
        value,
        elem_one_of: raw.elem_one_of.filter(|v| !v.is_empty()),
        conflicts_with: raw.conflicts_with,
        exactly_one_of: raw.exactly_one_of,
        at_least_one_of: raw.at_least_one_of,
        required_with: raw.required_with,
        name_key: raw.message_key.as_deref() == Some("name"),
    }
}

impl ProviderRules {
    /// Loads a validation data file.
    ///
    /// Errors: `RulesError::Read` when it cannot be read, `Malformed` (with
    /// line and column) when it is not valid JSON of this shape, `Format`
    /// when it declares another format.
    pub fn load_file(path: &Path) -> Result<ProviderRules, RulesError> {
        let bytes = std::fs::read(path).map_err(|source| RulesError::Read {
            path: path.into(),
            source,
        })?;
        Self::from_slice(&bytes, path)
    }

    /// Parses validation data; `path` only names the source in errors.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<ProviderRules, RulesError> {
        use rayon::prelude::*;
        let raw: RawFile = serde_json::from_slice(bytes).map_err(|e| RulesError::Malformed {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if raw.format != FORMAT {
            return Err(RulesError::Format {
                path: path.into(),
                found: raw.format,
            });
        }
        let resources = raw
            .resources
            .into_par_iter()
            .map(|(ty, args)| {
                let mut r = ResourceRules::default();
                for (p, a) in args {
                    let rules = compile(&p, a);
                    if rules.applies_when_absent() {
                        let parent = p.rsplit_once('.').map_or("", |(b, _)| b).to_string();
                        let name = p.rsplit('.').next().unwrap_or(&p).to_string();
                        r.absent.entry(parent).or_default().push(name);
                    }
                    r.args.insert(p, rules);
                }
                for names in r.absent.values_mut() {
                    names.sort_unstable();
                }
                (ty, r)
            })
            .collect();
        Ok(ProviderRules {
            provider: raw.provider,
            version: raw.version,
            resources,
        })
    }

    /// The rules of a resource type, if the data has it.
    pub fn resource(&self, resource_type: &str) -> Option<&ResourceRules> {
        self.resources.get(resource_type)
    }

    /// How many resource types the data covers.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// True when the data covers no resource type.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// The validation data file atg looks for beside a provider schema file:
/// `NAME.schema.json` → `NAME.validation.json`, `NAME.json` →
/// `NAME.validation.json`, when it exists.
pub fn beside_schema(schema_file: &Path) -> Option<PathBuf> {
    let name = schema_file.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".schema.json")
        .or_else(|| name.strip_suffix(".json"))?;
    if stem.ends_with(".validation") {
        return None;
    }
    let p = schema_file.with_file_name(format!("{stem}.validation.json"));
    // Any readable non-folder (a pipe too).
    (p.exists() && !p.is_dir()).then_some(p)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The azurerm 4.79 validation data, relative to the crate root.
    pub(crate) const AZURERM_RULES: &str = "../shared/reference/azurerm-4.79.0.validation.json";

    /// The azurerm 4.79 validation data (loaded once per test binary).
    pub(crate) fn azurerm() -> &'static ProviderRules {
        static RULES: std::sync::OnceLock<ProviderRules> = std::sync::OnceLock::new();
        RULES.get_or_init(|| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(AZURERM_RULES);
            assert!(
                p.is_file(),
                "the azurerm validation data is missing: {}",
                p.display()
            );
            ProviderRules::load_file(&p).unwrap()
        })
    }

    #[test]
    fn azurerm_data_loads_with_enums_ranges_and_cross_argument_rules() {
        let r = azurerm();
        assert_eq!(r.provider, "registry.terraform.io/hashicorp/azurerm");
        assert_eq!(r.version, "4.79.0");
        assert_eq!(r.len(), 1088);
        let kv = r.resource("azurerm_key_vault").unwrap();
        assert_eq!(
            kv.arg("sku_name").unwrap().value,
            Some(ValueCheck::OneOf(OneOf {
                values: vec!["standard".into(), "premium".into()],
                ignore_case: false
            }))
        );
        assert_eq!(
            kv.arg("soft_delete_retention_days").unwrap().value,
            Some(ValueCheck::Range(NumRange {
                min: 7.0,
                max: 90.0,
                float: false
            }))
        );
        assert_eq!(
            kv.arg("enable_rbac_authorization").unwrap().conflicts_with,
            ["rbac_authorization_enabled"]
        );
        let sa = r.resource("azurerm_storage_account").unwrap();
        assert!(
            sa.arg("blob_properties.cors_rule.allowed_methods")
                .unwrap()
                .elem_one_of
                .as_ref()
                .unwrap()
                .contains(&"PATCH".to_string())
        );
        // Empty one_of lists are built at run time by the provider.
        assert_eq!(
            sa.arg("blob_properties.default_service_version")
                .unwrap()
                .value,
            Some(ValueCheck::NotCheckedOffline)
        );
        let subnet = r.resource("azurerm_subnet").unwrap();
        assert_eq!(
            subnet.absent_in(""),
            ["address_prefixes", "ip_address_pool"]
        );
        // Float ranges are told apart from integer ones by their decimal point.
        let floats = r
            .resources
            .values()
            .flat_map(|t| t.args.values())
            .filter(|a| {
                matches!(
                    a.value,
                    Some(ValueCheck::Range(NumRange { float: true, .. }))
                )
            })
            .count();
        assert!(floats > 10 && floats < 200, "{floats}");
    }

    #[test]
    fn the_data_file_is_found_beside_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("azurerm-4.79.0.schema.json");
        std::fs::write(&schema, "{}").unwrap();
        assert_eq!(beside_schema(&schema), None);
        let data = dir.path().join("azurerm-4.79.0.validation.json");
        std::fs::write(&data, "{}").unwrap();
        assert_eq!(beside_schema(&schema), Some(data.clone()));
        // A cached schema (`VERSION.json`) is matched the same way.
        let cached = dir.path().join("4.79.0.json");
        let cached_data = dir.path().join("4.79.0.validation.json");
        std::fs::write(&cached, "{}").unwrap();
        std::fs::write(&cached_data, "{}").unwrap();
        assert_eq!(beside_schema(&cached), Some(cached_data));
        assert_eq!(beside_schema(&data), None);
    }

    #[test]
    fn bad_files_name_the_file_and_the_problem() {
        let e = ProviderRules::from_slice(b"{\"format\": 1", Path::new("x.json")).unwrap_err();
        assert!(e.to_string().starts_with("`x.json` line 1"), "{e}");
        let e = ProviderRules::from_slice(
            br#"{"format": "something else", "provider": "p"}"#,
            Path::new("y.json"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("format is `something else`"), "{e}");
    }
}
