//! Error classes, exit codes, and the one error renderer.
//!
//! Stages return their own `thiserror` types; commands convert them into a
//! `CliError` with a class (which picks the exit code) and a one-line hint.
//! `main` renders it with `render`. Nothing else exits the process.

use std::fmt::Write as _;

/// Process exit codes (see ARCHITECTURE.md, "Conventions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success.
    Success,
    /// 1: the check failed (invalid configuration, not stable, objective not met).
    CheckFailed,
    /// 2: usage or input error.
    InputError,
    /// 3: an external tool or service failed.
    ToolError,
}

impl ExitStatus {
    /// The numeric exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::CheckFailed => 1,
            ExitStatus::InputError => 2,
            ExitStatus::ToolError => 3,
        }
    }
}

/// What kind of failure an error is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad flags, a malformed or missing input file: exit 2.
    Input,
    /// terraform, the store or the file system failed: exit 3.
    Tool,
    /// Interrupted by Ctrl-C: exit 130, state left whole.
    Interrupted,
}

/// A user-facing error: one line saying what failed and with which input,
/// the chain of causes, and a hint.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// The class.
    pub class: ErrorClass,
    /// One line: what failed, naming the input in backticks.
    pub message: String,
    /// Underlying causes, outermost first.
    pub causes: Vec<String>,
    /// What to do next, one line.
    pub hint: Option<String>,
}

impl CliError {
    /// An input error (exit 2).
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            class: ErrorClass::Input,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// A tool error (exit 3).
    pub fn tool(message: impl Into<String>) -> Self {
        CliError {
            class: ErrorClass::Tool,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// Interrupted by the user.
    pub fn interrupted(message: impl Into<String>) -> Self {
        CliError {
            class: ErrorClass::Interrupted,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// Adds a hint (builder style).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a cause (builder style).
    pub fn caused_by(mut self, cause: impl std::fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self.class {
            ErrorClass::Input => ExitStatus::InputError.code(),
            ErrorClass::Tool => ExitStatus::ToolError.code(),
            ErrorClass::Interrupted => 130,
        }
    }
}

/// Renders an error for stderr: `error: …`, `  caused by: …` lines, `hint: …`.
pub fn render(e: &CliError) -> String {
    let mut s = format!("error: {}\n", e.message);
    for c in &e.causes {
        let _ = writeln!(s, "  caused by: {c}");
    }
    if let Some(h) = &e.hint {
        let _ = writeln!(s, "hint: {h}");
    }
    s
}

impl From<crate::azure::export::ExportError> for CliError {
    fn from(e: crate::azure::export::ExportError) -> Self {
        let hint = e.hint();
        CliError::input(e.to_string()).with_hint(hint)
    }
}

impl From<crate::graph::GraphError> for CliError {
    fn from(e: crate::graph::GraphError) -> Self {
        let hint = e.hint();
        let err = if e.is_input_error() {
            CliError::input(e.to_string())
        } else {
            CliError::tool(e.to_string())
        };
        err.with_hint(hint)
    }
}

impl From<crate::iac::generate::WriteError> for CliError {
    fn from(e: crate::iac::generate::WriteError) -> Self {
        CliError::input(e.to_string()).with_hint("pass an `--output` folder you can write to")
    }
}

impl From<crate::azure::cloud::CloudError> for CliError {
    fn from(e: crate::azure::cloud::CloudError) -> Self {
        let hint = e.hint();
        CliError::input(e.to_string()).with_hint(hint)
    }
}

impl From<crate::azure::transport::TransportError> for CliError {
    fn from(e: crate::azure::transport::TransportError) -> Self {
        let hint = e.hint();
        CliError::input(e.to_string()).with_hint(hint)
    }
}

impl From<crate::azure::auth::AuthError> for CliError {
    fn from(e: crate::azure::auth::AuthError) -> Self {
        use crate::azure::auth::AuthError;
        let hint = match &e {
            AuthError::BadAlias(_) | AuthError::UnknownAlias { .. } => {
                "export ATG_TENANT_<ALIAS>_CLIENT_ID, _CLIENT_SECRET and _TENANT_ID for the tenant, or drop `--tenant-alias` to use AZURE_*; see docs/DEPLOY.md"
            }
            AuthError::Missing { .. } => {
                "export the variables named, or pick another `--auth` (auto, cli, sp, msi, workload)"
            }
        };
        CliError::input(e.to_string()).with_hint(hint)
    }
}

impl From<crate::azure::credential::CredentialError> for CliError {
    fn from(e: crate::azure::credential::CredentialError) -> Self {
        let mut err = if e.is_input_error() {
            CliError::input(e.to_string())
        } else {
            CliError::tool(e.to_string())
        };
        for c in e.causes() {
            err = err.caused_by(c);
        }
        err.with_hint(e.hint())
    }
}

impl From<crate::azure::scanner::ScanError> for CliError {
    fn from(e: crate::azure::scanner::ScanError) -> Self {
        use crate::azure::scanner::ScanError;
        match e {
            ScanError::Unauthorized(cause) => CliError::input("Azure Resource Manager refused the access token")
                .caused_by(cause)
                .with_hint("check `--tenant-id`, and that `--arm-endpoint` and `--authority-host` belong to the same cloud"),
            ScanError::Subscriptions { .. } => {
                let text = e.to_string();
                CliError::tool(text).with_hint(
                    "check the network; the identity needs Reader on the subscriptions to scan",
                )
            }
            ScanError::NoSubscriptions { .. } => CliError::input(e.to_string()).with_hint(
                "grant the identity Reader on a subscription, or check `--tenant-id` and `--subscription`",
            ),
            ScanError::AllFailed(failures) => {
                let mut err = CliError::tool(format!(
                    "every subscription failed ({}); nothing was stored",
                    failures.len()
                ));
                for f in failures {
                    err = err.caused_by(f);
                }
                err.with_hint("the identity needs Reader on the subscriptions to scan")
            }
            ScanError::BadRow(_) => CliError::tool(e.to_string())
                .with_hint("report this with the row's ARM ID; scan with `--resource-group` to skip it meanwhile"),
        }
    }
}

impl From<crate::scan::live::LiveError> for CliError {
    fn from(e: crate::scan::live::LiveError) -> Self {
        use crate::scan::live::LiveError;
        match e {
            LiveError::Cloud(e) => e.into(),
            LiveError::Transport(e) => e.into(),
            LiveError::Credential(e) => e.into(),
            LiveError::Scanner(e) => e.into(),
        }
    }
}

impl From<crate::scan::ScanError> for CliError {
    fn from(e: crate::scan::ScanError) -> Self {
        use crate::scan::ScanError;
        match e {
            ScanError::Export(e) => e.into(),
            ScanError::Graph(e) => e.into(),
            ScanError::Live(e) => e.into(),
            ScanError::Empty { .. } => CliError::input(e.to_string()).with_hint(
                "check the query that made the export; pass `--allow-empty` to store an empty snapshot on purpose",
            ),
            ScanError::Reader(_) => CliError::tool(e.to_string())
                .with_hint("report this with the export file; nothing was stored"),
            ScanError::Interrupted => CliError::interrupted(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_message_causes_and_hint() {
        let e = CliError::input("cannot read `x.json`")
            .caused_by("No such file")
            .with_hint("check the path");
        assert_eq!(
            render(&e),
            "error: cannot read `x.json`\n  caused by: No such file\nhint: check the path\n"
        );
        assert_eq!(e.exit_code(), 2);
        assert_eq!(CliError::tool("t").exit_code(), 3);
    }
}
