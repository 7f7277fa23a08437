//! Idempotency keys, as Trigger.dev's `idempotencyKeys.create`: a SHA-256 over the
//! caller's parts and the key's scope, so the same parts in different scopes (two
//! parent runs, say) never collide, and stored keys reveal nothing of their parts.

use std::time::Duration;

use sha2::{Digest, Sha256};

/// Where a key is unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyScope {
    /// Across all runs of the task.
    Global,
    /// Within one parent run: a parent's retry finds its child again.
    Run(String),
    /// Within one attempt of a parent run.
    Attempt(String, u32),
}

/// A derived key and how long it stays live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub ttl: Option<Duration>,
}

impl IdempotencyKey {
    pub fn create(task_id: &str, parts: &[&str], scope: &KeyScope, ttl: Option<Duration>) -> Self {
        let mut hasher = Sha256::new();
        // Length-prefix every component so ("ab","c") and ("a","bc") differ.
        let mut feed = |s: &str| {
            hasher.update((s.len() as u64).to_be_bytes());
            hasher.update(s.as_bytes());
        };
        feed(task_id);
        for part in parts {
            feed(part);
        }
        match scope {
            KeyScope::Global => feed("global"),
            KeyScope::Run(run) => {
                feed("run");
                feed(run);
            }
            KeyScope::Attempt(run, attempt) => {
                feed("attempt");
                feed(run);
                feed(&attempt.to_string());
            }
        }
        IdempotencyKey {
            key: hex::encode(hasher.finalize()),
            ttl,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_parts_separate_keys() {
        let k = |parts: &[&str], scope| IdempotencyKey::create("t", parts, &scope, None).key;
        assert_eq!(k(&["a"], KeyScope::Global), k(&["a"], KeyScope::Global));
        assert_ne!(
            k(&["ab", "c"], KeyScope::Global),
            k(&["a", "bc"], KeyScope::Global)
        );
        assert_ne!(
            k(&["a"], KeyScope::Run("run_1".into())),
            k(&["a"], KeyScope::Run("run_2".into()))
        );
        assert_ne!(
            k(&["a"], KeyScope::Global),
            k(&["a"], KeyScope::Run("global".into()))
        );
        assert_eq!(k(&["a"], KeyScope::Global).len(), 64);
    }
}
