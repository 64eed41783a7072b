//! Pacing requests to Azure's throttling limits, as an azure_core pipeline
//! policy that runs on every attempt (after the retry policy, before the
//! transport), and counting what was sent.
//!
//! - Resource Graph: each response carries `x-ms-user-quota-remaining` and
//!   `x-ms-user-quota-resets-after` (`hh:mm:ss`). When the quota is used up,
//!   every query waits until it resets, as Azure's "Guidance for throttled
//!   requests in Azure Resource Graph" shows. Queries in flight are counted,
//!   so concurrent tasks do not overrun the window.
//! - Azure Resource Manager: when an `x-ms-ratelimit-remaining-*` header
//!   (subscription or tenant reads) runs low, ARM requests pause for a second,
//!   the time ARM's token bucket takes to refill about 25 reads.
//!
//! `429` responses and their `Retry-After` are left to azure_core's retry
//! policy (exponential backoff with jitter), configured in `arm`.

use azure_core::http::Context;
use azure_core::http::Request;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::{Policy, PolicyResult};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `x-ms-user-quota-remaining`: Resource Graph queries left in the window.
pub const QUOTA_REMAINING: HeaderName = HeaderName::from_static("x-ms-user-quota-remaining");
/// `x-ms-user-quota-resets-after`: time until the window resets, `hh:mm:ss`.
pub const QUOTA_RESETS_AFTER: HeaderName = HeaderName::from_static("x-ms-user-quota-resets-after");
/// ARM's remaining-reads headers that `Throttle` watches.
pub const ARM_REMAINING_READS: [HeaderName; 4] = [
    HeaderName::from_static("x-ms-ratelimit-remaining-subscription-reads"),
    HeaderName::from_static("x-ms-ratelimit-remaining-tenant-reads"),
    HeaderName::from_static("x-ms-ratelimit-remaining-subscription-global-reads"),
    HeaderName::from_static("x-ms-ratelimit-remaining-tenant-global-reads"),
];

/// Below this many remaining ARM reads, ARM requests pause.
const ARM_LOW_WATER: u64 = 10;
/// How long ARM requests pause when reads run low.
const ARM_PAUSE: Duration = Duration::from_secs(1);
/// Added to every quota wait, so the service's window has surely reset.
const RESET_MARGIN: Duration = Duration::from_millis(30);

/// Counters of one client's traffic; all counts since the client was made.
#[derive(Debug, Default)]
pub struct TrafficStats {
    attempts: AtomicU64,
    graph_attempts: AtomicU64,
    throttled: AtomicU64,
    server_errors: AtomicU64,
    paced_ms: AtomicU64,
}

/// A copy of `TrafficStats` at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrafficSummary {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of which Resource Graph queries.
    pub graph_queries: u64,
    /// Responses with status 429.
    pub throttled: u64,
    /// Responses with status 5xx.
    pub server_errors: u64,
    /// Time spent waiting for quota before sending, in milliseconds (summed over tasks).
    pub paced_ms: u64,
}

impl TrafficStats {
    /// The counters now.
    pub fn summary(&self) -> TrafficSummary {
        TrafficSummary {
            requests: self.attempts.load(Ordering::Relaxed),
            graph_queries: self.graph_attempts.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            server_errors: self.server_errors.load(Ordering::Relaxed),
            paced_ms: self.paced_ms.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Default)]
struct GraphQuota {
    /// Queries the service will still accept in this window, minus those in flight.
    remaining: Option<u64>,
    /// When the window resets.
    resets_at: Option<Instant>,
    /// The largest window seen (remaining + 1 right after a reset).
    window: u64,
    /// Queries sent and not yet answered.
    in_flight: u64,
}

/// Shared pacing state of one client.
#[derive(Debug, Default)]
pub struct Throttle {
    graph: Mutex<GraphQuota>,
    arm_pause_until: Mutex<Option<Instant>>,
    /// Traffic counters.
    pub stats: TrafficStats,
}

impl Throttle {
    /// Waits until a Resource Graph query may be sent, and reserves it.
    async fn before_graph(&self) {
        loop {
            let wait = {
                let mut q = self.graph.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if q.resets_at.is_some_and(|at| now >= at) {
                    q.resets_at = None;
                    q.remaining = (q.window > 0).then(|| q.window.saturating_sub(q.in_flight));
                }
                match (q.remaining, q.resets_at) {
                    (Some(0), Some(at)) => at - now + RESET_MARGIN,
                    (Some(n), _) => {
                        q.remaining = Some(n.saturating_sub(1));
                        q.in_flight += 1;
                        return;
                    }
                    (None, _) => {
                        q.in_flight += 1;
                        return;
                    }
                }
            };
            self.stats
                .paced_ms
                .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    /// Records a Resource Graph response's quota headers (or a failed attempt).
    fn after_graph(&self, headers: Option<&Headers>) {
        let mut q = self.graph.lock().unwrap_or_else(|p| p.into_inner());
        q.in_flight = q.in_flight.saturating_sub(1);
        let Some(headers) = headers else { return };
        let remaining = headers
            .get_optional_str(&QUOTA_REMAINING)
            .and_then(|v| v.trim().parse::<u64>().ok());
        let resets = headers
            .get_optional_str(&QUOTA_RESETS_AFTER)
            .and_then(parse_resets_after);
        if let (Some(r), Some(d)) = (remaining, resets) {
            q.window = q.window.max(r + 1);
            q.remaining = Some(r.saturating_sub(q.in_flight));
            q.resets_at = Some(Instant::now() + d);
        }
    }

    async fn before_arm(&self) {
        let until = *self
            .arm_pause_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                let wait = until - now;
                self.stats
                    .paced_ms
                    .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
            }
        }
    }

    fn after_arm(&self, headers: &Headers) {
        let low = ARM_REMAINING_READS.iter().any(|h| {
            headers
                .get_optional_str(h)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .is_some_and(|n| n < ARM_LOW_WATER)
        });
        if low {
            *self
                .arm_pause_until
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + ARM_PAUSE);
        }
    }
}

/// Parses `x-ms-user-quota-resets-after`: `hh:mm:ss`, optionally with
/// fractional seconds (`00:00:04.5`) or a day prefix (`1.00:00:00`), as .NET
/// formats a TimeSpan.
pub fn parse_resets_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (days, rest) = match v.split_once('.') {
        Some((d, r)) if r.contains(':') && !d.contains(':') => (d.parse::<u64>().ok()?, r),
        _ => (0, v),
    };
    let mut parts = rest.split(':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(0.0..60.0).contains(&s) || m >= 60 {
        return None;
    }
    Some(Duration::from_secs((days * 24 + h) * 3600 + m * 60) + Duration::from_secs_f64(s))
}

/// The pipeline policy around `Throttle`.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    throttle: Arc<Throttle>,
}

impl ThrottlePolicy {
    /// A policy sharing `throttle`.
    pub fn new(throttle: Arc<Throttle>) -> Self {
        ThrottlePolicy { throttle }
    }
}

/// True for Resource Graph query URLs.
pub fn is_graph_query(request: &Request) -> bool {
    request
        .url()
        .path()
        .to_ascii_lowercase()
        .ends_with("/providers/microsoft.resourcegraph/resources")
}

#[async_trait::async_trait]
impl Policy for ThrottlePolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let t = &self.throttle;
        let graph = is_graph_query(request);
        if graph {
            t.before_graph().await;
            t.stats.graph_attempts.fetch_add(1, Ordering::Relaxed);
        } else {
            t.before_arm().await;
        }
        t.stats.attempts.fetch_add(1, Ordering::Relaxed);
        let result = next[0].send(ctx, request, &next[1..]).await;
        let headers = result.as_ref().ok().map(|r| r.headers());
        if let Ok(r) = &result {
            let status = u16::from(r.status());
            if status == 429 {
                t.stats.throttled.fetch_add(1, Ordering::Relaxed);
            } else if status >= 500 {
                t.stats.server_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        if graph {
            t.after_graph(headers);
        } else if let Some(h) = headers {
            t.after_arm(h);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_after_in_net_timespan_formats() {
        assert_eq!(parse_resets_after("00:00:03"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_resets_after("00:00:04.2500000"),
            Some(Duration::from_millis(4250))
        );
        assert_eq!(
            parse_resets_after("1.00:01:00"),
            Some(Duration::from_secs(86_460))
        );
        assert_eq!(parse_resets_after("soon"), None);
        assert_eq!(parse_resets_after("00:61:00"), None);
    }

    fn quota_headers(remaining: u64, resets: &str) -> Headers {
        let mut h = Headers::new();
        h.insert(QUOTA_REMAINING, remaining.to_string());
        h.insert(QUOTA_RESETS_AFTER, resets.to_string());
        h
    }

    #[tokio::test]
    async fn used_up_quota_waits_for_the_reset() {
        let t = Throttle::default();
        t.before_graph().await;
        t.after_graph(Some(&quota_headers(0, "00:00:00.3000000")));
        let start = Instant::now();
        t.before_graph().await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_millis(600),
            "{waited:?}"
        );
        // The window came back with its size (1 query): the next one waits nothing.
        assert_eq!(t.stats.summary().paced_ms / 100, 3);
    }

    #[test]
    fn queries_in_flight_count_against_the_quota() {
        let t = Throttle::default();
        {
            let mut q = t.graph.lock().unwrap();
            q.in_flight = 3;
        }
        // One of the three answers: the service has 5 left, 2 are still in flight.
        t.after_graph(Some(&quota_headers(5, "00:00:04")));
        let q = t.graph.lock().unwrap();
        assert_eq!(q.remaining, Some(3));
        assert_eq!(q.in_flight, 2);
        assert_eq!(q.window, 6);
    }
}
