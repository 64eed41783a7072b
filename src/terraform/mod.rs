//! Running the terraform binary (or OpenTofu's `tofu`): the process
//! plumbing validation and deploy share. A command runs in a configuration
//! folder, non-interactively, with a timeout (`run`), or is built for the
//! caller to stream (`command`); a binary that is missing, crashes or times
//! out is a `TerraformError`, distinct from whatever terraform says about
//! the configuration. Also what terraform's CLI configuration and lock file
//! say: where providers can be installed from offline (`offline_sources`,
//! `dir_has_provider`) and which versions a folder selected (`lock_versions`).
//!
//! What a command's output means is left to its caller: `validate::terraform`
//! (`init`, `validate -json`, `providers schema -json`) and `deploy::runner`
//! (`init`, `plan`, `apply`, with Ctrl-C forwarding).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many bytes of stderr a tool error keeps.
const STDERR_TAIL: usize = 2000;

/// A failure of the terraform binary itself (not an invalid configuration).
#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    /// The binary does not exist or is not executable.
    #[error("terraform binary `{}` was not found", bin.display())]
    NotFound {
        /// The binary asked for.
        bin: PathBuf,
    },
    /// Killed by a signal, or a non-zero exit without the expected output.
    #[error("`{} {args}` failed ({status}): {stderr_tail}", bin.display())]
    Crashed {
        /// The binary.
        bin: PathBuf,
        /// The arguments, space-separated.
        args: String,
        /// Exit code or signal.
        status: String,
        /// The end of its stderr (and stdout when stderr is empty).
        stderr_tail: String,
    },
    /// `terraform init` failed (typically a provider it could not install),
    /// so `validate` could only say what is missing: the configuration was
    /// not checked.
    #[error("`{} init` failed, so terraform could not validate the configuration: {reason}", bin.display())]
    InitFailed {
        /// The binary.
        bin: PathBuf,
        /// terraform's first error, in one line.
        reason: String,
    },
    /// Did not finish in time; it was killed.
    #[error("`{} {args}` timed out after {secs} s: {stderr_tail}", bin.display())]
    TimedOut {
        /// The binary.
        bin: PathBuf,
        /// The arguments, space-separated.
        args: String,
        /// The timeout.
        secs: u64,
        /// The end of its stderr.
        stderr_tail: String,
    },
    /// Could not be started or waited for.
    #[error("cannot run `{}`", bin.display())]
    Io {
        /// The binary.
        bin: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// How to run terraform.
#[derive(Debug, Clone)]
pub struct TerraformOptions {
    /// `terraform` or `tofu` binary (a path, or a name looked up on `PATH`).
    pub bin: PathBuf,
    /// Passed as `-plugin-dir` to `init`.
    pub plugin_dir: Option<PathBuf>,
    /// Per-command timeout.
    pub timeout: Duration,
}

impl TerraformOptions {
    /// Options for `bin` with no plugin dir and a 10-minute timeout.
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        TerraformOptions {
            bin: bin.into(),
            plugin_dir: None,
            timeout: Duration::from_secs(600),
        }
    }
}

/// What a finished command printed, and how it ended.
pub(crate) struct Output {
    /// Its exit status.
    pub(crate) status: std::process::ExitStatus,
    /// All of stdout.
    pub(crate) stdout: Vec<u8>,
    /// All of stderr.
    pub(crate) stderr: Vec<u8>,
}

/// `text` without ANSI escape sequences (CSI `ESC [ … final byte`, and any
/// other `ESC x` pair), in case a terraform command colours its output.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

/// terraform's first `Error:` in its human output, as one line:
/// `summary: detail` (the detail is the paragraph after the summary).
/// Falls back to the whole text's tail when there is none.
pub(crate) fn first_error(bytes: &[u8]) -> String {
    let text = strip_ansi(&String::from_utf8_lossy(bytes));
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim_end())
        .collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("Error: ")) else {
        return tail(bytes);
    };
    let summary = lines[start].trim_start_matches("Error: ");
    let detail: Vec<&str> = lines[start + 1..]
        .iter()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .map(|l| l.trim())
        .collect();
    if detail.is_empty() {
        summary.to_string()
    } else {
        format!("{summary}: {}", detail.join(" "))
    }
}

fn tail(bytes: &[u8]) -> String {
    let s = strip_ansi(&String::from_utf8_lossy(bytes));
    let s = s.trim();
    let start = s.len().saturating_sub(STDERR_TAIL);
    let start = (start..=s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len());
    s[start..].to_string()
}

/// `exit code N` or `killed by signal N`.
pub(crate) fn status_text(s: &std::process::ExitStatus) -> String {
    match s.code() {
        Some(c) => format!("exit code {c}"),
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = s.signal() {
                    return format!("killed by signal {sig}");
                }
            }
            "killed".into()
        }
    }
}

/// Runs `opts.bin ARGS` in `dir` (see `command`) to the end, collecting its
/// output; kills it after `opts.timeout`.
///
/// Errors: `NotFound`/`Io` when it cannot be started or awaited, `TimedOut`.
pub(crate) fn run(
    opts: &TerraformOptions,
    dir: &Path,
    args: &[&str],
) -> Result<Output, TerraformError> {
    let joined = args.join(" ");
    let mut child = command(&opts.bin, dir)
        .args(args)
        .spawn()
        .map_err(|source| spawn_error(&opts.bin, source))?;
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = child.stdout.take().map(|s| reader(Box::new(s)));
    let err = child.stderr.take().map(|s| reader(Box::new(s)));
    let deadline = Instant::now() + opts.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
                return Err(TerraformError::TimedOut {
                    bin: opts.bin.clone(),
                    args: joined,
                    secs: opts.timeout.as_secs(),
                    stderr_tail: tail(&stderr),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => {
                return Err(TerraformError::Io {
                    bin: opts.bin.clone(),
                    source,
                });
            }
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// terraform run in `dir` non-interactively (`TF_IN_AUTOMATION`, no input,
/// no version check), stdin closed, stdout and stderr piped. The caller adds
/// the arguments and any environment.
pub(crate) fn command(bin: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A spawn failure as a `TerraformError`: `NotFound` when the binary is
/// missing or not executable, `Io` otherwise.
pub(crate) fn spawn_error(bin: &Path, source: std::io::Error) -> TerraformError {
    match source.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            TerraformError::NotFound {
                bin: bin.to_path_buf(),
            }
        }
        _ => TerraformError::Io {
            bin: bin.to_path_buf(),
            source,
        },
    }
}

/// A command that failed without the output its caller needed, as a
/// `Crashed` error with the end of its stderr (else stdout).
pub(crate) fn crashed(opts: &TerraformOptions, args: &[&str], o: &Output) -> TerraformError {
    let t = if o.stderr.iter().all(u8::is_ascii_whitespace) {
        tail(&o.stdout)
    } else {
        tail(&o.stderr)
    };
    TerraformError::Crashed {
        bin: opts.bin.clone(),
        args: args.join(" "),
        status: status_text(&o.status),
        stderr_tail: t,
    }
}

/// Provider address → version from `.terraform.lock.hcl` in `dir` (empty when absent).
pub fn lock_versions(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(dir.join(".terraform.lock.hcl")) else {
        return out;
    };
    let Ok(body) = hcl_edit::parser::parse_body(&text) else {
        return out;
    };
    for b in body.get_blocks("provider") {
        let (Some(addr), Some(v)) = (b.labels.first(), b.body.get_attribute("version")) else {
            continue;
        };
        if let Some(v) = v.value.as_str() {
            out.insert(addr.as_str().to_string(), v.to_string());
        }
    }
    out
}

/// Looks `name` up on `PATH`; a name with a `/` is returned when it is a file.
pub fn find_binary(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 {
        // terraform runs inside the configuration folder, so a relative path
        // such as `./bin/terraform` is made absolute first.
        return name
            .is_file()
            .then(|| std::path::absolute(name).unwrap_or_else(|_| name.to_path_buf()));
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// `OS_ARCH` as terraform names the current platform, e.g. `linux_amd64`.
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// True when `dir` holds the provider in the unpacked layout
/// `DIR/HOST/NS/NAME/VERSION/OS_ARCH/` or the packed
/// `DIR/HOST/NS/NAME/terraform-provider-NAME_VERSION_OS_ARCH.zip`.
pub fn dir_has_provider(dir: &Path, address: &str) -> bool {
    let pdir = address.split('/').fold(dir.to_path_buf(), |p, s| p.join(s));
    let plat = platform();
    let Ok(rd) = std::fs::read_dir(&pdir) else {
        return false;
    };
    rd.flatten().any(|e| {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        (p.is_dir() && p.join(&plat).is_dir())
            || (name.ends_with(&format!("_{plat}.zip")) && name.starts_with("terraform-provider-"))
    })
}

/// Folders terraform may install providers from without the network:
/// the `-plugin-dir`, `TF_PLUGIN_CACHE_DIR`, and from the CLI configuration
/// (`TF_CLI_CONFIG_FILE`, else `~/.terraformrc`) its `plugin_cache_dir` and
/// every `provider_installation { filesystem_mirror { path = ... } }`.
pub fn offline_sources(plugin_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = plugin_dir.map(Path::to_path_buf).into_iter().collect();
    if let Some(c) = std::env::var_os("TF_PLUGIN_CACHE_DIR").filter(|c| !c.is_empty()) {
        out.push(c.into());
    }
    let cli = std::env::var_os("TF_CLI_CONFIG_FILE")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".terraformrc")));
    if let Some(text) = cli.and_then(|p| std::fs::read_to_string(p).ok()) {
        out.extend(cli_config_dirs(&text));
    }
    out
}

/// `plugin_cache_dir` and filesystem mirror paths of a CLI configuration text.
pub fn cli_config_dirs(text: &str) -> Vec<PathBuf> {
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(s) = body
        .get_attribute("plugin_cache_dir")
        .and_then(|a| a.value.as_str())
    {
        out.push(PathBuf::from(s));
    }
    for pi in body.get_blocks("provider_installation") {
        for m in pi.body.get_blocks("filesystem_mirror") {
            if let Some(s) = m.body.get_attribute("path").and_then(|a| a.value.as_str()) {
                out.push(PathBuf::from(s));
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The real terraform binary; fails (never skips) when it is missing.
    pub(crate) fn terraform() -> PathBuf {
        find_binary(Path::new("terraform"))
            .expect("these tests need the `terraform` binary on PATH (Terraform >= 1.5); install it to run them")
    }

    /// An executable shell script `name` in `dir`, standing in for terraform.
    pub(crate) fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    #[test]
    fn first_error_is_one_line_after_any_warnings() {
        let text = "There are some problems with the CLI configuration:\n\u{256d}\n\u{2502} Warning: Unable to open CLI configuration file\n\u{2502}\n\u{2502} detail\n\u{2575}\n\n\nError: Failed to query available provider packages\n\nCould not retrieve the list\nof versions\n\n  - /tmp/x\n";
        assert_eq!(
            first_error(text.as_bytes()),
            "Failed to query available provider packages: Could not retrieve the list of versions"
        );
        assert_eq!(first_error(b"no error words"), "no error words");
    }

    #[test]
    fn colour_is_dropped_from_tool_errors() {
        assert_eq!(
            strip_ansi("\u{1b}[1m\u{1b}[31mError:\u{1b}[0m x"),
            "Error: x"
        );
        assert_eq!(tail(b"\x1b[31mboom\x1b[0m\n"), "boom");
    }
}
