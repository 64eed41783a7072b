//! The terraform runner: `terraform init -backend=false` and
//! `terraform validate -json` (or OpenTofu's `tofu`) on a folder, their JSON
//! turned into `Diagnostic`s located with `validate::config`; exporting
//! `terraform providers schema -json` into the `SchemaCache`; and deciding
//! whether terraform can get every required provider offline.
//!
//! A binary that is missing, crashes or times out is a `TerraformError`,
//! distinct from an invalid configuration. Choosing terraform over the
//! builtin validator is left to `validate::validate_dir`.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::config::{Config, default_provider_address};
use super::diagnostic::{Diagnostic, Pos, Range, Severity};
use super::schema::{SchemaCache, SchemaError, provider_local_name};

/// How many bytes of stderr a tool error keeps.
const STDERR_TAIL: usize = 2000;

/// A failure of the terraform binary itself (not an invalid configuration).
#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    /// The binary does not exist or is not executable.
    #[error("terraform binary `{}` was not found", bin.display())]
    NotFound {
        /// The binary asked for.
        bin: PathBuf,
    },
    /// Killed by a signal, or a non-zero exit without the expected output.
    #[error("`{} {args}` failed ({status}): {stderr_tail}", bin.display())]
    Crashed {
        /// The binary.
        bin: PathBuf,
        /// The arguments, space-separated.
        args: String,
        /// Exit code or signal.
        status: String,
        /// The end of its stderr (and stdout when stderr is empty).
        stderr_tail: String,
    },
    /// `terraform init` failed (typically a provider it could not install),
    /// so `validate` could only say what is missing: the configuration was
    /// not checked.
    #[error("`{} init` failed, so terraform could not validate the configuration: {reason}", bin.display())]
    InitFailed {
        /// The binary.
        bin: PathBuf,
        /// terraform's first error, in one line.
        reason: String,
    },
    /// Did not finish in time; it was killed.
    #[error("`{} {args}` timed out after {secs} s: {stderr_tail}", bin.display())]
    TimedOut {
        /// The binary.
        bin: PathBuf,
        /// The arguments, space-separated.
        args: String,
        /// The timeout.
        secs: u64,
        /// The end of its stderr.
        stderr_tail: String,
    },
    /// Could not be started or waited for.
    #[error("cannot run `{}`", bin.display())]
    Io {
        /// The binary.
        bin: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The exported schema could not be cached.
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// How to run terraform.
#[derive(Debug, Clone)]
pub struct TerraformOptions {
    /// `terraform` or `tofu` binary (a path, or a name looked up on `PATH`).
    pub bin: PathBuf,
    /// Passed as `-plugin-dir` to `init`.
    pub plugin_dir: Option<PathBuf>,
    /// Per-command timeout.
    pub timeout: Duration,
}

impl TerraformOptions {
    /// Options for `bin` with no plugin dir and a 10-minute timeout.
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        TerraformOptions {
            bin: bin.into(),
            plugin_dir: None,
            timeout: Duration::from_secs(600),
        }
    }
}

/// The result of `terraform validate -json`.
#[derive(Debug, Clone)]
pub struct TerraformRun {
    /// Terraform's `valid`.
    pub valid: bool,
    /// Its diagnostics, located in the configuration.
    pub diagnostics: Vec<Diagnostic>,
}

struct Output {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// `text` without ANSI escape sequences (CSI `ESC [ … final byte`, and any
/// other `ESC x` pair), in case a terraform command colours its output.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

/// terraform's first `Error:` in its human output, as one line:
/// `summary: detail` (the detail is the paragraph after the summary).
/// Falls back to the whole text's tail when there is none.
pub(crate) fn first_error(bytes: &[u8]) -> String {
    let text = strip_ansi(&String::from_utf8_lossy(bytes));
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim_end())
        .collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("Error: ")) else {
        return tail(bytes);
    };
    let summary = lines[start].trim_start_matches("Error: ");
    let detail: Vec<&str> = lines[start + 1..]
        .iter()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .map(|l| l.trim())
        .collect();
    if detail.is_empty() {
        summary.to_string()
    } else {
        format!("{summary}: {}", detail.join(" "))
    }
}

fn tail(bytes: &[u8]) -> String {
    let s = strip_ansi(&String::from_utf8_lossy(bytes));
    let s = s.trim();
    let start = s.len().saturating_sub(STDERR_TAIL);
    let start = (start..=s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len());
    s[start..].to_string()
}

/// `exit code N` or `killed by signal N`.
pub(crate) fn status_text(s: &std::process::ExitStatus) -> String {
    match s.code() {
        Some(c) => format!("exit code {c}"),
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = s.signal() {
                    return format!("killed by signal {sig}");
                }
            }
            "killed".into()
        }
    }
}

fn run(opts: &TerraformOptions, dir: &Path, args: &[&str]) -> Result<Output, TerraformError> {
    let joined = args.join(" ");
    let mut child = command(&opts.bin, dir)
        .args(args)
        .spawn()
        .map_err(|source| spawn_error(&opts.bin, source))?;
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = child.stdout.take().map(|s| reader(Box::new(s)));
    let err = child.stderr.take().map(|s| reader(Box::new(s)));
    let deadline = Instant::now() + opts.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
                return Err(TerraformError::TimedOut {
                    bin: opts.bin.clone(),
                    args: joined,
                    secs: opts.timeout.as_secs(),
                    stderr_tail: tail(&stderr),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => {
                return Err(TerraformError::Io {
                    bin: opts.bin.clone(),
                    source,
                });
            }
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// terraform run in `dir` non-interactively (`TF_IN_AUTOMATION`, no input,
/// no version check), stdin closed, stdout and stderr piped. The caller adds
/// the arguments and any environment.
pub(crate) fn command(bin: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A spawn failure as a `TerraformError`: `NotFound` when the binary is
/// missing or not executable, `Io` otherwise.
pub(crate) fn spawn_error(bin: &Path, source: std::io::Error) -> TerraformError {
    match source.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            TerraformError::NotFound {
                bin: bin.to_path_buf(),
            }
        }
        _ => TerraformError::Io {
            bin: bin.to_path_buf(),
            source,
        },
    }
}

fn crashed(opts: &TerraformOptions, args: &[&str], o: &Output) -> TerraformError {
    let t = if o.stderr.iter().all(u8::is_ascii_whitespace) {
        tail(&o.stdout)
    } else {
        tail(&o.stderr)
    };
    TerraformError::Crashed {
        bin: opts.bin.clone(),
        args: args.join(" "),
        status: status_text(&o.status),
        stderr_tail: t,
    }
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

/// Provider address → version from `.terraform.lock.hcl` in `dir` (empty when absent).
pub fn lock_versions(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(dir.join(".terraform.lock.hcl")) else {
        return out;
    };
    let Ok(body) = hcl_edit::parser::parse_body(&text) else {
        return out;
    };
    for b in body.get_blocks("provider") {
        let (Some(addr), Some(v)) = (b.labels.first(), b.body.get_attribute("version")) else {
            continue;
        };
        if let Some(v) = v.value.as_str() {
            out.insert(addr.as_str().to_string(), v.to_string());
        }
    }
    out
}

/// Runs `providers schema -json` in an initialised `dir` and stores each
/// provider's schema in `cache`, keyed by the versions in the lock file
/// (the builtin provider by `terraform version -json`). Returns the files.
///
/// Errors: `TerraformError` when the command fails or the cache cannot be written.
pub fn export_schema(
    dir: &Path,
    opts: &TerraformOptions,
    cache: &SchemaCache,
) -> Result<Vec<PathBuf>, TerraformError> {
    let args = ["providers", "schema", "-json", "-no-color"];
    let out = run(opts, dir, &args)?;
    if !out.status.success() {
        return Err(crashed(opts, &args, &out));
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

/// Looks `name` up on `PATH`; a name with a `/` is returned when it is a file.
pub fn find_binary(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 {
        // terraform runs inside the configuration folder, so a relative path
        // such as `./bin/terraform` is made absolute first.
        return name
            .is_file()
            .then(|| std::path::absolute(name).unwrap_or_else(|_| name.to_path_buf()));
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
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

/// `OS_ARCH` as terraform names the current platform, e.g. `linux_amd64`.
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// True when `dir` holds the provider in the unpacked layout
/// `DIR/HOST/NS/NAME/VERSION/OS_ARCH/` or the packed
/// `DIR/HOST/NS/NAME/terraform-provider-NAME_VERSION_OS_ARCH.zip`.
pub fn dir_has_provider(dir: &Path, address: &str) -> bool {
    let pdir = address.split('/').fold(dir.to_path_buf(), |p, s| p.join(s));
    let plat = platform();
    let Ok(rd) = std::fs::read_dir(&pdir) else {
        return false;
    };
    rd.flatten().any(|e| {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        (p.is_dir() && p.join(&plat).is_dir())
            || (name.ends_with(&format!("_{plat}.zip")) && name.starts_with("terraform-provider-"))
    })
}

/// Folders terraform may install providers from without the network:
/// the `-plugin-dir`, `TF_PLUGIN_CACHE_DIR`, and from the CLI configuration
/// (`TF_CLI_CONFIG_FILE`, else `~/.terraformrc`) its `plugin_cache_dir` and
/// every `provider_installation { filesystem_mirror { path = ... } }`.
pub fn offline_sources(plugin_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = plugin_dir.map(Path::to_path_buf).into_iter().collect();
    if let Some(c) = std::env::var_os("TF_PLUGIN_CACHE_DIR").filter(|c| !c.is_empty()) {
        out.push(c.into());
    }
    let cli = std::env::var_os("TF_CLI_CONFIG_FILE")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".terraformrc")));
    if let Some(text) = cli.and_then(|p| std::fs::read_to_string(p).ok()) {
        out.extend(cli_config_dirs(&text));
    }
    out
}

/// `plugin_cache_dir` and filesystem mirror paths of a CLI configuration text.
pub fn cli_config_dirs(text: &str) -> Vec<PathBuf> {
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(s) = body
        .get_attribute("plugin_cache_dir")
        .and_then(|a| a.value.as_str())
    {
        out.push(PathBuf::from(s));
    }
    for pi in body.get_blocks("provider_installation") {
        for m in pi.body.get_blocks("filesystem_mirror") {
            if let Some(s) = m.body.get_attribute("path").and_then(|a| a.value.as_str()) {
                out.push(PathBuf::from(s));
            }
        }
    }
    out
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
    use crate::validate::ValidationLevel;

    /// The real terraform binary; fails (never skips) when it is missing.
    pub(crate) fn terraform() -> PathBuf {
        find_binary(Path::new("terraform"))
            .expect("these tests need the `terraform` binary on PATH (Terraform >= 1.5); install it to run them")
    }

    use crate::fsutil::test_folder as folder;

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

    /// An executable shell script `name` in `dir`, standing in for terraform.
    fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
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
        assert_eq!(
            strip_ansi("\u{1b}[1m\u{1b}[31mError:\u{1b}[0m x"),
            "Error: x"
        );
    }

    #[test]
    fn first_error_is_one_line_after_any_warnings() {
        let text = "There are some problems with the CLI configuration:\n\u{256d}\n\u{2502} Warning: Unable to open CLI configuration file\n\u{2502}\n\u{2502} detail\n\u{2575}\n\n\nError: Failed to query available provider packages\n\nCould not retrieve the list\nof versions\n\n  - /tmp/x\n";
        assert_eq!(
            first_error(text.as_bytes()),
            "Failed to query available provider packages: Could not retrieve the list of versions"
        );
        assert_eq!(first_error(b"no error words"), "no error words");
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
