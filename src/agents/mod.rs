//! Agents: work handed to automated proposers, and the safe lifecycle of
//! the changes they propose (see ARCHITECTURE.md, "Agents").

pub mod patch;
