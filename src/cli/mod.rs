//! clap definitions, one file per command; no logic.
