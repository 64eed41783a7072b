//! `atg agent` settings: the config file (`.atg/agents.toml`, or
//! `--config FILE` / `ATG_AGENT_CONFIG`) and how flags, the file's
//! `[profiles.NAME]` table, its top level and built-in defaults combine,
//! in that order. Parsing flags is `cli`'s job; this module only resolves.
//!
//! The file never holds a secret: `env` entries whose names say secret
//! (`*_SECRET`, `*_PASSWORD`, `*_TOKEN`, `*_KEY`) are refused, and Secret
//! values reach agents only by reference (`env_from_secrets`).

use super::coderun::{CodeRunSpec, SecretEnvVar};
use super::error::AgentError;
use super::profile::Profile;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the config file is looked for when none is named.
pub const DEFAULT_CONFIG: &str = ".atg/agents.toml";

/// Default service name.
pub const DEFAULT_SERVICE: &str = "atg";
/// Default working directory.
pub const DEFAULT_WORKING_DIRECTORY: &str = ".";
/// Default limit for `doctor`'s "active too long" check, in minutes.
pub const DEFAULT_MAX_ACTIVE_MINUTES: u64 = 120;

/// CodeRun settings: the `[run]` table (every run) and each
/// `[profiles.NAME]` table (that profile's runs, taking precedence).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFields {
    /// `spec.service`.
    pub service: Option<String>,
    /// `spec.model`.
    pub model: Option<String>,
    /// `spec.githubApp`.
    pub github_app: Option<String>,
    /// `spec.repositoryUrl`.
    pub repository_url: Option<String>,
    /// `spec.docsRepositoryUrl`.
    pub docs_repository_url: Option<String>,
    /// `spec.workingDirectory`.
    pub working_directory: Option<String>,
    /// `spec.docsBranch`.
    pub docs_branch: Option<String>,
    /// Plain environment variables (`spec.env`); never secrets.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Secret references (`spec.envFromSecrets`).
    #[serde(default)]
    pub env_from_secrets: Vec<SecretRef>,
}

/// An `env_from_secrets` entry (snake_case keys).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Variable name.
    pub name: String,
    /// The Secret.
    pub secret_name: String,
    /// The key in it.
    pub secret_key: String,
}

/// The config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Namespace of the runs.
    pub namespace: Option<String>,
    /// kubeconfig context.
    pub context: Option<String>,
    /// kubeconfig file.
    pub kubeconfig: Option<PathBuf>,
    /// `doctor`: a run active longer than this many minutes is reported.
    pub max_active_minutes: Option<u64>,
    /// `doctor`: the folder `atg agent manifests` wrote, to compare with the cluster.
    pub manifests_dir: Option<PathBuf>,
    /// `[run]`: settings for every run.
    #[serde(default)]
    pub run: RunFields,
    /// `[profiles.NAME]`: per-profile settings, keyed by profile name.
    #[serde(default)]
    pub profiles: BTreeMap<String, RunFields>,
}

/// A loaded config file and where it came from (`None`: no file).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The settings.
    pub file: ConfigFile,
    /// The path read, if any.
    pub path: Option<PathBuf>,
}

fn secret_named(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["_SECRET", "_PASSWORD", "_TOKEN", "_KEY"]
        .iter()
        .any(|s| upper.ends_with(s))
        || ["SECRET", "PASSWORD", "TOKEN"].contains(&upper.as_str())
}

/// Parses config text read from `path` (named in errors).
///
/// Errors: `Input` naming the file, line and column for TOML errors and
/// unknown keys, an unknown `[profiles.NAME]`, or a secret-named `env`.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, AgentError> {
    let shown = path.display();
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" line {line} column {col}")
            })
            .unwrap_or_default();
        AgentError::input(
            format!("`{shown}`{at}: {}", e.message()),
            "see docs/AGENTS.md#configuration for the keys the file takes",
        )
    })?;
    for name in file.profiles.keys() {
        if Profile::from_name(name).is_none() {
            return Err(AgentError::input(
                format!("`{shown}`: unknown profile `[profiles.{name}]`"),
                format!("profiles are {}", Profile::names().join(", ")),
            ));
        }
    }
    let tables = std::iter::once(("run".to_string(), &file.run)).chain(
        file.profiles
            .iter()
            .map(|(n, f)| (format!("profiles.{n}"), f)),
    );
    for (table, fields) in tables {
        if let Some(k) = fields.env.keys().find(|k| secret_named(k)) {
            return Err(AgentError::input(
                format!(
                    "`{shown}`: `[{table}.env]` `{k}` looks like a secret, and CodeRuns never carry secret values"
                ),
                "reference a Kubernetes Secret instead: `env_from_secrets = [{ name = \"...\", secret_name = \"...\", secret_key = \"...\" }]`",
            ));
        }
    }
    Ok(file)
}

/// Loads the config file: `explicit` (from `--config` or
/// `ATG_AGENT_CONFIG`), which must exist, else `.atg/agents.toml` if it
/// exists, else no file.
///
/// Errors: `Input` when the file cannot be read or parsed (see `parse`).
pub fn load(explicit: Option<&Path>) -> Result<Loaded, AgentError> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_CONFIG), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded::default());
        }
        Err(e) => {
            return Err(AgentError::input(
                format!("cannot read the agent config `{}`: {e}", path.display()),
                "check `--config` (or ATG_AGENT_CONFIG)",
            ));
        }
    };
    Ok(Loaded {
        file: parse(&text, &path)?,
        path: Some(path),
    })
}

/// Fills the spec fields a run gets from settings: `flags` first, then
/// the file's `[profiles.PROFILE]`, its `[run]`, then the built-in
/// defaults (`service = "atg"`, `working_directory = "."`). `env` merges
/// (profile entries win), `env_from_secrets` adds up. Required fields may
/// still be empty; `coderun::missing_required` says which.
pub fn spec_fields(profile: Profile, flags: &RunFields, file: &ConfigFile) -> CodeRunSpec {
    let from_profile = file
        .profiles
        .get(profile.name())
        .cloned()
        .unwrap_or_default();
    let layers = [flags, &from_profile, &file.run];
    let pick = |f: fn(&RunFields) -> &Option<String>| -> Option<String> {
        layers
            .iter()
            .find_map(|s| f(s).clone().filter(|v| !v.trim().is_empty()))
    };
    let mut env = BTreeMap::new();
    for layer in layers.iter().rev() {
        env.extend(layer.env.clone());
    }
    CodeRunSpec {
        service: pick(|s| &s.service).unwrap_or_else(|| DEFAULT_SERVICE.into()),
        model: pick(|s| &s.model).unwrap_or_default(),
        github_app: pick(|s| &s.github_app).unwrap_or_default(),
        repository_url: pick(|s| &s.repository_url).unwrap_or_default(),
        docs_repository_url: pick(|s| &s.docs_repository_url).unwrap_or_default(),
        working_directory: pick(|s| &s.working_directory)
            .unwrap_or_else(|| DEFAULT_WORKING_DIRECTORY.into()),
        docs_branch: pick(|s| &s.docs_branch),
        env,
        env_from_secrets: layers
            .iter()
            .rev()
            .flat_map(|l| l.env_from_secrets.iter())
            .map(|r| SecretEnvVar {
                name: r.name.clone(),
                secret_name: r.secret_name.clone(),
                secret_key: r.secret_key.clone(),
            })
            .collect(),
        ..CodeRunSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_profile_beats_top_level_beats_defaults() {
        let file = parse(
            "[run]\nmodel = \"top-model\"\ngithub_app = \"Top\"\n[run.env]\nA = \"1\"\n[profiles.ci-pr-manager]\ngithub_app = \"Clippy\"\nenv = { A = \"2\", B = \"3\" }\n",
            Path::new("a.toml"),
        )
        .unwrap();
        let flags = RunFields {
            model: Some("flag-model".into()),
            ..Default::default()
        };
        let spec = spec_fields(Profile::CiPrManager, &flags, &file);
        assert_eq!(spec.model, "flag-model");
        assert_eq!(spec.github_app, "Clippy");
        assert_eq!(spec.service, "atg");
        assert_eq!(spec.working_directory, ".");
        assert_eq!(spec.env["A"], "2");
        assert_eq!(spec.env["B"], "3");
        let other = spec_fields(Profile::IterationAnalyzer, &RunFields::default(), &file);
        assert_eq!(
            (other.model.as_str(), other.github_app.as_str()),
            ("top-model", "Top")
        );
    }

    #[test]
    fn bad_files_name_the_place() {
        let e = parse("modle = \"x\"\n", Path::new("a.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("`a.toml` line 1 column 1: unknown field `modle`"),
            "{e}"
        );
        let e = parse("[profiles.nope]\n", Path::new("a.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "`a.toml`: unknown profile `[profiles.nope]`");
        let e = parse("[run.env]\nGITHUB_TOKEN = \"x\"\n", Path::new("a.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`[run.env]` `GITHUB_TOKEN` looks like a secret"),
            "{e}"
        );
    }
}
