//! Emitters for Container registries and AKS managed clusters.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
