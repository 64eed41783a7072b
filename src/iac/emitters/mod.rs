//! The ARM type → azurerm mapping tables, grouped by service, and the
//! registry that indexes them.
//!
//! Each service module exports a `MAPPINGS` table of declarative mappings
//! (`spec::Mapping`), plus code hooks for what is truly irregular; one
//! generic emitter (`interpret`) runs them. `all()` joins the tables and
//! `for_type()` indexes them by lowercase ARM type. The driving loop lives
//! in `iac::generate`.

use super::context::{EmitCx, Skip};
use super::doc::Block;
use crate::model::Resource;
use std::collections::HashMap;
use std::sync::LazyLock;

mod alerts;
mod analytics;
mod appgateway;
mod authorization;
mod automation;
mod cdn;
mod common;
mod compute;
mod containers;
mod database;
mod devtest;
mod dns;
mod firewall;
mod gateways;
mod identity;
mod integration;
pub mod interpret;
mod messaging;
mod monitoring;
mod network;
mod security;
pub mod spec;
mod storage;
#[cfg(test)]
mod testutil;
mod web;

pub use spec::Mapping;

/// All mappings, in a stable order.
pub fn all() -> impl Iterator<Item = &'static Mapping> {
    [
        network::MAPPINGS,
        compute::MAPPINGS,
        storage::MAPPINGS,
        security::MAPPINGS,
        identity::MAPPINGS,
        monitoring::MAPPINGS,
        monitoring::MORE,
        web::MAPPINGS,
        database::MAPPINGS,
        database::MORE,
        containers::MAPPINGS,
        containers::MORE,
        messaging::MAPPINGS,
        messaging::MORE,
        automation::MAPPINGS,
        authorization::MAPPINGS,
        dns::MAPPINGS,
        gateways::MAPPINGS,
        firewall::MAPPINGS,
        appgateway::MAPPINGS,
        cdn::MAPPINGS,
        alerts::MAPPINGS,
        analytics::MAPPINGS,
        integration::MAPPINGS,
        devtest::MAPPINGS,
    ]
    .into_iter()
    .flatten()
}

/// The mapping for an ARM type (case-insensitive), if any.
pub fn for_type(arm_type: &str) -> Option<&'static Mapping> {
    static REGISTRY: LazyLock<HashMap<&'static str, &'static Mapping>> =
        LazyLock::new(|| all().map(|m| (m.arm_type, m)).collect());
    REGISTRY
        .get(arm_type.to_ascii_lowercase().as_str())
        .copied()
}

/// The primary azurerm type `m` chooses for `r`, or why `r` is skipped
/// before planning.
pub fn select(m: &Mapping, r: &Resource) -> Result<&'static str, Skip> {
    match m.choose {
        Some(choose) => choose(r),
        None => Ok(m.azurerm),
    }
}

/// Emits `r` as `m` says: the primary block first, then secondary blocks.
pub fn emit(m: &Mapping, r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    interpret::emit(m, r, cx)
}

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod registry_tests;
