//! Validation of a Terraform configuration folder: the terraform runner
//! (`init -backend=false`, `validate -json`) and the builtin validator that
//! checks against a provider schema. Both return `Diagnostic`s; this module
//! chooses between them (`validate_dir`) and fills ARM IDs from
//! `generation_report.json`.
//!
//! Generating the configuration is left to `iac`; classifying diagnostics
//! and remediating is left to `iterate`; flags and exit codes to `cli`.

pub mod builtin;
pub mod config;
mod decode;
mod diagnostic;
mod named_checks;
mod provider_checks;
pub mod rules;
pub mod schema;
mod sink;
pub mod terraform;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use diagnostic::{Diagnostic, Pos, Range, Severity};

use config::Config;
use rules::{ProviderRules, RulesError};
use schema::{SchemaCache, SchemaError, Schemas};
use terraform::{TerraformError, TerraformOptions};

/// How deep a validation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationLevel {
    /// Arguments were checked against provider schemas.
    Provider,
    /// Only syntax, references and duplicates (no provider schema).
    Structural,
}

/// Which validator to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValidatorChoice {
    /// terraform when it can get every provider offline, else builtin.
    #[default]
    Auto,
    /// Always terraform (or `tofu`).
    Terraform,
    /// Always the builtin validator.
    Builtin,
}

/// Settings for `validate_dir`.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Which validator.
    pub validator: ValidatorChoice,
    /// Provider schema files (`terraform providers schema -json`) for the builtin validator.
    pub schema_files: Vec<PathBuf>,
    /// Provider validation data files (`*.validation.json`, see
    /// `validate::rules`), besides those found next to a schema file.
    pub checks_files: Vec<PathBuf>,
    /// The terraform or tofu binary; `None` looks up `terraform`, then `tofu`, on `PATH`.
    pub terraform_bin: Option<PathBuf>,
    /// `-plugin-dir` for `terraform init`.
    pub plugin_dir: Option<PathBuf>,
    /// The schema cache folder (default `.atg/schemas`).
    pub schema_cache_dir: PathBuf,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            validator: ValidatorChoice::Auto,
            schema_files: Vec::new(),
            checks_files: Vec::new(),
            terraform_bin: None,
            plugin_dir: None,
            schema_cache_dir: PathBuf::from(schema::DEFAULT_SCHEMA_CACHE_DIR),
        }
    }
}

/// What a validation found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ValidationOutcome {
    /// `"terraform"` or `"builtin"`.
    pub validator_used: &'static str,
    /// Provider (schema-checked) or structural.
    pub level: ValidationLevel,
    /// Diagnostics, ordered by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// One line, e.g. why `Auto` picked builtin, or that argument checks were skipped.
    pub note: Option<String>,
    /// Builtin validator: resource type → known argument values whose
    /// provider validation atg cannot run offline (only a real provider run
    /// checks them). Empty for terraform.
    pub not_checked_offline: BTreeMap<String, usize>,
}

impl ValidationOutcome {
    /// True when no diagnostic is an error.
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Why validation could not run.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The folder does not exist.
    #[error("configuration folder `{}` does not exist", .0.display())]
    FolderMissing(PathBuf),
    /// No `*.tf` or `*.tf.json` in the folder.
    #[error("no `.tf` or `.tf.json` files in `{}`", .0.display())]
    NoConfig(PathBuf),
    /// A configuration file could not be read.
    #[error("cannot read configuration in `{}`", path.display())]
    Read {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A provider schema file is unreadable or malformed.
    #[error(transparent)]
    Schema(SchemaError),
    /// A provider validation data file is unreadable or malformed.
    #[error(transparent)]
    Rules(RulesError),
    /// terraform is missing, crashed or timed out.
    #[error(transparent)]
    Tool(#[from] TerraformError),
}

impl ValidateError {
    /// True for errors in the user's input (exit code 2), false for tool errors (exit code 3).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, ValidateError::Tool(_))
    }

    /// A one-line hint for the next step.
    pub fn hint(&self) -> &'static str {
        match self {
            ValidateError::FolderMissing(_) => "pass the folder `atg generate` wrote, e.g. `out/`",
            ValidateError::NoConfig(_) => {
                "run `atg generate` first, or point at the folder holding the .tf files"
            }
            ValidateError::Read { .. } => "check the folder's permissions",
            ValidateError::Schema(_) => {
                "regenerate it with `terraform providers schema -json > schema.json` in an initialised folder"
            }
            ValidateError::Tool(TerraformError::InitFailed { .. }) => {
                "terraform needs every provider the configuration uses: pass `--plugin-dir DIR` holding them, set up a plugin cache or filesystem mirror, or use `--validator builtin`"
            }
            ValidateError::Rules(_) => {
                "pass the provider's `*.validation.json` file (format `atg provider validation data 1`), or move the damaged one aside"
            }
            ValidateError::Tool(TerraformError::NotFound { .. }) => {
                "install terraform (or pass `--terraform-bin tofu`), or use `--validator builtin`"
            }
            ValidateError::Tool(_) => {
                "rerun with `--validator builtin`, or check the terraform installation"
            }
        }
    }
}

/// Validates the configuration in `dir` (a one-shot `Validator`).
///
/// Errors: see `Validator::validate`.
pub fn validate_dir(
    dir: &Path,
    opts: &ValidateOptions,
) -> Result<ValidationOutcome, ValidateError> {
    Validator::new(opts.clone()).validate(dir)
}

/// Validates folders with fixed options, loading each set of provider
/// schemas and validation data once: `atg iterate` validates one folder per
/// iteration with the same 3 MB schema and 9 MB validation data.
#[derive(Debug)]
pub struct Validator {
    opts: ValidateOptions,
    /// Loaded schemas (with their validation data), by the schema files
    /// they came from.
    loaded: Mutex<HashMap<Vec<PathBuf>, Arc<Schemas>>>,
}

impl Validator {
    /// A validator with these options; nothing is loaded until needed.
    pub fn new(opts: ValidateOptions) -> Self {
        Validator {
            opts,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The options.
    pub fn options(&self) -> &ValidateOptions {
        &self.opts
    }

    /// Validates the configuration in `dir`.
    ///
    /// `Auto` runs terraform only when a binary is found and every provider
    /// can be had offline (see `terraform::providers_available_offline`);
    /// otherwise the builtin validator runs with the given schema files, or
    /// else the cached schemas of the providers the configuration uses,
    /// with the validation data given or found beside each schema file
    /// (`NAME.schema.json` → `NAME.validation.json`). After a terraform run
    /// the provider schemas are exported into the cache (failures there
    /// only add a note). Diagnostics get `arm_id` from
    /// `dir/generation_report.json` when present.
    ///
    /// Errors: input errors (missing folder, no configuration files, bad
    /// schema or validation data file) and tool errors (terraform missing or
    /// crashed), see `ValidateError`.
    pub fn validate(&self, dir: &Path) -> Result<ValidationOutcome, ValidateError> {
        let opts = &self.opts;
        if !dir.is_dir() {
            return Err(ValidateError::FolderMissing(dir.to_path_buf()));
        }
        let cfg = Config::parse_dir(dir).map_err(|source| ValidateError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        if cfg.files.is_empty() {
            return Err(ValidateError::NoConfig(dir.to_path_buf()));
        }
        let bin = || match &opts.terraform_bin {
            Some(b) => terraform::find_binary(b).or_else(|| Some(b.clone())),
            None => terraform::find_binary(Path::new("terraform"))
                .or_else(|| terraform::find_binary(Path::new("tofu"))),
        };
        let mut outcome = match opts.validator {
            ValidatorChoice::Builtin => self.run_builtin(dir, &cfg, None)?,
            ValidatorChoice::Terraform => {
                let b = bin().unwrap_or_else(|| PathBuf::from("terraform"));
                run_terraform(dir, &cfg, opts, b)?
            }
            ValidatorChoice::Auto => match bin().filter(|b| b.is_file()) {
                None => self.run_builtin(
                    dir,
                    &cfg,
                    Some("auto chose builtin: terraform is not on PATH".into()),
                )?,
                Some(b) => {
                    match terraform::providers_available_offline(&cfg, opts.plugin_dir.as_deref()) {
                        Ok(()) => run_terraform(dir, &cfg, opts, b)?,
                        Err(why) => {
                            self.run_builtin(dir, &cfg, Some(format!("auto chose builtin: {why}")))?
                        }
                    }
                }
            },
        };
        crate::background::drop_later(cfg);
        fill_arm_ids(dir, &mut outcome.diagnostics);
        Ok(outcome)
    }

    /// The schemas of the `--provider-schema` files given (with their
    /// validation data), loaded once and shared with later validations;
    /// `None` when no file was given. `atg iterate` hands them to the
    /// generator's generic fallback, so one run parses them once.
    ///
    /// Errors: `ValidateError::Schema` / `ValidateError::Rules` for a file
    /// that cannot be read or parsed.
    pub fn given_schemas(&self) -> Result<Option<Arc<Schemas>>, ValidateError> {
        if self.opts.schema_files.is_empty() {
            return Ok(None);
        }
        self.schemas(self.opts.schema_files.clone()).map(Some)
    }

    /// True when a provider schema this validator loaded marks the argument
    /// at a dotted path of a resource type as deprecated (false before any
    /// builtin run, and for the terraform validator, which loads none).
    pub fn is_deprecated(&self, resource_type: &str, path: &str) -> bool {
        let loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        loaded
            .values()
            .any(|s| s.is_deprecated(resource_type, path))
    }

    /// The schemas of `files` with their validation data, loaded on first
    /// use and kept for the validator's life.
    fn schemas(&self, files: Vec<PathBuf>) -> Result<Arc<Schemas>, ValidateError> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = loaded.get(&files) {
            return Ok(s.clone());
        }
        let mut rules_files: Vec<PathBuf> = files
            .iter()
            .filter_map(|f| rules::beside_schema(f))
            .collect();
        rules_files.extend(self.opts.checks_files.iter().cloned());
        let (schemas, rules) = rayon::join(
            || Schemas::load_files(&files).map_err(ValidateError::Schema),
            || {
                use rayon::prelude::*;
                rules_files
                    .par_iter()
                    .map(|f| ProviderRules::load_file(f).map_err(ValidateError::Rules))
                    .collect::<Result<Vec<_>, _>>()
            },
        );
        let mut all = Schemas::builtin();
        all.merge(schemas?);
        for r in rules? {
            all.add_rules(r);
        }
        let all = Arc::new(all);
        loaded.insert(files, all.clone());
        Ok(all)
    }

    /// The builtin validator with the given schema files, or else the
    /// cached schema of each provider the folder needs: the version its
    /// `.terraform.lock.hcl` selects when the cache has it, else the highest
    /// cached version.
    fn run_builtin(
        &self,
        dir: &Path,
        cfg: &Config,
        why: Option<String>,
    ) -> Result<ValidationOutcome, ValidateError> {
        let opts = &self.opts;
        let files = if opts.schema_files.is_empty() {
            let cache = SchemaCache::new(&opts.schema_cache_dir);
            let locked = terraform::lock_versions(dir);
            terraform::required_providers(cfg)
                .iter()
                .filter_map(|a| {
                    locked
                        .get(a)
                        .and_then(|v| cache.lookup(a, v))
                        .or_else(|| cache.lookup_latest(a))
                })
                .collect()
        } else {
            opts.schema_files.clone()
        };
        let schemas = self.schemas(files)?;
        let checked = builtin::check_full(cfg, Some(&schemas));
        let mut notes: Vec<String> = why.into_iter().collect();
        if checked.level == ValidationLevel::Structural {
            let missing: Vec<String> = terraform::required_providers(cfg)
                .into_iter()
                .filter(|a| {
                    schemas
                        .provider_by_local_name(schema::local_name_of_address(a))
                        .is_none()
                })
                .collect();
            notes.push(format!(
                "argument-level checks skipped: no provider schema for {}",
                missing.join(", ")
            ));
        }
        if !checked.provider_blocks_not_checked.is_empty() {
            notes.push(format!(
                "provider block not checked: the schema of {} has no `provider` entry",
                checked.provider_blocks_not_checked.join(", ")
            ));
        }
        Ok(ValidationOutcome {
            validator_used: "builtin",
            level: checked.level,
            diagnostics: checked.diagnostics,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            not_checked_offline: checked.not_checked_offline,
        })
    }
}

fn run_terraform(
    dir: &Path,
    cfg: &Config,
    opts: &ValidateOptions,
    bin: PathBuf,
) -> Result<ValidationOutcome, ValidateError> {
    let topts = TerraformOptions {
        plugin_dir: opts.plugin_dir.clone(),
        ..TerraformOptions::new(bin)
    };
    let run = terraform::run_validate(dir, &topts, Some(cfg))?;
    let cache = SchemaCache::new(&opts.schema_cache_dir);
    let note = terraform::export_schema(dir, &topts, &cache)
        .err()
        .map(|e| format!("provider schemas were not cached: {e}"));
    Ok(ValidationOutcome {
        validator_used: "terraform",
        level: ValidationLevel::Provider,
        diagnostics: run.diagnostics,
        note,
        not_checked_offline: BTreeMap::new(),
    })
}

/// Fills `arm_id` from `dir/generation_report.json` (`resources[].address`,
/// `arm_id`, and `secondary` addresses that came from the same ARM resource).
/// A missing or unreadable report leaves the diagnostics unchanged.
pub fn fill_arm_ids(dir: &Path, diagnostics: &mut [Diagnostic]) {
    #[derive(serde::Deserialize)]
    struct Report {
        #[serde(default)]
        resources: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        address: String,
        #[serde(default)]
        arm_id: Option<String>,
        #[serde(default)]
        secondary: Vec<String>,
    }
    // The report is large (about 260 bytes per resource); read it only
    // when there is something to map.
    if diagnostics.iter().all(|d| d.address.is_none()) {
        return;
    }
    let Ok(bytes) = std::fs::read(dir.join("generation_report.json")) else {
        return;
    };
    let Ok(report) = serde_json::from_slice::<Report>(&bytes) else {
        return;
    };
    let mut ids: HashMap<String, String> = HashMap::new();
    for e in report.resources {
        let Some(id) = e.arm_id else { continue };
        for s in e.secondary {
            ids.entry(s).or_insert_with(|| id.clone());
        }
        ids.insert(e.address, id);
    }
    for d in diagnostics {
        if let Some(id) = d.address.as_ref().and_then(|a| ids.get(a)) {
            d.arm_id = Some(id.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (n, t) in files {
            std::fs::write(dir.path().join(n), t).unwrap();
        }
        dir
    }

    fn opts(dir: &Path) -> ValidateOptions {
        ValidateOptions {
            schema_cache_dir: dir.join("cache"),
            ..ValidateOptions::default()
        }
    }

    /// The sibling modules each file of `src/validate/` uses (`super::NAME`
    /// or `crate::validate::NAME`), outside its tests.
    fn sibling_imports() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/validate");
        // A module is `NAME.rs` or a folder `NAME/` (all its files).
        let mut sources: Vec<(String, String)> = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let p = e.path();
            let code_of = |f: &Path| {
                let text = std::fs::read_to_string(f).unwrap();
                text.split("#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .to_string()
            };
            if p.is_dir() {
                let code: String = std::fs::read_dir(&p)
                    .unwrap()
                    .flatten()
                    .filter(|f| f.file_name() != "tests.rs")
                    .map(|f| code_of(&f.path()))
                    .collect();
                sources.push((n, code));
            } else if let Some(stem) = n.strip_suffix(".rs").filter(|s| *s != "mod") {
                sources.push((stem.to_string(), code_of(&p)));
            }
        }
        let names: Vec<String> = sources.iter().map(|(n, _)| n.clone()).collect();
        let mut graph = std::collections::BTreeMap::new();
        for (n, code) in &sources {
            let uses: std::collections::BTreeSet<String> = names
                .iter()
                .filter(|m| *m != n)
                .filter(|m| {
                    let ident_end = |rest: &str| {
                        !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    };
                    [format!("super::{m}"), format!("crate::validate::{m}")]
                        .iter()
                        .any(|p| {
                            code.match_indices(p.as_str())
                                .any(|(i, _)| ident_end(&code[i + p.len()..]))
                        })
                        || code.contains(&format!("super::{{{m}"))
                        || code.contains(&format!("super::{{self, {m}"))
                })
                .cloned()
                .collect();
            graph.insert(n.clone(), uses);
        }
        graph
    }

    // Issue 14: `builtin`, `decode` and `provider_checks` imported each
    // other through `Sink`; the modules of the validator form no cycle.
    #[test]
    fn validate_modules_import_each_other_without_cycles() {
        let graph = sibling_imports();
        assert!(graph.len() >= 8, "{graph:?}");
        assert!(graph["decode"].contains("sink"), "{graph:?}");
        assert!(graph["provider_checks"].contains("rules"), "{graph:?}");
        fn reaches(
            g: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
            from: &str,
            to: &str,
            seen: &mut std::collections::BTreeSet<String>,
        ) -> bool {
            g.get(from)
                .into_iter()
                .flatten()
                .any(|n| n == to || (seen.insert(n.clone()) && reaches(g, n, to, seen)))
        }
        for m in graph.keys() {
            assert!(
                !reaches(&graph, m, m, &mut Default::default()),
                "`validate::{m}` imports itself through its siblings: {graph:?}"
            );
        }
    }

    #[test]
    fn input_errors_are_told_apart_from_tool_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = validate_dir(&dir.path().join("missing"), &opts(dir.path())).unwrap_err();
        assert!(matches!(e, ValidateError::FolderMissing(_)) && e.is_input_error());
        let e = validate_dir(dir.path(), &opts(dir.path())).unwrap_err();
        assert!(matches!(e, ValidateError::NoConfig(_)) && !e.hint().is_empty());
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"azurerm_subnet\" \"a\" {}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("bad.json"), "{").unwrap();
        let o = ValidateOptions {
            schema_files: vec![dir.path().join("bad.json")],
            validator: ValidatorChoice::Builtin,
            ..opts(dir.path())
        };
        let e = validate_dir(dir.path(), &o).unwrap_err();
        assert!(
            e.is_input_error() && e.to_string().contains("bad.json"),
            "{e}"
        );
        let o = ValidateOptions {
            validator: ValidatorChoice::Terraform,
            terraform_bin: Some(dir.path().join("no-such-terraform")),
            ..opts(dir.path())
        };
        let e = validate_dir(dir.path(), &o).unwrap_err();
        assert!(!e.is_input_error(), "{e:?}");
        assert!(e.hint().contains("--validator builtin"));
    }

    #[test]
    fn auto_picks_builtin_when_a_provider_needs_the_network_and_fills_arm_ids() {
        let dir = folder(&[
            (
                "main.tf",
                "resource \"azurerm_subnet\" \"a\" {\n  name = var.missing\n}\nresource \"azurerm_subnet\" \"b\" {}\n",
            ),
            (
                "generation_report.json",
                r#"{"resources":[{"address":"azurerm_virtual_network.v","arm_id":"/subscriptions/s/vnet","secondary":["azurerm_subnet.a"]}]}"#,
            ),
        ]);
        let o = opts(dir.path());
        let out = validate_dir(dir.path(), &o).unwrap();
        assert_eq!(out.validator_used, "builtin");
        assert_eq!(out.level, ValidationLevel::Structural);
        let note = out.note.unwrap();
        assert!(
            note.contains("auto chose builtin") && note.contains("argument-level checks skipped"),
            "{note}"
        );
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(
            out.diagnostics[0].summary,
            "Reference to undeclared input variable"
        );
        assert_eq!(
            out.diagnostics[0].arm_id.as_deref(),
            Some("/subscriptions/s/vnet")
        );

        // With the azurerm schema the same folder is checked at provider level.
        let o = ValidateOptions {
            schema_files: vec![
                Path::new(env!("CARGO_MANIFEST_DIR")).join(schema::tests::AZURERM_SCHEMA),
            ],
            validator: ValidatorChoice::Builtin,
            ..opts(dir.path())
        };
        assert!(
            o.schema_files[0].is_file(),
            "the azurerm reference schema is missing: {}",
            schema::tests::AZURERM_SCHEMA
        );
        let out = validate_dir(dir.path(), &o).unwrap();
        assert_eq!(out.level, ValidationLevel::Provider);
        assert!(out.note.is_none());
        // `a` stops at its undeclared variable, as in Terraform; `b` is decoded.
        let summaries: Vec<(&str, Option<&str>)> = out
            .diagnostics
            .iter()
            .map(|d| (d.summary.as_str(), d.address.as_deref()))
            .collect();
        assert!(summaries.contains(&(
            "Reference to undeclared input variable",
            Some("azurerm_subnet.a")
        )));
        assert!(summaries.contains(&("Missing required argument", Some("azurerm_subnet.b"))));
        assert!(!summaries.contains(&("Missing required argument", Some("azurerm_subnet.a"))));
    }

    #[test]
    fn auto_runs_terraform_for_builtin_only_configs_and_caches_its_schema() {
        terraform::tests::terraform();
        let dir = folder(&[(
            "main.tf",
            "resource \"terraform_data\" \"a\" {\n  input = 1\n  bogus = 2\n}\n",
        )]);
        let o = opts(dir.path());
        let out = validate_dir(dir.path(), &o).unwrap();
        assert_eq!(out.validator_used, "terraform");
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].summary, "Unsupported argument");
        assert_eq!(
            out.diagnostics[0].address.as_deref(),
            Some("terraform_data.a")
        );
        assert_eq!(out.diagnostics[0].attribute.as_deref(), Some("bogus"));
        assert!(
            SchemaCache::new(&o.schema_cache_dir)
                .lookup_latest(schema::BUILTIN_TERRAFORM)
                .is_some()
        );
    }
}
