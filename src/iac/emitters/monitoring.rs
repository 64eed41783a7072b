//! Emitters for Log Analytics workspaces and Application Insights components.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
