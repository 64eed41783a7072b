//! Agents: atg hands analysis, CI/PR and deployment work to agents that
//! run on Kubernetes as `CodeRun` custom resources (`agents.platform/v1`,
//! the 5dlabs/cto controller's), watches them, and never starts a second
//! active run for the same work (`lock`); and carries the changes agents
//! (or people) propose through a safe lifecycle (`patch`).
//!
//! `coderun` is the resource, `key` what makes two runs the same work,
//! `profile` and `facts` build a run from atg's own data, `settings` the
//! config file, `cluster` the kube client, `lock` the one-active-run rule,
//! `start`, `watch` and `runs` the commands' work, `manifests` the GitOps
//! side (Argo), `doctor` the checks of a live cluster. `patch` verifies a
//! patch in a git worktree, applies it with provenance, and rolls it back
//! only on confirmation.

pub mod cluster;
pub mod coderun;
pub mod doctor;
pub mod error;
pub mod facts;
pub mod key;
pub mod lock;
pub mod manifests;
pub mod patch;
pub mod profile;
pub mod runs;
pub mod settings;
pub mod start;
pub mod watch;
