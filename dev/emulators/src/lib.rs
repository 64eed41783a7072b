//! Dev-only emulators of the services atg talks to, for tests and demos;
//! none of this is part of the shipped `atg` binary.
//!
//! `arm` plays Azure Resource Manager, Resource Graph and the Entra ID
//! token endpoint over HTTPS for one tenant export, following the real
//! APIs' documented semantics (paging, throttling headers, error shapes).
//! `kube` plays a Kubernetes API server (custom resources, Leases,
//! ConfigMaps, watches). `tls` and `serve` are what every emulator shares:
//! certificates made at start, and an axum app served over HTTPS on its own
//! thread.

pub mod arm;
pub mod kube;
pub mod serve;
pub mod tls;
