//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1, stored in the PHC string),
//! off the async runtime and behind a bounded queue: at most one hash per core runs at a
//! time, at most `MAX_WAITING` more wait, and anything beyond is refused at once with
//! `AppError::Busy`, so a login storm at 8:00 cannot starve page requests.

use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use domain::throttle::AddressPolicy;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Hash requests allowed to wait for a core before new ones are refused.
pub const MAX_WAITING: usize = 256;

#[derive(Clone)]
pub struct PasswordHasher {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    /// A real hash of a random password, verified against when the user does not exist, so
    /// an unknown username takes as long as a wrong password.
    dummy_hash: Arc<String>,
    /// Hash times and refusals, for `/metrics`.
    metrics: Arc<crate::server::metrics::Metrics>,
    /// One lane per slowed address (`AddressPolicy`): its password checks take turns there.
    lanes: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    /// Checks waiting for their turn in some lane, for `/metrics`.
    lane_waiting: Arc<AtomicUsize>,
}

/// Counts one check as waiting in a lane until dropped (its turn came, or the request went).
struct LaneWait(Arc<AtomicUsize>);

impl LaneWait {
    fn enter(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        LaneWait(count.clone())
    }
}

impl Drop for LaneWait {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A place in an address's lane; the lane goes when its last user leaves.
struct InLane {
    lanes: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    address: String,
    gate: Arc<Semaphore>,
}

impl Drop for InLane {
    fn drop(&mut self) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Held by the map and by this place only: nobody else is in the lane.
        if Arc::strong_count(&self.gate) == 2 {
            lanes.remove(&self.address);
        }
    }
}

impl PasswordHasher {
    pub fn new(metrics: Arc<crate::server::metrics::Metrics>) -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let dummy = crate::server::db::random_token()?;
        let dummy_hash = hash_blocking(&dummy)?;
        Ok(Self {
            running: Arc::new(Semaphore::new(cores)),
            waiting: Arc::new(AtomicUsize::new(0)),
            dummy_hash: Arc::new(dummy_hash),
            metrics,
            lanes: Arc::default(),
            lane_waiting: Arc::default(),
        })
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            self.metrics.hash_refused();
            return Err(AppError::Busy);
        }
        let permit = self.running.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(|_| AppError::Busy)?;
        let metrics = self.metrics.clone();
        let out = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let out = job();
            drop(permit);
            metrics.hashed(started.elapsed().as_secs_f64());
            out
        })
        .await
        .map_err(|e| AppError::from(anyhow::anyhow!("hashing task failed: {e}")))?;
        Ok(out)
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_blocking(&password)).await?.map_err(AppError::from)
    }

    /// Checks a password against a stored PHC string; `None` (unknown user, account not yet
    /// activated) costs the same time and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = self.run(move || verify_blocking(&password, &phc)).await?;
        Ok(known && ok)
    }
}

impl PasswordHasher {
    /// `verify` for an address that failures slow down: its checks take turns in the address's
    /// lane (`policy.checks_at_once` at a time, per server), so spraying guesses from one
    /// address gets one hash at a time, while a correct password still gets in after its turn.
    /// Past `policy.max_waiting` waiting, `AppError::Busy`.
    pub async fn verify_in_lane(
        &self,
        address: &str,
        policy: &AddressPolicy,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        let place = {
            let mut lanes = self.lanes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let gate =
                lanes.entry(address.to_string()).or_insert_with(|| Arc::new(Semaphore::new(policy.checks_at_once)));
            // The map's own reference, the ones checking and the ones waiting.
            if Arc::strong_count(gate) > 1 + policy.checks_at_once + policy.max_waiting {
                return Err(AppError::Busy);
            }
            InLane { lanes: self.lanes.clone(), address: address.to_string(), gate: gate.clone() }
        };
        let waiting = LaneWait::enter(&self.lane_waiting);
        let _turn = place.gate.acquire().await.map_err(|_| AppError::Busy)?;
        drop(waiting);
        self.verify(password, stored).await
    }

    /// Hashes waiting for a core now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Checks waiting for their turn in an address's lane now.
    pub fn lane_waiting(&self) -> usize {
        self.lane_waiting.load(Ordering::SeqCst)
    }

    /// Addresses with a lane right now (someone of theirs checking or waiting).
    pub fn lanes_open(&self) -> usize {
        self.lanes.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_carries_the_argon2id_parameters_and_verifies() -> anyhow::Result<()> {
        let phc = hash_blocking("le chat dort sur le canapé")?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("le chat dort sur le canapé", &phc));
        assert!(!verify_blocking("le chien dort", &phc));
        Ok(())
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() -> anyhow::Result<()> {
        let hasher = PasswordHasher::new(Arc::default())?;
        assert!(!hasher.verify("n'importe quoi".into(), None).await?);
        Ok(())
    }

    /// `/metrics` shows the checks waiting their turn in a slowed address's lane, and none once
    /// their turn has come.
    #[tokio::test]
    async fn checks_waiting_in_an_addresss_lane_are_counted_until_their_turn() -> anyhow::Result<()> {
        let hasher = PasswordHasher::new(Arc::default())?;
        let policy = domain::throttle::ADDRESS_POLICY;
        let checks: Vec<_> = (0..3)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.verify_in_lane("10.0.0.1", &policy, "faux".into(), None).await })
            })
            .collect();
        let mut most = 0;
        while checks.iter().any(|c| !c.is_finished()) {
            most = most.max(hasher.lane_waiting());
            tokio::task::yield_now().await;
        }
        for c in checks {
            assert!(!c.await??);
        }
        assert_eq!(most, 2, "one check at a time: the two others waited");
        assert_eq!(hasher.lane_waiting(), 0);
        Ok(())
    }
}
