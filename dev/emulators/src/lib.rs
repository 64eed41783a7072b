//! Dev-only emulators of the services atg talks to, for tests and demos;
//! none of this is part of the shipped `atg` binary.
//!
//! `arm` plays Azure Resource Manager, Resource Graph and the Entra ID
//! token endpoint over HTTPS for one tenant export, following the real
//! APIs' documented semantics (paging, throttling headers, error shapes).

pub mod arm;
