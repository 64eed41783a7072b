//! Checks of a live cluster; see the next commit.

pub const NAME: &str = "x";
