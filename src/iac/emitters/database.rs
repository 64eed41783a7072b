//! Emitters for SQL servers and databases, Cosmos DB accounts, PostgreSQL flexible servers and Azure Cache for Redis.

use super::Emitter;

/// The emitters of this service group.
pub static EMITTERS: &[Emitter] = &[];
