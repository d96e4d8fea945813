//! Assembling the use cases' `Services` from ports. Every process (each Lambda function,
//! chitter-local's two backends, the tests' world) builds its `Services`
//! here; a port it does not set is `Unavailable`.

use std::sync::Arc;

use chitter_core::auth::Auth;
use chitter_core::ports::{
    BlobStore, Clock, Counters, IdentityProvider, MessageStream, Metrics, Pusher, Store,
    SystemClock,
};
use chitter_core::{Services, Settings};

use crate::unavailable::Unavailable;

pub struct Wiring<S> {
    store: Arc<S>,
    stream: Arc<dyn MessageStream>,
    pusher: Arc<dyn Pusher>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    metrics: Arc<dyn Metrics>,
    auth: Option<Auth>,
    identity: Option<Arc<dyn IdentityProvider>>,
    settings: Settings,
}

impl<S: Store + 'static> Wiring<S> {
    /// Every store port from one store; nothing else set yet.
    pub fn new(store: Arc<S>) -> Self {
        Self {
            store,
            stream: Arc::new(Unavailable),
            pusher: Arc::new(Unavailable),
            blobs: Arc::new(Unavailable),
            clock: Arc::new(SystemClock),
            metrics: Arc::new(Counters::default()),
            auth: None,
            identity: None,
            settings: Settings::default(),
        }
    }

    pub fn stream(mut self, stream: Arc<dyn MessageStream>) -> Self {
        self.stream = stream;
        self
    }

    pub fn pusher(mut self, pusher: Arc<dyn Pusher>) -> Self {
        self.pusher = pusher;
        self
    }

    pub fn blobs(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = blobs;
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where the counts an operator watches go (kept in memory by default).
    pub fn metrics(mut self, metrics: Arc<dyn Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Only the function that issues and checks access tokens gets this.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The OpenID provider people may sign in with (crud only).
    pub fn identity(mut self, identity: Option<Arc<dyn IdentityProvider>>) -> Self {
        self.identity = identity;
        self
    }

    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Every store port is the one store.
    pub fn build(self) -> Services {
        Services {
            users: self.store.clone(),
            tokens: self.store.clone(),
            connections: self.store.clone(),
            conversations: self.store.clone(),
            friends: self.store.clone(),
            messages: self.store.clone(),
            matches: self.store.clone(),
            rooms: self.store.clone(),
            limits: self.store.clone(),
            uploads: self.store.clone(),
            emoji: self.store.clone(),
            themes: self.store,
            stream: self.stream,
            pusher: self.pusher,
            blobs: self.blobs,
            clock: self.clock,
            metrics: self.metrics,
            auth: self.auth,
            identity: self.identity,
            settings: self.settings,
        }
    }
}
