//! The ARM type → emitter table, grouped by service.
//!
//! Each service module exports a `EMITTERS` slice; `registry()` joins them
//! and indexes by lowercase ARM type. The emit functions themselves live in
//! the service modules; the driving loop lives in `iac::generate`.

use super::context::{EmitCx, Skip};
use super::doc::Block;
use crate::model::Resource;
use std::collections::HashMap;
use std::sync::LazyLock;

mod automation;
mod common;
mod compute;
mod containers;
mod database;
mod identity;
mod messaging;
mod monitoring;
mod network;
mod security;
mod storage;
#[cfg(test)]
mod testutil;
mod web;

/// How one ARM resource type becomes Terraform.
pub struct Emitter {
    /// ARM resource type, lowercase, e.g. `microsoft.network/virtualnetworks`.
    pub arm_type: &'static str,
    /// Every azurerm resource type this emitter may produce; the first is the
    /// default primary type.
    pub azurerm_types: &'static [&'static str],
    /// The output file stem (`network`, `compute`, ...).
    pub group: &'static str,
    /// Chooses the primary azurerm type for a resource (for example linux or
    /// windows VM), or skips it before any address is planned.
    pub select: fn(&Resource) -> Result<&'static str, Skip>,
    /// Builds the blocks: the primary resource first, then any secondary ones.
    pub emit: fn(&Resource, &mut EmitCx<'_, '_>) -> Result<Vec<Block>, Skip>,
}

/// All emitters, in a stable order.
pub fn all() -> impl Iterator<Item = &'static Emitter> {
    [
        network::EMITTERS,
        compute::EMITTERS,
        storage::EMITTERS,
        security::EMITTERS,
        identity::EMITTERS,
        monitoring::EMITTERS,
        web::EMITTERS,
        database::EMITTERS,
        containers::EMITTERS,
        messaging::EMITTERS,
        automation::EMITTERS,
    ]
    .into_iter()
    .flatten()
}

/// The emitter for an ARM type (case-insensitive), if any.
pub fn for_type(arm_type: &str) -> Option<&'static Emitter> {
    static REGISTRY: LazyLock<HashMap<&'static str, &'static Emitter>> =
        LazyLock::new(|| all().map(|e| (e.arm_type, e)).collect());
    REGISTRY
        .get(arm_type.to_ascii_lowercase().as_str())
        .copied()
}

#[cfg(test)]
mod registry_tests {
    use super::*;
    use std::collections::HashSet;

    /// Every entry is complete, its ARM type is lowercase and unique, and
    /// every azurerm type it may emit exists in the real provider schema.
    #[test]
    fn every_emitter_is_complete_and_its_types_exist_in_the_provider_schema() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/azurerm-4.79.0.schema.json");
        assert!(
            path.exists(),
            "missing `{}`: the registry check needs the shared reference data",
            path.display()
        );
        let schemas = crate::validate::schema::Schemas::load_file(&path).expect("schema loads");
        let mut seen = HashSet::new();
        let mut n = 0;
        for e in all() {
            n += 1;
            assert_eq!(
                e.arm_type,
                e.arm_type.to_ascii_lowercase(),
                "ARM types are lowercase"
            );
            assert!(seen.insert(e.arm_type), "`{}` registered twice", e.arm_type);
            assert!(
                !e.azurerm_types.is_empty() && !e.group.is_empty(),
                "`{}` is incomplete",
                e.arm_type
            );
            for t in e.azurerm_types {
                assert!(
                    schemas.resource(t).is_some(),
                    "`{}` emits `{t}`, which azurerm 4.79 does not have",
                    e.arm_type
                );
            }
            assert!(
                std::ptr::eq(for_type(&e.arm_type.to_ascii_uppercase()).unwrap(), e),
                "lookup is case-insensitive"
            );
        }
        assert!(n >= 30, "at least 30 ARM types are mapped, found {n}");
    }

    /// docs/GENERATE.md lists every mapped ARM type.
    #[test]
    fn the_mapping_table_in_the_docs_is_complete() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/GENERATE.md"),
        )
        .unwrap();
        for e in all() {
            assert!(
                doc.contains(&format!("`{}`", e.arm_type)),
                "docs/GENERATE.md does not list `{}`",
                e.arm_type
            );
        }
    }
}
