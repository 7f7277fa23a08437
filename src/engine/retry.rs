//! Retry policy: exponential backoff with jitter, Trigger.dev's defaults
//! (factor 2, 1 s minimum, 60 s maximum, randomized ×(1 + rand), 3 attempts).

use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub factor: f64,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Multiply each delay by a random factor in [1, 2), so retries of many runs
    /// that failed together do not arrive together.
    pub randomize: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            factor: 2.0,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            randomize: true,
        }
    }
}

impl RetryPolicy {
    /// The same curve with every delay multiplied by `scale` (tests run it fast).
    pub(crate) fn scaled(self, scale: f64) -> Self {
        RetryPolicy {
            min_delay: self.min_delay.mul_f64(scale),
            max_delay: self.max_delay.mul_f64(scale),
            ..self
        }
    }

    /// The delay before the attempt after `failed_attempt` (1-based), capped at
    /// `max_delay` after jitter.
    pub(crate) fn delay_after(&self, failed_attempt: u32) -> Duration {
        let exponent = failed_attempt.saturating_sub(1).min(62) as i32;
        let base = self.min_delay.as_secs_f64() * self.factor.powi(exponent);
        let jitter = if self.randomize {
            1.0 + rand::random::<f64>()
        } else {
            1.0
        };
        let secs = (base * jitter).min(self.max_delay.as_secs_f64());
        Duration::from_secs_f64(secs.max(0.0))
    }

    /// When the attempt after `failed_attempt` is due: now plus
    /// [`delay_after`](Self::delay_after).
    pub(crate) fn next_attempt(&self, failed_attempt: u32) -> DateTime<Utc> {
        let delay = chrono::Duration::from_std(self.delay_after(failed_attempt))
            .unwrap_or(chrono::Duration::MAX);
        Utc::now() + delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_capped_and_jittered() {
        let fixed = RetryPolicy {
            randomize: false,
            ..RetryPolicy::default()
        };
        assert_eq!(fixed.delay_after(1), Duration::from_secs(1));
        assert_eq!(fixed.delay_after(2), Duration::from_secs(2));
        assert_eq!(fixed.delay_after(3), Duration::from_secs(4));
        assert_eq!(fixed.delay_after(10), Duration::from_secs(60));
        let jittered = RetryPolicy::default();
        for attempt in 1..6 {
            let d = jittered.delay_after(attempt);
            let base = fixed.delay_after(attempt);
            assert!(d >= base && d <= (base * 2).min(Duration::from_secs(60)));
        }
        assert_eq!(fixed.scaled(0.01).delay_after(2), Duration::from_millis(20));
    }
}
