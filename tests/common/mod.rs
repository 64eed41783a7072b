//! Shared helpers for the integration tests: a fresh temp folder per test,
//! the real `atg` binary with atg's environment variables cleared, and
//! paths to the shared fixtures (which must exist; see `shared`).
#![allow(dead_code)]

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
        let mut cmd = Command::cargo_bin("atg").expect("atg binary");
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
