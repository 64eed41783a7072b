//! Emitters for Event Hubs and Service Bus namespaces.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
