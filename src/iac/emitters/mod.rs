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
