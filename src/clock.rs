//! Wall-clock helpers: RFC 3339 timestamps and scan IDs.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The current UTC time as RFC 3339, to the second, e.g. `2026-11-21T10:15:00Z`.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond");
    now.format(&Rfc3339).expect("UTC time formats as RFC 3339")
}

/// A new scan ID, `scan-YYYYMMDDTHHMMSSZ-xxxx` with four random hex digits.
pub fn new_scan_id() -> String {
    new_id("scan")
}

/// A new ID `PREFIX-YYYYMMDDTHHMMSSZ-xxxx`: the UTC time to the second and
/// four random hex digits, so IDs sort by time and rarely collide.
pub fn new_id(prefix: &str) -> String {
    let now = OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    format!("{prefix}-{stamp}-{:04x}", rand::random::<u16>())
}
