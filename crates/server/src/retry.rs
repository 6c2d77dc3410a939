//! Back-off between an outbox's attempts and when to give up (mail's `[smtp]`, webhooks'
//! `[server.webhooks]`), apart from the scheduler ([`crate::outbox`]) so the configs that
//! make one need nothing else.

use std::time::Duration;

use jiff::Timestamp;

/// Back-off between attempts and when to stop trying.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt, doubled after each next one…
    pub first: Duration,
    /// … up to this.
    pub max: Duration,
    /// Attempts stop this long after the row was written (or put back in line by hand).
    pub give_up_after: Duration,
}

impl RetryPolicy {
    /// The wait after `attempts` failed attempts (1 for the first).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        self.first
            .saturating_mul(1u32 << exponent)
            .min(self.max.max(self.first))
    }

    /// After failed attempt number `attempts` at `at` of a row whose retries count from
    /// `since`: when to try again, or `None` to give up.
    pub fn next_attempt(
        &self,
        attempts: u32,
        since: Timestamp,
        at: Timestamp,
    ) -> Option<Timestamp> {
        let waited = Duration::try_from(at.duration_since(since)).unwrap_or_default();
        if waited > self.give_up_after {
            return None;
        }
        let backoff = jiff::SignedDuration::try_from(self.backoff(attempts)).unwrap_or_default();
        Some(at.checked_add(backoff).unwrap_or(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound_and_retries_stop_after_the_policy_s_end() {
        let policy = RetryPolicy {
            first: Duration::from_secs(2),
            max: Duration::from_secs(10),
            give_up_after: Duration::from_secs(3600),
        };
        let waits: Vec<u64> = (1..=5).map(|a| policy.backoff(a).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 10, 10]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(10));
        let since: Timestamp = "2026-12-03T10:00:00Z".parse().expect("time");
        let at: Timestamp = "2026-12-03T10:30:00Z".parse().expect("time");
        assert_eq!(
            policy.next_attempt(3, since, at),
            Some("2026-12-03T10:30:08Z".parse().expect("time"))
        );
        let late: Timestamp = "2026-12-03T11:00:01Z".parse().expect("time");
        assert_eq!(policy.next_attempt(3, since, late), None);
    }
}
