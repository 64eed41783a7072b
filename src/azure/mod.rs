//! Reading tenants into snapshots: export files (`export`), live scans of
//! Azure (`scanner`, over `arm`, `credential`, `cloud`, `transport` and
//! `throttle`), and the normalisation every source goes through
//! (`normalize`). `coverage` says where each type is read (the ARM emulator
//! of the dev-only `atg-emulators` crate reads it too). `auth` resolves
//! the sign-in method from `--auth` and the environment, once, for scans
//! and deploys alike.

pub mod arm;
pub mod auth;
pub mod cloud;
pub mod coverage;
pub mod credential;
pub mod export;
pub mod normalize;
pub mod scanner;
pub mod throttle;
pub mod transport;

use crate::model::Snapshot;
use std::path::Path;

/// Reads an export file and normalises it into a snapshot (without
/// relationships). Errors as `export::read`.
pub fn load_file(
    path: &Path,
) -> Result<(Snapshot, normalize::NormalizeStats), export::ExportError> {
    Ok(normalize::normalize(export::read(path)?))
}
