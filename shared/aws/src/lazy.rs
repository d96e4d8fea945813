//! A client built on first use. A function builds in init only the clients
//! every call needs: each SDK client parses its service's endpoint
//! partitions and compiles their patterns as it is built, which a cold
//! start pays for whether or not the client is ever used.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock};

type Make<C> = Box<dyn FnOnce() -> C + Send>;

/// Derefs to the client, building it on the first deref (once, whichever
/// thread gets there first; the others wait). Clones share the one client.
pub struct Lazy<C>(Arc<LazyLock<C, Make<C>>>);

impl<C> Lazy<C> {
    pub fn new(make: impl FnOnce() -> C + Send + 'static) -> Self {
        Self(Arc::new(LazyLock::new(Box::new(make))))
    }

    /// A client that is already built.
    pub fn ready(client: C) -> Self
    where
        C: Send + 'static,
    {
        let lazy = Self::new(move || client);
        LazyLock::force(&lazy.0);
        lazy
    }
}

impl<C> Clone for Lazy<C> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<C> Deref for Lazy<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C> fmt::Debug for Lazy<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if LazyLock::get(&self.0).is_some() {
            "Lazy(built)"
        } else {
            "Lazy(not built yet)"
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn builds_once_on_first_use_and_clones_share_it() {
        let built = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&built);
        let lazy = Lazy::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            String::from("client")
        });
        let copy = lazy.clone();
        assert_eq!(built.load(Ordering::SeqCst), 0);
        assert_eq!(format!("{lazy:?}"), "Lazy(not built yet)");
        assert_eq!(copy.as_str(), "client");
        assert_eq!(lazy.len(), 6);
        assert_eq!(built.load(Ordering::SeqCst), 1);
        assert_eq!(format!("{lazy:?}"), "Lazy(built)");
        assert_eq!(format!("{:?}", Lazy::ready(1)), "Lazy(built)");
    }
}
