//! The GraphStore trait and its backends.
