//! File writes that never leave a half-written file: atomic replace and
//! append-only logs.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed and synced, then renamed over `path`. A crash or Ctrl-C leaves
/// either the old file or the new one, never a mix.
///
/// Errors: any I/O error creating, writing or renaming the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like `write_atomic`, but streams: `fill` writes the content through a
/// buffered writer. The file gets mode 0644 (before umask), like a file
/// created with `>` in a shell.
///
/// Errors: those of `fill`, and any I/O error creating, syncing or renaming.
pub fn write_atomic_with<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".atg-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let tmp = builder.tempfile_in(dir)?;
    let mut w = std::io::BufWriter::new(tmp);
    let out = fill(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(out)
}

/// Appends one line (a newline is added) to an append-only log, creating it
/// if needed. Existing content is never rewritten.
///
/// Errors: any I/O error opening or writing the file.
pub fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut buf = String::with_capacity(line.len() + 1);
    buf.push_str(line);
    buf.push('\n');
    f.write_all(buf.as_bytes())?;
    f.sync_data()
}

/// An append-only log kept open for many lines (a streamed tool log): each
/// line is appended and flushed at once, never rewritten; `sync` makes the
/// whole log durable. Use `append_line` for occasional records.
#[derive(Debug)]
pub struct AppendLog {
    file: std::sync::Mutex<std::fs::File>,
}

impl AppendLog {
    /// Opens `path` for appending, creating it if needed.
    ///
    /// Errors: any I/O error opening the file.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(AppendLog {
            file: std::sync::Mutex::new(file),
        })
    }

    /// Appends one line (a newline is added) in a single write.
    ///
    /// Errors: any I/O error writing.
    pub fn line(&self, line: &str) -> std::io::Result<()> {
        let mut buf = String::with_capacity(line.len() + 1);
        buf.push_str(line);
        buf.push('\n');
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(buf.as_bytes())
    }

    /// Flushes the log to disk.
    ///
    /// Errors: any I/O error syncing.
    pub fn sync(&self) -> std::io::Result<()> {
        let f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.sync_data()
    }
}

/// A temporary folder holding `files` (name, text), for unit tests.
#[cfg(test)]
pub(crate) fn test_folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).expect("write a test file");
    }
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_append_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp files left behind"
        );
        let log = dir.path().join("log.jsonl");
        append_line(&log, "a").unwrap();
        append_line(&log, "b").unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "a\nb\n");
        let open = AppendLog::open(&log).unwrap();
        open.line("c").unwrap();
        open.sync().unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "a\nb\nc\n");
    }
}
