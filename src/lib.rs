//! atg: replicate Azure tenants with Terraform.
//!
//! The crate is organised by pipeline stage (see `ARCHITECTURE.md`):
//! `azure` reads tenants, `graph` stores snapshots, `scan` does both as one
//! stage, `iac` generates
//! Terraform, `validate` checks it, `iterate` loops until it passes,
//! `deploy` applies it to the target tenant; `terraform` runs the terraform
//! binary for both. `cli` and `commands` are the
//! thin layer that wires stages to the command line.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod agents;
pub mod azure;
pub mod background;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod deploy;
pub mod error;
pub mod fidelity;
pub mod fsutil;
pub mod graph;
pub mod iac;
pub mod iterate;
pub mod model;
pub mod monitor;
pub mod output;
pub mod redact;
pub mod report;
pub mod reporter;
pub mod scan;
pub mod synth;
pub mod terraform;
pub mod validate;
