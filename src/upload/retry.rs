//! When to try again: which answers are worth retrying and how long to wait before doing so.
//! Pure functions, so the schedule is tested natively rather than by waiting in a browser.

/// The first wait: long enough for a phone to hand over between cell and Wi-Fi.
pub const FIRST_DELAY_MS: u32 = 1_000;
/// The longest wait between two tries: a shopper watching a stalled bar should not wait more.
pub const MAX_DELAY_MS: u32 = 30_000;
/// Failed tries in a row (with no byte accepted in between) before the upload stops and the UI
/// offers a retry button: 1+2+4+8+16+30+30 s is about 1.5 minutes of a dead connection.
pub const MAX_ATTEMPTS: u32 = 8;
/// A `Retry-After` longer than this is not waited out: the shopper gets a retry button instead
/// of a frozen bar.
pub const MAX_RETRY_AFTER_MS: u32 = 120_000;

/// The wait before try number `attempt + 1`, after `attempt` failures in a row (1 or more):
/// doubling from [`FIRST_DELAY_MS`] up to [`MAX_DELAY_MS`], with "equal jitter" (`jitter` in
/// `[0, 1)`, from `Math.random()`) so phones that lost the same cell tower do not all come back
/// in the same millisecond, while still waiting at least half the step.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u32 {
    let doublings = attempt.saturating_sub(1).min(16);
    let step = FIRST_DELAY_MS
        .saturating_mul(1u32 << doublings)
        .min(MAX_DELAY_MS);
    let half = step / 2;
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // `half as f64 * jitter` is at most `half`, so the cast back cannot truncate a large value.
    half + (f64::from(half) * jitter) as u32
}

/// The wait a `Retry-After` header asks for, in milliseconds. Only the delay-seconds form: the
/// server sends nothing else, and an HTTP date would trust the phone's clock.
pub fn retry_after_ms(header: Option<&str>) -> Option<u32> {
    let seconds: u32 = header?.trim().parse().ok()?;
    Some(seconds.saturating_mul(1_000))
}

/// What a status code means for the upload loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Success,
    /// The connection, the server or the rate limiter: wait and try again.
    Transient,
    /// 404/410 on an upload's address: it is gone, make a new one.
    Gone,
    /// 409 on PATCH: our offset is wrong, ask the server where it stands.
    OffsetMismatch,
    /// Anything else: the server will not take this, and saying it again will not change that.
    Refused,
}

/// `0` is what XMLHttpRequest reports when no answer came (network error, timeout).
pub fn verdict(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Success,
        0 | 408 | 423 | 429 | 460 | 500..=599 => Verdict::Transient,
        404 | 410 => Verdict::Gone,
        409 => Verdict::OffsetMismatch,
        _ => Verdict::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_one_second_and_stops_at_thirty() {
        let ceilings: Vec<u32> = (1..=8).map(|a| backoff_ms(a, 0.999_999)).collect();
        assert_eq!(
            ceilings,
            [999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999, 29_999]
        );
        let floors: Vec<u32> = (1..=8).map(|a| backoff_ms(a, 0.0)).collect();
        assert_eq!(
            floors,
            [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]
        );
    }

    #[test]
    fn jitter_stays_within_the_step_whatever_random_gives() {
        for attempt in [0, 1, 5, 31, 32, 1_000, u32::MAX] {
            for jitter in [-1.0, 0.0, 0.5, 1.0, 7.0, f64::NAN, f64::INFINITY] {
                let wait = backoff_ms(attempt, jitter);
                assert!(
                    (FIRST_DELAY_MS / 2..=MAX_DELAY_MS).contains(&wait),
                    "attempt {attempt}, jitter {jitter}: {wait}"
                );
            }
        }
        assert_eq!(backoff_ms(0, 0.0), backoff_ms(1, 0.0));
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        assert_eq!(retry_after_ms(Some("3")), Some(3_000));
        assert_eq!(retry_after_ms(Some(" 0 ")), Some(0));
        assert_eq!(retry_after_ms(Some("4294967295")), Some(u32::MAX));
        assert_eq!(retry_after_ms(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after_ms(Some("-1")), None);
        assert_eq!(retry_after_ms(None), None);
    }

    #[test]
    fn only_passing_trouble_is_retried() {
        for status in [0, 408, 423, 429, 460, 500, 502, 503, 504] {
            assert_eq!(verdict(status), Verdict::Transient, "{status}");
        }
        for status in [400, 403, 412, 413, 415] {
            assert_eq!(verdict(status), Verdict::Refused, "{status}");
        }
        assert_eq!(verdict(404), Verdict::Gone);
        assert_eq!(verdict(410), Verdict::Gone);
        assert_eq!(verdict(409), Verdict::OffsetMismatch);
        assert_eq!(verdict(201), Verdict::Success);
        assert_eq!(verdict(204), Verdict::Success);
    }
}
