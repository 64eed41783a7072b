//! GitOps manifests (Argo); see the next commit.

pub const NAME: &str = "x";
