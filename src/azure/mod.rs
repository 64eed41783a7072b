//! Reading tenants into snapshots: export files (`export`) and the
//! normalisation every source goes through (`normalize`); Azure sign-in
//! resolution (`auth`), shared by deploy and the live scanner. Live ARM and
//! Resource Graph scanning is not built yet.

pub mod auth;
pub mod export;
pub mod normalize;

use crate::model::Snapshot;
use std::path::Path;

/// Reads an export file and normalises it into a snapshot (without
/// relationships). Errors as `export::read`.
pub fn load_file(
    path: &Path,
) -> Result<(Snapshot, normalize::NormalizeStats), export::ExportError> {
    Ok(normalize::normalize(export::read(path)?))
}
