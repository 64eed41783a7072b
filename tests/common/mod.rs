//! Shared helpers for the integration tests: a fresh temp folder per test,
//! the real `atg` binary with atg's environment variables cleared, paths to
//! the shared fixtures (which must exist; see `shared`), and the local
//! provider plugin directory (`plugin_dir`).
#![allow(dead_code)]

pub mod bolt;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A temporary working folder for one test.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// `atg` run in this folder, with AZURE_*, ATG_*, NEO4J_* and TF_* cleared.
    pub fn atg(&self) -> Command {
        Command::from_std(self.std_atg())
    }

    /// `atg` as `atg()` gives it, as a `std::process::Command`, for a test
    /// that starts it and signals it while it runs.
    pub fn std_atg(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("atg"));
        cmd.current_dir(self.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("AZURE_")
                || k.starts_with("ATG_")
                || k.starts_with("NEO4J_")
                || k.starts_with("TF_")
            {
                cmd.env_remove(k);
            }
        }
        cmd
    }

    /// `atg scan --from-file FILE` in this folder; panics when it fails.
    pub fn scan(&self, file: &Path) {
        self.atg()
            .args(["scan", "--from-file"])
            .arg(file)
            .assert()
            .success();
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name))
            .unwrap_or_else(|e| panic!("read {name}: {e}"))
    }
}

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `../shared` (the fixtures and reference data CI provides).
/// Panics with a clear message when it is absent: these tests never skip.
pub fn shared(rel: &str) -> PathBuf {
    let p = root().join("..").join("shared").join(rel);
    assert!(
        p.exists(),
        "missing `{}`: these tests need the shared fixtures and reference data checked out beside the repo (../shared)",
        p.display()
    );
    p.canonicalize().unwrap()
}

/// The contoso fixture.
pub fn contoso() -> PathBuf {
    shared("fixtures/tenant-contoso.json")
}

/// The real azurerm provider schema.
pub fn azurerm_schema() -> PathBuf {
    shared("reference/azurerm-4.79.0.schema.json")
}

/// Output as a string.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Error output as a string.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Folders that may hold a plugin directory's `registry.terraform.io`.
fn plugin_dir_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        out.push(home.join(".terraform.d/plugins"));
        out.push(home.join(".local/share/terraform/plugins"));
    }
    out.push(PathBuf::from("/usr/local/share/terraform/plugins"));
    out.push(PathBuf::from("/usr/share/terraform/plugins"));
    // `/opt/NAME` and `/opt/NAME/NAME`, where machine images install plugin folders.
    let mut stack = vec![(PathBuf::from("/opt"), 0)];
    while let Some((dir, depth)) = stack.pop() {
        out.push(dir.clone());
        if depth < 2
            && let Ok(rd) = std::fs::read_dir(&dir)
        {
            let mut subs: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && !p.ends_with("registry.terraform.io"))
                .collect();
            subs.sort();
            stack.extend(subs.into_iter().rev().map(|p| (p, depth + 1)));
        }
    }
    out
}

/// The plugin directory holding every provider in `providers`.
pub fn plugin_dir(providers: &[String]) -> Result<PathBuf, String> {
    let has_all = |d: &Path| {
        providers
            .iter()
            .all(|p| atg::terraform::dir_has_provider(d, p))
    };
    if let Some(d) = std::env::var_os("ATG_TF_PLUGIN_DIR").map(PathBuf::from) {
        return if has_all(&d) {
            Ok(d)
        } else {
            Err(format!(
                "ATG_TF_PLUGIN_DIR=`{}` does not hold {} for {}",
                d.display(),
                providers.join(", "),
                atg::terraform::platform()
            ))
        };
    }
    let candidates = plugin_dir_candidates();
    candidates.iter().find(|d| has_all(d)).cloned().ok_or_else(|| {
        format!(
            "no local plugin directory holds {} for {}: install the provider as DIR/registry.terraform.io/NAMESPACE/NAME/VERSION/OS_ARCH/ and set ATG_TF_PLUGIN_DIR=DIR (looked in {} folders under ~/.terraform.d, ~/.local/share/terraform, /usr/local/share/terraform, /usr/share/terraform and /opt)",
            providers.join(", "),
            atg::terraform::platform(),
            candidates.len()
        )
    })
}

/// `atg validate DIR --validator builtin --format json --provider-schema
/// <azurerm 4.79>` (its validation data is found beside it): the exit code
/// and the JSON document.
pub fn validate_azurerm(d: &Dir, dir: &Path) -> (Option<i32>, serde_json::Value) {
    let out = d
        .atg()
        .arg("validate")
        .arg(dir)
        .args([
            "--validator",
            "builtin",
            "--format",
            "json",
            "--provider-schema",
        ])
        .arg(azurerm_schema())
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code(), v)
}
