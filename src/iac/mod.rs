//! Terraform generation: ARM type → azurerm mapping, emitters grouped by
//! service, the document model, naming, and HCL/JSON rendering.
//!
//! Reading the snapshot is left to `graph`; validating the output is left to
//! `validate`.

pub mod context;
pub mod doc;
pub mod emitters;
pub mod generate;
pub mod naming;
pub mod render;
pub mod report;
pub mod secrets;

pub use context::{Skip, SkipReason, TargetSettings};
pub use generate::{Adjustments, GenerateOptions, Generated, generate, write_output};
pub use render::Syntax;
pub use report::GenerationReport;
