//! Faults chitter-local can inject on request (`--faults`), so tests can
//! count what the guarantees survive: the persist function dying part-way
//! through a batch, the event source redelivering every batch, the
//! management API answering 410 or throttling, and the store failing
//! (before a write, or after it committed, as a timeout would).

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

/// The kinds of fault, as `--faults` names them.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    PersistCrash,
    Redeliver,
    PushGone,
    PushThrottle,
    Store,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::PersistCrash,
        Kind::Redeliver,
        Kind::PushGone,
        Kind::PushThrottle,
        Kind::Store,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::PersistCrash => "persist-crash",
            Kind::Redeliver => "redeliver",
            Kind::PushGone => "push-gone",
            Kind::PushThrottle => "push-throttle",
            Kind::Store => "store",
        }
    }
}

/// Faults injected so far in this process, by kind (`GET /_local/faults`),
/// so a test can tell that the faults it asked for happened.
static INJECTED: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

/// Rolls for a fault of `kind` with probability `p`, counting a hit.
pub fn strikes(kind: Kind, p: f64) -> bool {
    let hit = Faults::roll(p);
    if hit {
        INJECTED[kind as usize].fetch_add(1, Ordering::Relaxed);
    }
    hit
}

/// The counts, by name.
pub fn injected() -> serde_json::Value {
    Kind::ALL
        .iter()
        .map(|k| {
            (
                k.name().to_owned(),
                INJECTED[*k as usize].load(Ordering::Relaxed).into(),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Probabilities, each in `0..=1`; all zero by default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Per batch: persist runs on a random prefix of it, then the
    /// invocation fails as a timeout would (the whole batch is retried).
    pub persist_crash: f64,
    /// Per batch: a batch that succeeded is handed to persist once more,
    /// as if its checkpoint had been lost.
    pub redeliver: f64,
    /// Per push: the connection is closed and the push answers 410.
    pub push_gone: f64,
    /// Per push: the push is refused as throttled (429); nothing is sent.
    pub push_throttle: f64,
    /// Per store write made by the persist function: it fails, half the
    /// time before committing and half the time after.
    pub store: f64,
}

impl Faults {
    pub fn any(&self) -> bool {
        *self != Faults::default()
    }

    /// True with probability `p`.
    pub fn roll(p: f64) -> bool {
        p > 0.0 && rand::rng().random_bool(p.min(1.0))
    }
}

impl FromStr for Faults {
    type Err = String;

    /// `persist-crash=0.2,redeliver=1,push-gone=0.01,push-throttle=0.05,store=0.05`
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = Faults::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected name=probability"))?;
            let p: f64 = value
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=1.0).contains(p))
                .ok_or_else(|| format!("`{part}`: the probability must be in 0..=1"))?;
            let slot = match name {
                "persist-crash" => &mut faults.persist_crash,
                "redeliver" => &mut faults.redeliver,
                "push-gone" => &mut faults.push_gone,
                "push-throttle" => &mut faults.push_throttle,
                "store" => &mut faults.store,
                other => return Err(format!("unknown fault `{other}`")),
            };
            *slot = p;
        }
        Ok(faults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_are_refused() {
        let f: Faults = "persist-crash=0.2, redeliver=1,store=0.05".parse().unwrap();
        assert_eq!(
            (f.persist_crash, f.redeliver, f.store, f.push_gone),
            (0.2, 1.0, 0.05, 0.0)
        );
        assert!(f.any());
        assert!(!"".parse::<Faults>().unwrap().any());
        for bad in ["store", "store=2", "store=-1", "store=x", "disk=0.1"] {
            assert!(bad.parse::<Faults>().is_err(), "{bad}");
        }
    }

    #[test]
    fn certain_and_impossible_rolls() {
        assert!(Faults::roll(1.0));
        assert!(!Faults::roll(0.0));
    }
}
