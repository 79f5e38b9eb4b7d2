//! Login throttling: failures slow further attempts down, with a growing delay and a ceiling,
//! never a hard lock-out (a classmate must not be able to lock someone out by mistyping on
//! purpose).

/// How one counter (per account or per address) slows attempts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// Delay after the first failure past the free ones, in seconds; doubles each time.
    pub base_delay_secs: u64,
    /// Longest delay ever imposed, in seconds.
    pub max_delay_secs: u64,
    /// A counter with no failure for this long starts again from zero.
    pub forget_after_secs: u64,
}

/// Per account: 5 free failures, then 2 s, 4 s, ... capped at 60 s.
pub const ACCOUNT_POLICY: ThrottlePolicy =
    ThrottlePolicy { free_failures: 5, base_delay_secs: 2, max_delay_secs: 60, forget_after_secs: 900 };

/// Per address: a whole school often shares one address at 8:00, so 50 free failures,
/// then 1 s doubling up to 5 minutes.
pub const ADDRESS_POLICY: ThrottlePolicy =
    ThrottlePolicy { free_failures: 50, base_delay_secs: 1, max_delay_secs: 300, forget_after_secs: 900 };

/// Per address, for live-quiz join codes: a class mistypes a few codes, a guesser tries
/// thousands; 20 free failures, then 2 s doubling up to 5 minutes.
pub const JOIN_CODE_POLICY: ThrottlePolicy =
    ThrottlePolicy { free_failures: 20, base_delay_secs: 2, max_delay_secs: 300, forget_after_secs: 900 };

/// The longest `forget_after_secs` of the policies above: a counter older than this counts
/// as zero under every policy, so the housekeeping loop may remove it.
pub const LONGEST_WINDOW_SECS: u64 =
    max3(ACCOUNT_POLICY.forget_after_secs, ADDRESS_POLICY.forget_after_secs, JOIN_CODE_POLICY.forget_after_secs);

const fn max3(a: u64, b: u64, c: u64) -> u64 {
    let ab = if a > b { a } else { b };
    if ab > c { ab } else { c }
}

impl ThrottlePolicy {
    /// Seconds to wait after the last failure, given how many failures were counted.
    pub fn delay_secs(&self, failures: u32) -> u64 {
        if failures <= self.free_failures {
            return 0;
        }
        let doublings = (failures - self.free_failures - 1).min(32);
        self.base_delay_secs.saturating_mul(1u64 << doublings).min(self.max_delay_secs)
    }

    /// Seconds still to wait at `now_ms`, or 0 when an attempt may go ahead.
    pub fn wait_secs(&self, failures: u32, last_failure_ms: i64, now_ms: i64) -> u64 {
        let elapsed_ms = now_ms.saturating_sub(last_failure_ms).max(0) as u64;
        if elapsed_ms >= self.forget_after_secs * 1000 {
            return 0;
        }
        let delay_ms = self.delay_secs(failures) * 1000;
        delay_ms.saturating_sub(elapsed_ms).div_ceil(1000)
    }

    /// The failure count to carry forward at `now_ms` (an old counter is forgotten).
    pub fn current_failures(&self, failures: u32, last_failure_ms: i64, now_ms: i64) -> u32 {
        let elapsed_ms = now_ms.saturating_sub(last_failure_ms).max(0) as u64;
        if elapsed_ms >= self.forget_after_secs * 1000 { 0 } else { failures }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_first_failures_cost_nothing() {
        assert_eq!(ACCOUNT_POLICY.delay_secs(5), 0);
        assert_eq!(ACCOUNT_POLICY.delay_secs(6), 2);
        assert_eq!(ACCOUNT_POLICY.delay_secs(7), 4);
    }

    #[test]
    fn the_delay_never_exceeds_the_ceiling() {
        assert_eq!(ACCOUNT_POLICY.delay_secs(1000), 60);
        assert_eq!(ADDRESS_POLICY.delay_secs(u32::MAX), 300);
    }

    #[test]
    fn waiting_counts_down_and_an_old_counter_is_forgotten() {
        let p = ACCOUNT_POLICY;
        assert_eq!(p.wait_secs(7, 0, 1_000), 3);
        assert_eq!(p.wait_secs(7, 0, 4_000), 0);
        assert_eq!(p.current_failures(7, 0, 899_999), 7);
        assert_eq!(p.current_failures(7, 0, 900_000), 0);
    }

    #[test]
    fn a_counter_past_the_longest_window_counts_as_zero_under_every_policy() {
        let past = LONGEST_WINDOW_SECS as i64 * 1000;
        for p in [ACCOUNT_POLICY, ADDRESS_POLICY, JOIN_CODE_POLICY] {
            assert_eq!(p.current_failures(1_000, 0, past), 0);
            assert_eq!(p.wait_secs(1_000, 0, past), 0);
        }
    }

    proptest! {
        #[test]
        fn more_failures_never_shorten_the_delay(n in 0u32..10_000) {
            prop_assert!(ACCOUNT_POLICY.delay_secs(n) <= ACCOUNT_POLICY.delay_secs(n + 1));
            prop_assert!(ADDRESS_POLICY.delay_secs(n) <= ADDRESS_POLICY.max_delay_secs);
        }
    }
}
