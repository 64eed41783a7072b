//! What can go wrong in `atg agent`, and how each failure becomes a
//! `CliError` (class, hence exit code, and hint). Kubernetes API errors
//! are classified from their `Status` here, once, so every command says
//! the same thing for a `403` or a missing CRD.

use crate::error::CliError;

/// An `atg agent` failure.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Bad flags, config file or local data (exit 2).
    #[error("{message}")]
    Input {
        /// One line naming the input.
        message: String,
        /// What to do.
        hint: String,
    },
    /// No cluster configuration, or one that cannot be used (exit 2).
    #[error("{message}")]
    Config {
        /// One line.
        message: String,
        /// What to do.
        hint: String,
    },
    /// The API server refused the request (`403 Forbidden`, RBAC): exit 3,
    /// one line.
    #[error("Kubernetes refused to {action} ({message})")]
    Forbidden {
        /// What atg tried, e.g. `create coderuns in namespace `agents``.
        action: String,
        /// The API server's message.
        message: String,
    },
    /// The cluster does not serve `coderuns.agents.platform/v1` (exit 3).
    #[error(
        "the cluster at `{server}` does not serve `coderuns.agents.platform/v1` (404 on the API group): the CodeRun CRD is not installed"
    )]
    CrdMissing {
        /// The API server URL.
        server: String,
    },
    /// A named object does not exist (exit 2).
    #[error("no {kind} `{name}` in namespace `{namespace}`")]
    NotFound {
        /// `CodeRun`, `Pod`…
        kind: String,
        /// The name.
        name: String,
        /// The namespace.
        namespace: String,
    },
    /// Any other API answer (exit 3).
    #[error("the Kubernetes API failed to {action}: {code} {reason}: {message}")]
    Api {
        /// What atg tried.
        action: String,
        /// HTTP status.
        code: u16,
        /// `Status.reason`.
        reason: String,
        /// `Status.message`.
        message: String,
    },
    /// The API server could not be reached (exit 3).
    #[error("cannot reach the Kubernetes API at `{server}` to {action}: {message}")]
    Connect {
        /// The API server URL.
        server: String,
        /// What atg tried.
        action: String,
        /// The cause.
        message: String,
    },
    /// A local file could not be written (exit 3).
    #[error("cannot write `{path}`: {message}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}

impl AgentError {
    /// An input error with a hint.
    pub fn input(message: impl Into<String>, hint: impl Into<String>) -> Self {
        AgentError::Input {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Classifies a kube client error from an attempt to `action`
    /// (e.g. "create coderuns in namespace `agents`") against `server`.
    pub fn from_kube(e: kube::Error, action: &str, server: &str) -> Self {
        match e {
            kube::Error::Api(s) if s.code == 403 => AgentError::Forbidden {
                action: action.to_string(),
                message: s.message,
            },
            kube::Error::Api(s) => AgentError::Api {
                action: action.to_string(),
                code: s.code,
                reason: s.reason,
                message: s.message,
            },
            other => AgentError::Connect {
                server: server.to_string(),
                action: action.to_string(),
                message: crate::azure::transport::error_chain(&other),
            },
        }
    }
}

/// The status code of a kube API error, if it is one.
pub fn api_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

/// The `Status.reason` of a kube API error (`AlreadyExists`, `Conflict`…).
pub fn api_reason(e: &kube::Error) -> Option<&str> {
    match e {
        kube::Error::Api(s) => Some(s.reason.as_str()),
        _ => None,
    }
}

impl From<AgentError> for CliError {
    fn from(e: AgentError) -> Self {
        let text = e.to_string();
        match e {
            AgentError::Input { hint, .. } | AgentError::Config { hint, .. } => {
                CliError::input(text).with_hint(hint)
            }
            // One line: the API server's message already names the user,
            // verb, resource and namespace RBAC must allow.
            AgentError::Forbidden { .. } => CliError::tool(text),
            AgentError::CrdMissing { .. } => CliError::tool(text).with_hint(
                "install the CodeRun controller (5dlabs/cto) in this cluster, or pick the cluster that has it with `--context`",
            ),
            AgentError::NotFound { .. } => CliError::input(text)
                .with_hint("`atg agent list` shows the runs; pass `--namespace` if the run is elsewhere"),
            AgentError::Api { .. } => CliError::tool(text)
                .with_hint("retry; if it persists, check the API server's health"),
            AgentError::Connect { .. } => CliError::tool(text).with_hint(
                "check that the cluster is up and that the kubeconfig's server and CA are right (`--kubeconfig`, `--context`)",
            ),
            AgentError::Write { .. } => {
                CliError::tool(text).with_hint("pass an output folder you can write to")
            }
        }
    }
}
