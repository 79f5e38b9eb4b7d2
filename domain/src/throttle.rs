//! Login throttling: failures slow further attempts down, with a growing delay and a ceiling,
//! never a hard lock-out (a classmate must not be able to lock someone out by mistyping on
//! purpose).
//!
//! Two kinds of counters:
//! - per account (and per person for live-quiz codes): every attempt is counted *before* it is
//!   checked, in one statement that also refuses it while the delay runs, so concurrent guesses
//!   cannot all slip in before the first failure is counted (`ThrottlePolicy`);
//! - per address: only failures are counted, and they never refuse anything. A collège of 800
//!   pupils shares one address at 8:00 and makes hundreds of typos; past its free failures an
//!   address's password checks run one at a time (`AddressPolicy`), which slows a sprayer of
//!   guesses over many accounts to one hash at a time while a correct password still gets in.

/// How one counted key (an account, a person joining a live quiz) slows attempts down.
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

/// Per person, for live-quiz join codes: a pupil mistypes a few codes, a guesser tries
/// thousands; 20 free failures, then 2 s doubling up to 5 minutes. Keyed on the person (joining
/// needs an account), never on the address: a class behind one address shares nothing.
pub const JOIN_CODE_POLICY: ThrottlePolicy =
    ThrottlePolicy { free_failures: 20, base_delay_secs: 2, max_delay_secs: 300, forget_after_secs: 900 };

/// How failures from one address slow its password checks down, never refusing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Failures from the address before it is slowed down.
    pub free_failures: u32,
    /// Password checks of a slowed address that run at once (per server); the others wait.
    pub checks_at_once: usize,
    /// Attempts of a slowed address that may wait for their turn (per server); beyond, the
    /// attempt is answered "busy, try again in a few seconds".
    pub max_waiting: usize,
    /// A counter with no failure for this long starts again from zero.
    pub forget_after_secs: u64,
}

/// Per address: 50 free failures (a school's morning typos), then one password check at a
/// time, at most 64 waiting.
pub const ADDRESS_POLICY: AddressPolicy =
    AddressPolicy { free_failures: 50, checks_at_once: 1, max_waiting: 64, forget_after_secs: 900 };

impl AddressPolicy {
    /// Whether an address with `failures` counted, the last at `last_failure_ms`, is slowed
    /// down at `now_ms`.
    pub fn is_slowed(&self, failures: u32, last_failure_ms: i64, now_ms: i64) -> bool {
        let elapsed_ms = now_ms.saturating_sub(last_failure_ms).max(0) as u64;
        elapsed_ms < self.forget_after_secs * 1000 && failures > self.free_failures
    }
}

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

    /// `delay_secs` as steps, for a database to evaluate in the statement that counts an
    /// attempt: `(n, d)` means "up to `n` failures, `d` seconds"; past the last step, the
    /// ceiling. The steps stop where the doubling reaches the ceiling.
    pub fn delay_steps(&self) -> Vec<(u32, u64)> {
        let mut steps = vec![(self.free_failures, 0)];
        let mut n = self.free_failures;
        loop {
            n = n.saturating_add(1);
            let delay = self.delay_secs(n);
            if delay >= self.max_delay_secs || n == u32::MAX {
                return steps;
            }
            steps.push((n, delay));
        }
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
        assert_eq!(JOIN_CODE_POLICY.delay_secs(u32::MAX), 300);
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
        for p in [ACCOUNT_POLICY, JOIN_CODE_POLICY] {
            assert_eq!(p.current_failures(1_000, 0, past), 0);
            assert_eq!(p.wait_secs(1_000, 0, past), 0);
        }
        assert!(!ADDRESS_POLICY.is_slowed(u32::MAX, 0, past));
    }

    /// What a database makes of `delay_steps`.
    fn delay_by_steps(p: &ThrottlePolicy, failures: u32) -> u64 {
        p.delay_steps().iter().find(|(n, _)| failures <= *n).map_or(p.max_delay_secs, |(_, d)| *d)
    }

    #[test]
    fn the_steps_a_database_evaluates_give_the_same_delay() {
        for p in [ACCOUNT_POLICY, JOIN_CODE_POLICY] {
            for n in 0..200 {
                assert_eq!(delay_by_steps(&p, n), p.delay_secs(n), "{p:?} after {n} failures");
            }
            assert_eq!(delay_by_steps(&p, u32::MAX), p.max_delay_secs);
        }
        assert_eq!(ACCOUNT_POLICY.delay_steps(), vec![(5, 0), (6, 2), (7, 4), (8, 8), (9, 16), (10, 32)]);
    }

    #[test]
    fn an_address_is_slowed_past_its_free_failures_and_forgiven_after_its_window() {
        let p = ADDRESS_POLICY;
        assert!(!p.is_slowed(50, 0, 1_000));
        assert!(p.is_slowed(51, 0, 1_000));
        assert!(p.is_slowed(51, 0, 899_999));
        assert!(!p.is_slowed(51, 0, 900_000));
    }

    proptest! {
        #[test]
        fn more_failures_never_shorten_the_delay(n in 0u32..10_000) {
            prop_assert!(ACCOUNT_POLICY.delay_secs(n) <= ACCOUNT_POLICY.delay_secs(n + 1));
            prop_assert!(JOIN_CODE_POLICY.delay_secs(n) <= JOIN_CODE_POLICY.max_delay_secs);
        }
    }
}
