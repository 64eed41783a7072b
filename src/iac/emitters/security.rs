//! Emitters for Key vaults.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
