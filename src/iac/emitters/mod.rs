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
use crate::validate::schema::Schemas;
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
pub mod generic;
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
pub mod type_map;
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

/// The naming rule of the ARM types whose mapping gives the target a
/// globally unique name (`Src::Unique(rule)` as its name; lowercase ARM
/// type), `None` for every other type. The fidelity tests generate every
/// such type of the contoso fixture and check it round-trips.
pub fn global_name_rule(arm_type: &str) -> Option<crate::iac::naming::NameRule> {
    match for_type(arm_type)?.name {
        Some(spec::Src::Unique(rule)) => Some(rule),
        _ => None,
    }
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

/// What writes a resource: its type's table, or the schema-guided generic
/// fallback for an azurerm type (`generic::TYPE_MAP`).
#[derive(Clone, Copy)]
pub enum Emitter {
    /// A declarative mapping.
    Table(&'static Mapping),
    /// The generic fallback, writing this azurerm type.
    Generic(&'static str),
}

impl Emitter {
    /// The output file stem.
    pub fn group(self) -> &'static str {
        match self {
            Emitter::Table(m) => m.group,
            Emitter::Generic(_) => generic::GROUP,
        }
    }

    /// Whether the resource's blocks carry its `identity` (so role
    /// assignments to its system-assigned identity can reference it).
    pub fn writes_identity(self) -> bool {
        match self {
            Emitter::Table(m) => m.identity || m.hook_sets.contains(&"identity"),
            Emitter::Generic(_) => true,
        }
    }

    /// Whether this is the generic fallback.
    pub fn is_generic(self) -> bool {
        matches!(self, Emitter::Generic(_))
    }

    /// Emits `r`: the primary block first, then secondary blocks.
    /// `schemas` is needed (and present) for the generic fallback.
    pub fn emit(
        self,
        r: &Resource,
        cx: &mut EmitCx,
        schemas: Option<&Schemas>,
    ) -> Result<Vec<Block>, Skip> {
        match self {
            Emitter::Table(m) => interpret::emit(m, r, cx),
            Emitter::Generic(ty) => {
                let schemas = schemas.expect("routed to the generic fallback only with its schema");
                let schema = schemas
                    .resource(ty)
                    .expect("routed to the generic fallback only with its schema");
                let rules = schemas
                    .provider_for_type(ty)
                    .and_then(|(address, _)| schemas.rules_for(address))
                    .and_then(|r| r.resource(ty));
                generic::emit(r, &schema.block, rules, cx)
            }
        }
    }
}

/// Why a resource of an ARM type is not emitted by any emitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmapped {
    /// No azurerm resource exists for the type; the text says why.
    NoAzurermResource(&'static str),
    /// azurerm has this type, but atg has no table for it and no provider
    /// schema was given for the generic fallback.
    NeedsSchema(&'static str),
    /// Several azurerm types manage it (the type map lists them, comma
    /// separated) and choosing among them takes a table atg does not have.
    Several(String),
    /// atg knows no azurerm type for it (it may or may not have one).
    NotMappedYet,
}

/// How resources of an ARM type are emitted: by an emitter (with its
/// choice of primary type, or the skip it decides before planning), or not.
pub enum Route {
    /// Emitted by this emitter.
    Emit(Emitter, Result<&'static str, Skip>),
    /// Not emitted.
    Unmapped(Unmapped),
}

/// The route of `r` (of lowercase type `type_key`): its table, else the
/// generic fallback when `schemas` has the azurerm type, else why not.
pub fn route(
    type_key: &str,
    r: &Resource,
    schemas: Option<&Schemas>,
    type_map: Option<&type_map::TypeMap>,
) -> Route {
    if let Some(m) = for_type(type_key) {
        return Route::Emit(Emitter::Table(m), select(m, r));
    }
    let fallback =
        generic::fallback_type(type_key).or_else(|| type_map.and_then(|m| m.get(type_key)));
    if let Some(ty) = fallback {
        if let Some(how) = generic::written_by_parent(type_key) {
            return Route::Emit(
                Emitter::Generic(ty),
                Err(Skip::managed(format!(
                    "written with its parent, as {how}; a separate `{ty}` would conflict with it"
                ))),
            );
        }
        return match schemas.and_then(|s| s.resource(ty)) {
            Some(_) => Route::Emit(Emitter::Generic(ty), Ok(ty)),
            None => Route::Unmapped(Unmapped::NeedsSchema(ty)),
        };
    }
    match generic::no_azurerm(type_key) {
        Some(why) => Route::Unmapped(Unmapped::NoAzurermResource(why)),
        None => match type_map.and_then(|m| m.candidates(type_key)) {
            Some(several) => Route::Unmapped(Unmapped::Several(several.join(", "))),
            None => Route::Unmapped(Unmapped::NotMappedYet),
        },
    }
}

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod registry_tests;
