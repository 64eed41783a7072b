//! Which process is writing a scan, and whether that process still exists,
//! so a scan whose writer was killed (or crashed, or lost its machine to a
//! reboot) reads as abandoned instead of running forever.
//!
//! A scan's owner is recorded when it begins as `HOST BOOT PID START`: the
//! host name, the kernel's boot ID (`/proc/sys/kernel/random/boot_id`), the
//! process ID, and the process's start time in clock ticks since boot
//! (field 22 of `/proc/PID/stat`, see proc(5)). A pid alone would not do:
//! pids are reused. On the recording host, the owner is gone when the boot
//! ID changed, or no process with that pid and start time exists. Without
//! `/proc` (not Linux) the start time is `-` and a pid that no longer
//! answers `kill(pid, 0)` counts as gone. An owner recorded on another
//! host cannot be checked from here, and counts as alive.
//!
//! Storing the owner is left to the backends; `reported_status` is the
//! one rule they apply when reading it back.

use crate::model::ScanStatus;
use std::sync::OnceLock;

/// Whether the process that owns a scan is still there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// The process exists (or cannot be checked from this host).
    Alive,
    /// The process is gone: the scan will never finish.
    Gone,
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
}

fn host() -> String {
    read_trimmed("/proc/sys/kernel/hostname")
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "-".into())
        .replace(char::is_whitespace, "_")
}

fn boot_id() -> String {
    read_trimmed("/proc/sys/kernel/random/boot_id").unwrap_or_else(|| "-".into())
}

/// The start time of process `pid` in clock ticks since boot (proc(5),
/// `/proc/PID/stat` field 22); `None` when there is no such process or no
/// `/proc`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2, the command name, is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// This process, as an owner string (computed once).
pub fn current() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| {
        let pid = std::process::id();
        let start = start_time(pid).map_or_else(|| "-".to_string(), |t| t.to_string());
        format!("{} {} {pid} {start}", host(), boot_id())
    })
}

#[cfg(unix)]
fn pid_exists(pid: u32) -> bool {
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks for the process without sending anything.
    !matches!(kill(Pid::from_raw(raw), None), Err(Errno::ESRCH))
}

#[cfg(not(unix))]
fn pid_exists(_pid: u32) -> bool {
    true
}

/// Whether the process recorded as `owner` (see `current`) is still there.
/// A malformed owner, or one of another host, counts as alive.
pub fn liveness(owner: &str) -> Liveness {
    let parts: Vec<&str> = owner.split(' ').collect();
    let [owner_host, owner_boot, pid, start] = parts[..] else {
        return Liveness::Alive;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return Liveness::Alive;
    };
    let mine: Vec<&str> = current().split(' ').collect();
    if owner_host != mine[0] {
        return Liveness::Alive;
    }
    if owner_boot != "-" && mine[1] != "-" && owner_boot != mine[1] {
        return Liveness::Gone;
    }
    let gone = match start.parse::<u64>() {
        Ok(start) => start_time(pid) != Some(start),
        Err(_) => !pid_exists(pid),
    };
    if gone {
        Liveness::Gone
    } else {
        Liveness::Alive
    }
}

/// The status to report for a scan stored with status `stored` and owner
/// `owner`: a `Running` scan whose owner is gone (`liveness`) is
/// `Abandoned`; any other scan, or one with no owner recorded (written
/// before owners were), is reported as stored.
pub fn reported_status(stored: ScanStatus, owner: Option<&str>) -> ScanStatus {
    match owner {
        Some(o) if stored == ScanStatus::Running && liveness(o) == Liveness::Gone => {
            ScanStatus::Abandoned
        }
        _ => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_gone() {
        assert_eq!(liveness(current()), Liveness::Alive);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let start = start_time(pid);
        child.wait().unwrap();
        let parts: Vec<&str> = current().split(' ').collect();
        let owner = format!(
            "{} {} {pid} {}",
            parts[0],
            parts[1],
            start.map_or("-".into(), |s| s.to_string())
        );
        assert_eq!(liveness(&owner), Liveness::Gone, "{owner}");
        // A reused pid (this process's, with another start time) is gone too.
        if let Some(t) = start_time(std::process::id()) {
            let reused = format!("{} {} {} {}", parts[0], parts[1], std::process::id(), t + 1);
            assert_eq!(liveness(&reused), Liveness::Gone);
        }
        // Another host cannot be checked: alive. Another boot: gone.
        let elsewhere = format!("other-host {} {pid} 1", parts[1]);
        assert_eq!(liveness(&elsewhere), Liveness::Alive);
        if parts[1] != "-" {
            let rebooted = format!("{} other-boot {} 1", parts[0], std::process::id());
            assert_eq!(liveness(&rebooted), Liveness::Gone);
        }
        assert_eq!(liveness("garbage"), Liveness::Alive);
    }
}
