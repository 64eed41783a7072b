//! The iterate loop: generate → validate → analyze → remediate.
