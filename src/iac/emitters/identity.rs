//! Emitters for User-assigned managed identities.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
