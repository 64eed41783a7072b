//! An ARM type → azurerm type map read at run time from aztft's resource
//! map (`--type-map FILE`), widening the generic fallback from atg's own
//! `generic::TYPE_MAP` to every ARM type aztft maps.
//!
//! The file is aztft's `mapping` JSON (github.com/Azure/aztft, also shipped
//! as `aztft-resmap-*.json`): an object keyed by azurerm resource type whose
//! `management_plane` gives the ARM provider namespace and type segments,
//! e.g. `azurerm_analysis_services_server` →
//! `{"provider": "Microsoft.AnalysisServices", "types": ["servers"]}`.
//! Entries marked `is_removed` are left out, and so is an ARM type several
//! azurerm types manage (`microsoft.web/sites`: Linux and Windows web and
//! function apps …): choosing among them takes a table.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// ARM types (lowercase) and the one azurerm type that manages each.
#[derive(Debug, Default)]
pub struct TypeMap {
    single: HashMap<String, &'static str>,
    ambiguous: HashMap<String, Vec<String>>,
}

/// Why a type map file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TypeMapError {
    /// The file could not be read.
    #[error("cannot read type map `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not aztft's mapping JSON.
    #[error("type map `{path}` is not aztft's resource map: {why}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
}

impl TypeMap {
    /// Reads aztft's resource map from `path`.
    ///
    /// The azurerm type names are kept for the life of the process (one
    /// map per run, about a thousand short strings).
    ///
    /// Errors: `Read` when the file cannot be read, `Format` when it is not
    /// a JSON object of entries with `management_plane.provider` and
    /// `management_plane.types`.
    pub fn load_aztft(path: &Path) -> Result<TypeMap, TypeMapError> {
        let bytes = std::fs::read(path).map_err(|source| TypeMapError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let format = |why: String| TypeMapError::Format {
            path: path.to_path_buf(),
            why,
        };
        let doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| format(e.to_string()))?;
        let entries = doc
            .as_object()
            .ok_or_else(|| format("the top level is not an object".into()))?;
        let mut by_arm: HashMap<String, BTreeSet<&str>> = HashMap::new();
        for (azurerm, entry) in entries {
            if entry.get("is_removed").and_then(serde_json::Value::as_bool) == Some(true) {
                continue;
            }
            let plane = entry
                .get("management_plane")
                .ok_or_else(|| format(format!("`{azurerm}` has no `management_plane`")))?;
            let provider = plane
                .get("provider")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| format(format!("`{azurerm}` has no `management_plane.provider`")))?;
            let types: Vec<&str> = plane
                .get("types")
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| format(format!("`{azurerm}` has no `management_plane.types`")))?
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect();
            if types.is_empty() {
                continue;
            }
            let arm = format!("{provider}/{}", types.join("/")).to_ascii_lowercase();
            by_arm.entry(arm).or_default().insert(azurerm.as_str());
        }
        if by_arm.is_empty() {
            return Err(format("it maps no ARM type".into()));
        }
        let mut map = TypeMap::default();
        for (arm, azurerm) in by_arm {
            if azurerm.len() == 1 {
                let ty = azurerm.into_iter().next().expect("one");
                map.single
                    .insert(arm, Box::leak(ty.to_string().into_boxed_str()));
            } else {
                map.ambiguous
                    .insert(arm, azurerm.into_iter().map(str::to_string).collect());
            }
        }
        Ok(map)
    }

    /// The azurerm type for an ARM type (lowercase), when exactly one
    /// manages it.
    pub fn get(&self, arm_type: &str) -> Option<&'static str> {
        self.single.get(arm_type).copied()
    }

    /// The azurerm types that all manage an ARM type (lowercase), when
    /// there are several.
    pub fn candidates(&self, arm_type: &str) -> Option<&[String]> {
        self.ambiguous.get(arm_type).map(Vec::as_slice)
    }

    /// How many ARM types map to exactly one azurerm type.
    pub fn len(&self) -> usize {
        self.single.len()
    }

    /// True when no ARM type maps to exactly one azurerm type.
    pub fn is_empty(&self) -> bool {
        self.single.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_types_map_and_shared_or_removed_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("resmap.json");
        std::fs::write(
            &path,
            r#"{
              "azurerm_analysis_services_server": {"management_plane": {"provider": "Microsoft.AnalysisServices", "types": ["servers"]}},
              "azurerm_linux_web_app": {"management_plane": {"provider": "Microsoft.Web", "types": ["sites"]}},
              "azurerm_windows_web_app": {"management_plane": {"provider": "Microsoft.Web", "types": ["sites"]}},
              "azurerm_old_thing": {"management_plane": {"provider": "Microsoft.Old", "types": ["things"]}, "is_removed": true}
            }"#,
        )
        .unwrap();
        let m = TypeMap::load_aztft(&path).unwrap();
        assert_eq!(
            m.get("microsoft.analysisservices/servers"),
            Some("azurerm_analysis_services_server")
        );
        assert_eq!(m.get("microsoft.web/sites"), None);
        assert_eq!(
            m.candidates("microsoft.web/sites").unwrap(),
            ["azurerm_linux_web_app", "azurerm_windows_web_app"]
        );
        assert_eq!(m.get("microsoft.old/things"), None);
        assert_eq!(m.len(), 1);
        std::fs::write(&path, "[1]").unwrap();
        let err = TypeMap::load_aztft(&path).unwrap_err().to_string();
        assert!(err.contains("is not aztft's resource map"), "{err}");
    }
}
