//! Deploying generated Terraform into the target tenant: terraform `init` →
//! `plan -out` → `apply` of the saved plan, with the target's credentials as
//! `ARM_*` variables (`env`), known secrets redacted from every line
//! (`crate::redact`), transient errors retried with backoff and permanent ones
//! stopped with a hint (`retry`), plan counts from `terraform show -json`
//! (`plan`), terraform streamed into a log and a progress display
//! (`runner`), and every deployment recorded in `demos/deployments.jsonl`
//! (`registry`). Before terraform runs, every input variable must have a
//! value (`variables`). `run` holds the flow, the rollback and `deploy destroy`;
//! `verify` scans the target after an apply and measures its fidelity.
//!
//! Which credentials apply is decided by `azure::auth`; flags and printing
//! are left to `cli::deploy` and `commands::deploy`.

pub mod env;
pub mod plan;
pub mod registry;
pub mod retry;
pub mod run;
pub mod runner;
pub mod variables;
pub mod verify;

pub use env::{Target, TerraformEnv};
pub use plan::{Counts, PlanSummary};
pub use registry::{Deployment, Outcome, Registry, TeardownOutcome};
pub use retry::{Category, RetryPolicy};
pub use run::{
    DeployError, DeployOutcome, DeploySettings, DestroyOutcome, Failure, TerraformSettings, deploy,
    destroy,
};
