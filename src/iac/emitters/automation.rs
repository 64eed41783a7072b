//! Emitters for Automation accounts.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
