//! One active run per key, race-safe: a `coordination.k8s.io/v1` Lease
//! per key (`key::RunKey::lock_name`) whose `holderIdentity` names the run
//! that holds it. The API server's atomic operations decide every race:
//!
//! - **create** of the Lease: of any number of concurrent creates exactly
//!   one succeeds, the rest get `409 AlreadyExists` (Kubernetes API
//!   conventions, "Concurrency Control and Consistency");
//! - **takeover** of a stale Lease by `replace` carrying the
//!   `resourceVersion` that was read: a compare-and-swap, so of several
//!   processes taking over the same stale Lease one wins and the others get
//!   `409 Conflict` and look again;
//! - **release** by `delete` with a `resourceVersion` precondition, so a
//!   Lease someone else took meanwhile is never deleted.
//!
//! A Lease is stale when its holder run has finished (`Succeeded`,
//! `Failed`), no longer exists, or no holder is named. A holder run that
//! does not exist yet while the Lease is younger than its
//! `leaseDurationSeconds` is being created by the process that won; the
//! others wait for it to appear rather than take over. Nothing here lists
//! runs and then creates one.
//!
//! Once the run exists, the Lease gets an ownerReference to it, so
//! deleting the run (`atg agent cancel`) lets the garbage collector delete
//! the Lease too.

use super::cluster::Cluster;
use super::coderun::{CodeRun, phase};
use super::error::{AgentError, api_reason};
use super::key::RunKey;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{DeleteParams, PostParams, Preconditions};
use kube::{Resource, ResourceExt};
use std::time::Duration;

/// How long a Lease whose holder run does not exist yet is left to its
/// holder, in seconds (`spec.leaseDurationSeconds`).
pub const LEASE_SECONDS: i32 = 15;

/// What `acquire` found.
#[derive(Debug, Clone)]
pub enum Acquired {
    /// This process holds the Lease for its candidate run name.
    Held {
        /// The Lease as stored.
        lease: Box<Lease>,
        /// The holder taken over from, and why its Lease was stale.
        took_over: Option<(String, String)>,
    },
    /// Another run is active for the key.
    Active(Box<CodeRun>),
    /// Another process holds the Lease and has not created its run within
    /// the Lease's duration plus a margin (clock skew, or a very slow API
    /// server); the run name is its holder.
    Starting(String),
}

fn micro_now() -> MicroTime {
    MicroTime(Timestamp::now())
}

fn lease_for(key: &RunKey, holder: &str) -> Lease {
    let now = micro_now();
    Lease {
        metadata: ObjectMeta {
            name: Some(key.lock_name()),
            labels: Some(key.labels()),
            annotations: Some(key.annotations()),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(holder.to_string()),
            lease_duration_seconds: Some(LEASE_SECONDS),
            acquire_time: Some(now.clone()),
            renew_time: Some(now),
            lease_transitions: Some(0),
            ..LeaseSpec::default()
        }),
    }
}

/// True while a Lease's holder is still within its duration, counted
/// from `renewTime`, else `acquireTime`, else the Lease's creation (Leases
/// taken by workflows carry no times).
pub fn fresh(lease: &Lease) -> bool {
    let Some(spec) = &lease.spec else {
        return false;
    };
    let renewed = spec
        .renew_time
        .as_ref()
        .or(spec.acquire_time.as_ref())
        .map(|t| t.0);
    let Some(at) = renewed.or(lease.metadata.creation_timestamp.as_ref().map(|t| t.0)) else {
        return false;
    };
    let duration = SignedDuration::from_secs(i64::from(
        spec.lease_duration_seconds.unwrap_or(LEASE_SECONDS),
    ));
    at.checked_add(duration)
        .is_ok_and(|until| until > Timestamp::now())
}

/// The run a Lease names, if it names one.
pub fn holder(lease: &Lease) -> Option<&str> {
    lease
        .spec
        .as_ref()
        .and_then(|s| s.holder_identity.as_deref())
        .filter(|h| !h.is_empty())
}

/// Takes the key's Lease for `candidate` (the name the new run will get),
/// or finds the active run that holds it. See the module doc for the rule.
///
/// Errors: any API failure other than the `AlreadyExists` / `Conflict` /
/// `NotFound` answers the protocol expects, classified.
pub async fn acquire(
    cluster: &Cluster,
    key: &RunKey,
    candidate: &str,
) -> Result<Acquired, AgentError> {
    let (leases, runs) = (cluster.leases(), cluster.runs());
    let name = key.lock_name();
    let give_up = std::time::Instant::now() + Duration::from_secs(LEASE_SECONDS as u64 + 10);
    loop {
        match leases
            .create(&PostParams::default(), &lease_for(key, candidate))
            .await
        {
            Ok(lease) => {
                return Ok(Acquired::Held {
                    lease: Box::new(lease),
                    took_over: None,
                });
            }
            Err(e) if api_reason(&e) == Some("AlreadyExists") => {}
            Err(e) => return Err(cluster.error(e, "create", "leases")),
        }
        let current = match leases.get_opt(&name).await {
            Ok(Some(l)) => l,
            Ok(None) => continue, // released since: create again
            Err(e) => return Err(cluster.error(e, "get", "leases")),
        };
        let stale = match holder(&current) {
            None => ("nobody".to_string(), "it names no holder".to_string()),
            Some(h) => match runs.get_opt(h).await {
                Ok(Some(run)) if phase(&run).is_active() => {
                    return Ok(Acquired::Active(Box::new(run)));
                }
                Ok(Some(run)) => (
                    h.to_string(),
                    format!("its run `{h}` is {}", phase(&run).name()),
                ),
                Ok(None) if fresh(&current) => {
                    if std::time::Instant::now() > give_up {
                        return Ok(Acquired::Starting(h.to_string()));
                    }
                    // The winner is between creating the Lease and its run.
                    let jitter = rand::random_range(50..150);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                    continue;
                }
                Ok(None) => (h.to_string(), format!("its run `{h}` no longer exists")),
                Err(e) => return Err(cluster.error(e, "get", "coderuns")),
            },
        };
        let mut next = lease_for(key, candidate);
        next.metadata.resource_version = current.metadata.resource_version.clone();
        if let Some(spec) = next.spec.as_mut() {
            let transitions = current
                .spec
                .as_ref()
                .and_then(|s| s.lease_transitions)
                .unwrap_or(0);
            spec.lease_transitions = Some(transitions + 1);
        }
        match leases.replace(&name, &PostParams::default(), &next).await {
            Ok(lease) => {
                return Ok(Acquired::Held {
                    lease: Box::new(lease),
                    took_over: Some(stale),
                });
            }
            // Someone else took it over, or released it: look again.
            Err(e) if matches!(api_reason(&e), Some("Conflict" | "NotFound")) => continue,
            Err(e) => return Err(cluster.error(e, "update", "leases")),
        }
    }
}

/// Makes the run the Lease's owner, so deleting the run deletes the Lease.
/// A conflict (someone took the Lease over meanwhile) is not an error:
/// the Lease is no longer this run's to change.
///
/// Errors: other API failures, classified.
pub async fn attach_owner(
    cluster: &Cluster,
    lease: &Lease,
    run: &CodeRun,
) -> Result<(), AgentError> {
    let Some(owner) = run.controller_owner_ref(&super::coderun::api_resource()) else {
        return Ok(());
    };
    let mut next = lease.clone();
    next.metadata.owner_references = Some(vec![OwnerReference {
        controller: None,
        block_owner_deletion: None,
        ..owner
    }]);
    match cluster
        .leases()
        .replace(&lease.name_any(), &PostParams::default(), &next)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if matches!(api_reason(&e), Some("Conflict" | "NotFound")) => Ok(()),
        Err(e) => Err(cluster.error(e, "update", "leases")),
    }
}

/// Releases the Lease `name` if `holder` still holds it: a delete with the
/// read `resourceVersion` as precondition. Returns whether it was deleted.
///
/// Errors: API failures other than `NotFound` / `Conflict`, classified.
pub async fn release(cluster: &Cluster, name: &str, holder_name: &str) -> Result<bool, AgentError> {
    let leases = cluster.leases();
    let current = match leases.get_opt(name).await {
        Ok(Some(l)) => l,
        Ok(None) => return Ok(false),
        Err(e) => return Err(cluster.error(e, "get", "leases")),
    };
    if holder(&current) != Some(holder_name) {
        return Ok(false);
    }
    let dp = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: current.meta().resource_version.clone(),
            uid: None,
        }),
        ..DeleteParams::default()
    };
    match leases.delete(name, &dp).await {
        Ok(_) => Ok(true),
        Err(e) if matches!(api_reason(&e), Some("Conflict" | "NotFound")) => Ok(false),
        Err(e) => Err(cluster.error(e, "delete", "leases")),
    }
}
