//! Emitters for Microsoft.Compute: Linux and Windows virtual machines, managed disks, SSH public keys and VM extensions.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
