//! The terraform validator: `terraform init -backend=false` and
//! `terraform validate -json` (or OpenTofu's `tofu`) on a folder, their JSON
//! turned into `Diagnostic`s located with `validate::config`; exporting
//! `terraform providers schema -json` into the `SchemaCache`; and deciding
//! whether terraform can get every required provider offline.
//!
//! Running the binary (timeouts, tool errors, finding it on `PATH`, plugin
//! folders) is `crate::terraform`'s; choosing terraform over the builtin
//! validator is left to `validate::validate_dir`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::config::{Config, default_provider_address};
use super::diagnostic::{Diagnostic, Pos, Range, Severity};
use super::schema::{SchemaCache, SchemaError, provider_local_name};
use crate::terraform::{crashed, dir_has_provider, first_error, offline_sources, run};

pub use crate::terraform::{TerraformError, TerraformOptions, find_binary, lock_versions};

/// Why provider schemas could not be exported into the cache.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// `providers schema -json` failed.
    #[error(transparent)]
    Tool(#[from] TerraformError),
    /// The exported schema could not be cached.
    #[error(transparent)]
    Cache(#[from] SchemaError),
}

/// The result of `terraform validate -json`.
#[derive(Debug, Clone)]
pub struct TerraformRun {
    /// Terraform's `valid`.
    pub valid: bool,
    /// Its diagnostics, located in the configuration.
    pub diagnostics: Vec<Diagnostic>,
}

/// Summaries `terraform validate` gives when `init` did not install what
/// the configuration needs: the configuration itself was not checked.
const NOT_INSTALLED: &[&str] = &[
    "Missing required provider",
    "Missing required provider plugin",
    "Required plugins are not installed",
    "Inconsistent dependency lock file",
    "Module not installed",
];

/// Runs `init -backend=false -input=false -no-color [-plugin-dir DIR]`, then
/// `validate -json -no-color` in `dir`, and returns terraform's verdict.
/// When init fails, validate still runs: its diagnostics explain a broken
/// configuration (a syntax error fails both). If it reports no error, or
/// only says what init did not install ("Missing required provider"),
/// init's failure is a tool error (`InitFailed`, with init's reason).
/// `cfg` (the parsed folder) fills each diagnostic's address and attribute.
///
/// Errors: `TerraformError` when the binary is missing, killed, times out,
/// fails to init, or exits without valid JSON.
pub fn run_validate(
    dir: &Path,
    opts: &TerraformOptions,
    cfg: Option<&Config>,
) -> Result<TerraformRun, TerraformError> {
    let plugin = opts
        .plugin_dir
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let mut init = vec!["init", "-backend=false", "-input=false", "-no-color"];
    if let Some(p) = &plugin {
        init.push("-plugin-dir");
        init.push(p);
    }
    let init_out = run(opts, dir, &init)?;
    let init_failed = !init_out.status.success();
    if init_out.status.code().is_none() {
        return Err(crashed(opts, &init, &init_out));
    }
    let args = ["validate", "-json", "-no-color"];
    let out = run(opts, dir, &args)?;
    let Some(run) = (out.status.code().is_some())
        .then(|| parse_validate_json(&out.stdout, cfg))
        .flatten()
    else {
        return Err(if init_failed {
            crashed(opts, &init, &init_out)
        } else {
            crashed(opts, &args, &out)
        });
    };
    let not_installed = run
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.range.is_none() && NOT_INSTALLED.contains(&d.summary.as_str()));
    if init_failed && (run.valid || not_installed) {
        return Err(TerraformError::InitFailed {
            bin: opts.bin.clone(),
            reason: first_error(&init_out.stderr),
        });
    }
    Ok(run)
}

#[derive(Deserialize)]
struct ValidateJson {
    valid: bool,
    #[serde(default)]
    diagnostics: Vec<JsonDiag>,
}

#[derive(Deserialize)]
struct JsonDiag {
    severity: String,
    summary: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    range: Option<JsonRange>,
    /// Set by terraform for diagnostics a provider returned about a resource.
    #[serde(default)]
    address: Option<String>,
}

#[derive(Deserialize)]
struct JsonRange {
    filename: String,
    start: JsonPos,
    end: JsonPos,
}

#[derive(Deserialize)]
struct JsonPos {
    line: u32,
    column: u32,
    #[serde(default)]
    byte: usize,
}

/// Parses `terraform validate -json` output into diagnostics. The resource
/// address is terraform's own `address` when it gives one (diagnostics from
/// providers), else the resource whose block holds the range in `cfg`; the
/// attribute path comes from `cfg` too. `None` when the bytes are not that JSON.
pub fn parse_validate_json(bytes: &[u8], cfg: Option<&Config>) -> Option<TerraformRun> {
    let v: ValidateJson = serde_json::from_slice(bytes).ok()?;
    let diagnostics = v
        .diagnostics
        .into_iter()
        .map(|d| {
            let mut out = Diagnostic::error(d.summary, d.detail);
            if d.severity == "warning" {
                out.severity = Severity::Warning;
            }
            out.address = d.address;
            if let Some(r) = d.range {
                if let Some((addr, attr)) = cfg.and_then(|c| c.locate(&r.filename, r.start.byte)) {
                    out.address.get_or_insert(addr);
                    out.attribute = attr;
                }
                let pos = |p: JsonPos| Pos {
                    line: p.line,
                    column: p.column,
                    byte: p.byte,
                };
                out.range = Some(Range {
                    filename: r.filename,
                    start: pos(r.start),
                    end: pos(r.end),
                });
            }
            out
        })
        .collect();
    Some(TerraformRun {
        valid: v.valid,
        diagnostics,
    })
}

/// Runs `providers schema -json` in an initialised `dir` and stores each
/// provider's schema in `cache`, keyed by the versions in the lock file
/// (the builtin provider by `terraform version -json`). Returns the files.
///
/// Errors: `ExportError` when the command fails or the cache cannot be written.
pub fn export_schema(
    dir: &Path,
    opts: &TerraformOptions,
    cache: &SchemaCache,
) -> Result<Vec<PathBuf>, ExportError> {
    let args = ["providers", "schema", "-json", "-no-color"];
    let out = run(opts, dir, &args)?;
    if !out.status.success() {
        return Err(crashed(opts, &args, &out).into());
    }
    let mut versions = lock_versions(dir);
    let vargs = ["version", "-json"];
    if let Ok(v) = run(opts, dir, &vargs)
        && let Ok(j) = serde_json::from_slice::<serde_json::Value>(&v.stdout)
        && let Some(tv) = j.get("terraform_version").and_then(|x| x.as_str())
    {
        versions.insert(super::schema::BUILTIN_TERRAFORM.to_string(), tv.to_string());
    }
    Ok(cache.store_all(&out.stdout, &versions)?)
}

/// The provider source addresses a configuration needs
/// (`registry.terraform.io/hashicorp/azurerm`), from its resource types,
/// provider blocks and `required_providers`; the builtin `terraform`
/// provider is left out since terraform always has it.
pub fn required_providers(cfg: &Config) -> BTreeSet<String> {
    let sources = cfg.provider_sources();
    let mut names: BTreeSet<&str> = cfg
        .resources
        .iter()
        .map(|r| provider_local_name(&r.type_name))
        .collect();
    names.extend(cfg.providers.iter().map(|p| p.name.as_str()));
    names
        .into_iter()
        .filter(|n| *n != "terraform")
        .map(|n| {
            sources
                .get(n)
                .cloned()
                .unwrap_or_else(|| default_provider_address(n))
        })
        .collect()
}

/// Decides whether terraform can get every provider `cfg` needs offline.
/// `Ok(())` for builtin-only configurations or when each provider is in one
/// of `offline_sources`; otherwise `Err` with a one-line reason naming the
/// first missing provider.
pub fn providers_available_offline(cfg: &Config, plugin_dir: Option<&Path>) -> Result<(), String> {
    let needed = required_providers(cfg);
    if needed.is_empty() {
        return Ok(());
    }
    let sources = offline_sources(plugin_dir);
    for p in &needed {
        if !sources.iter().any(|d| dir_has_provider(d, p)) {
            return Err(format!(
                "provider `{p}` is not in a plugin dir, plugin cache or filesystem mirror, so terraform would need the network"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fsutil::test_folder as folder;
    use crate::terraform::tests::script;
    pub(crate) use crate::terraform::tests::terraform;
    use crate::terraform::{cli_config_dirs, platform};
    use crate::validate::ValidationLevel;
    use std::time::Duration;

    #[test]
    fn valid_builtin_only_config_passes_terraform() {
        let dir = folder(&[(
            "main.tf",
            "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.output\n}\n",
        )]);
        let cfg = Config::parse_dir(dir.path()).unwrap();
        assert_eq!(providers_available_offline(&cfg, None), Ok(()));
        let run =
            run_validate(dir.path(), &TerraformOptions::new(terraform()), Some(&cfg)).unwrap();
        assert!(run.valid, "{:?}", run.diagnostics);
        assert!(run.diagnostics.iter().all(|d| !d.is_error()));
        let cache = SchemaCache::new(dir.path().join("cache"));
        let files = export_schema(dir.path(), &TerraformOptions::new(terraform()), &cache).unwrap();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(
            cache
                .lookup_latest(super::super::schema::BUILTIN_TERRAFORM)
                .is_some()
        );
    }

    #[test]
    fn unsupported_argument_agrees_with_builtin_validator() {
        let dir = folder(&[(
            "main.tf",
            "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n  bogus = 1\n  nested_thing {}\n}\n",
        )]);
        let cfg = Config::parse_dir(dir.path()).unwrap();
        let run =
            run_validate(dir.path(), &TerraformOptions::new(terraform()), Some(&cfg)).unwrap();
        assert!(!run.valid);
        let key = |ds: &[Diagnostic]| -> Vec<(Severity, String, Option<String>, Option<String>)> {
            let mut v: Vec<_> = ds
                .iter()
                .map(|d| {
                    (
                        d.severity,
                        d.summary.clone(),
                        d.address.clone(),
                        d.attribute.clone(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        let (level, builtin) =
            super::super::builtin::check(&cfg, Some(&super::super::schema::Schemas::builtin()));
        assert_eq!(level, ValidationLevel::Provider);
        assert_eq!(key(&run.diagnostics), key(&builtin));
        assert_eq!(key(&builtin).len(), 2);
        let tf_bogus = run
            .diagnostics
            .iter()
            .find(|d| d.summary == "Unsupported argument")
            .unwrap();
        let bi_bogus = builtin
            .iter()
            .find(|d| d.summary == "Unsupported argument")
            .unwrap();
        assert_eq!(tf_bogus.detail, bi_bogus.detail);
        assert_eq!(tf_bogus.range, bi_bogus.range);
    }

    #[test]
    fn crashing_binary_is_a_tool_error() {
        let dir = folder(&[("main.tf", "resource \"terraform_data\" \"a\" {}\n")]);
        let fake = script(
            dir.path(),
            "fake-terraform",
            "#!/bin/sh\necho 'panic: runtime error: invalid memory address' >&2\nexit 2\n",
        );
        let err = run_validate(dir.path(), &TerraformOptions::new(&fake), None).unwrap_err();
        match &err {
            TerraformError::Crashed {
                stderr_tail,
                status,
                ..
            } => {
                assert!(
                    stderr_tail.contains("panic: runtime error"),
                    "{stderr_tail}"
                );
                assert_eq!(status, "exit code 2");
            }
            other => panic!("expected a crash, got {other:?}"),
        }
        let missing = run_validate(
            dir.path(),
            &TerraformOptions::new(dir.path().join("nope")),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(missing, TerraformError::NotFound { .. }),
            "{missing:?}"
        );

        let slow = script(dir.path(), "slow-terraform", "#!/bin/sh\nsleep 5\n");
        let opts = TerraformOptions {
            timeout: Duration::from_millis(300),
            ..TerraformOptions::new(&slow)
        };
        assert!(matches!(
            run_validate(dir.path(), &opts, None),
            Err(TerraformError::TimedOut { .. })
        ));
    }

    /// Issue 14: with a provider terraform could not install, `validate`
    /// only says "Missing required provider"; that is terraform failing to
    /// run (exit 3, with init's reason), not an invalid configuration.
    #[test]
    fn issue14_a_failed_init_is_a_tool_error_with_terraforms_reason() {
        let dir = folder(&[(
            "main.tf",
            "resource \"azurerm_resource_group\" \"a\" {\n  name     = \"x\"\n  location = \"westeurope\"\n}\n",
        )]);
        let empty = tempfile::tempdir().unwrap();
        let opts = TerraformOptions {
            plugin_dir: Some(empty.path().to_path_buf()),
            ..TerraformOptions::new(terraform())
        };
        let err = run_validate(dir.path(), &opts, None).unwrap_err();
        match &err {
            TerraformError::InitFailed { reason, .. } => {
                assert!(
                    reason.starts_with("Failed to query available provider packages: "),
                    "{reason}"
                );
                assert!(reason.contains("hashicorp/azurerm"), "{reason}");
            }
            other => panic!("expected InitFailed, got {other:?}"),
        }
        // A syntax error fails init too, but validate explains it: invalid (exit 1).
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"terraform_data\" {\n",
        )
        .unwrap();
        let run = run_validate(dir.path(), &opts, None).unwrap();
        assert!(!run.valid && run.diagnostics.iter().all(|d| d.range.is_some()));
    }

    /// Issue 14: `providers schema -json` ran without `-no-color`, so its
    /// ANSI escapes reached the JSON `note`.
    #[test]
    fn issue14_schema_export_runs_without_colour() {
        let dir = folder(&[("main.tf", "resource \"terraform_data\" \"a\" {}\n")]);
        let fake = script(
            dir.path(),
            "fake-terraform",
            "#!/bin/sh\ncase \"$1\" in\n  init) exit 0 ;;\n  validate) echo '{\"valid\": true, \"diagnostics\": []}' ;;\n  providers) case \"$*\" in *-no-color*) echo 'Error: plain' >&2 ;; *) printf '\\033[31mError: coloured\\033[0m\\n' >&2 ;; esac; exit 1 ;;\n  *) echo '{}' ;;\nesac\n",
        );
        let cache = SchemaCache::new(dir.path().join("cache"));
        let err = export_schema(dir.path(), &TerraformOptions::new(&fake), &cache).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("Error: plain") && !text.contains('\u{1b}'),
            "{text:?}"
        );
    }

    #[test]
    fn offline_check_finds_plugin_dirs_and_mirrors() {
        let dir = folder(&[(
            "main.tf",
            "resource \"aws_vpc\" \"v\" {}\nresource \"azurerm_subnet\" \"s\" {}\n",
        )]);
        let cfg = Config::parse_dir(dir.path()).unwrap();
        let needed: Vec<_> = required_providers(&cfg).into_iter().collect();
        assert_eq!(
            needed,
            vec![
                "registry.terraform.io/hashicorp/aws",
                "registry.terraform.io/hashicorp/azurerm"
            ]
        );
        let plugins = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(
            plugins
                .path()
                .join("registry.terraform.io/hashicorp/aws/5.0.0")
                .join(platform()),
        )
        .unwrap();
        assert!(dir_has_provider(
            plugins.path(),
            "registry.terraform.io/hashicorp/aws"
        ));
        let err = providers_available_offline(&cfg, Some(plugins.path())).unwrap_err();
        assert!(err.contains("hashicorp/azurerm"), "{err}");
        std::fs::create_dir_all(
            plugins
                .path()
                .join("registry.terraform.io/hashicorp/azurerm"),
        )
        .unwrap();
        std::fs::write(
            plugins.path().join(format!(
                "registry.terraform.io/hashicorp/azurerm/terraform-provider-azurerm_4.79.0_{}.zip",
                platform()
            )),
            b"",
        )
        .unwrap();
        assert_eq!(
            providers_available_offline(&cfg, Some(plugins.path())),
            Ok(())
        );

        let rc = "plugin_cache_dir = \"/cache\"\nprovider_installation {\n  filesystem_mirror {\n    path = \"/mirror\"\n  }\n  direct {}\n}\n";
        assert_eq!(
            cli_config_dirs(rc),
            vec![PathBuf::from("/cache"), PathBuf::from("/mirror")]
        );
    }
}
