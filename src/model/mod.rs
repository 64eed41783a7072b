//! The data model shared by every stage: ARM IDs, resources, relationships
//! and snapshots. It depends on nothing else in the crate.

mod relationship;
mod resource;
mod resource_id;
mod snapshot;

pub use relationship::{Relationship, RelationshipKind};
pub use resource::{
    Resource, ResourceGroup, Subscription, TRUNCATED_MARK, empty_as_none, is_truncated_text,
};
pub use resource_id::{ResourceId, ResourceIdError, looks_like_arm_id};
pub use snapshot::{ScanInfo, ScanStatus, Snapshot};
