//! `atg scan` arguments.

use super::{AuthArg, ReportFormat};
use clap::Args;
use std::path::PathBuf;

/// `atg scan --from-file FILE` or `atg scan --tenant-id TENANT`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// A tenant export (atg format) or `az graph query -o json` output.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["list", "tenant_id", "prune"],
        conflicts_with = "tenant_id"
    )]
    pub from_file: Option<PathBuf>,
    /// Store an export that holds no resources (refused otherwise: an empty
    /// export is usually a failed query, and would become the newest scan).
    #[arg(long, requires = "from_file")]
    pub allow_empty: bool,
    /// List the snapshots in the store instead of scanning.
    #[arg(long, conflicts_with_all = ["from_file", "tenant_id"])]
    pub list: bool,
    /// Remove abandoned scans (their process is gone) and failed ones from
    /// the store instead of scanning.
    #[arg(long, conflicts_with_all = ["from_file", "tenant_id", "list"])]
    pub prune: bool,
    /// With `--prune`: list what would be removed, remove nothing.
    #[arg(long, requires = "prune")]
    pub dry_run: bool,
    /// Output format of the counts.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Scan this tenant live from Azure (GUID or domain, e.g. contoso.onmicrosoft.com).
    #[arg(long, value_name = "TENANT")]
    pub tenant_id: Option<String>,
    /// How to authenticate (live scan).
    #[arg(long, value_enum, default_value = "auto", conflicts_with_all = ["from_file", "list"])]
    pub auth: AuthArg,
    /// Scan only this subscription ID (repeatable; default: every readable subscription).
    #[arg(
        long = "subscription", value_name = "ID", requires = "tenant_id",
        conflicts_with_all = ["from_file", "list"]
    )]
    pub subscriptions: Vec<String>,
    /// Scan only this resource group, in every subscription (repeatable).
    #[arg(
        long = "resource-group", value_name = "NAME", requires = "tenant_id",
        conflicts_with_all = ["from_file", "list"]
    )]
    pub resource_groups: Vec<String>,
    /// Resource Graph subscription groups and ARM LIST calls in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Azure Resource Manager endpoint (sovereign clouds, the ARM emulator).
    #[arg(long, value_name = "URL", env = "AZURE_RESOURCE_MANAGER_ENDPOINT")]
    pub arm_endpoint: Option<String>,
    /// Microsoft Entra authority host (sovereign clouds, the ARM emulator).
    #[arg(long, value_name = "URL", env = "AZURE_AUTHORITY_HOST")]
    pub authority_host: Option<String>,
    /// Also trust the CA certificates in this PEM file (repeatable; SSL_CERT_FILE is added too).
    #[arg(
        long, value_name = "FILE", requires = "tenant_id",
        conflicts_with_all = ["from_file", "list"]
    )]
    pub ca_cert: Vec<PathBuf>,
}
