//! Fidelity: how close a copy (target) is to its source, counted by type
//! and checked resource by resource.
//!
//! `normalize` builds the keys that pair resources, `diff` finds their
//! configuration differences, `compare` pairs and classifies two scopes,
//! `score` turns a comparison into the fidelity report (JSON compatible
//! with Azure Tenant Grapher's), `objective` checks it against an
//! OBJECTIVE.md, `history` keeps and charts the trend, `scope` loads the
//! two sides from the store, and `iterations` compares iteration folders.
//! Rendering is left to `commands` and `report`.

pub mod compare;
pub mod diff;
pub mod history;
pub mod iterations;
pub mod normalize;
pub mod objective;
pub mod render;
pub mod scope;
pub mod score;

pub use compare::{Comparison, MatchOptions, ScopeData, Status, compare};
