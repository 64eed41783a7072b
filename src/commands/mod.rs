//! One module per command: resolve settings and wire stages together.
