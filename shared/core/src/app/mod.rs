//! Use cases. Each takes the `Services` bundle of ports and knows nothing of
//! Lambda events, HTTP or storage technology.
//!
//! A module may use those below it in this list, never those above:
//! `matching` (which opens conversations) and `rooms` (which shows them);
//! `persisting` (the stream's consumer, which appends through `messaging`);
//! `accounts`, `conversations`,
//! `friends`, `messaging`, `themes`, `emoji` and `uploads` (the use cases
//! the functions call); `presence` (connections coming and going); `fanout`
//! (the one push-and-prune path); `limits` (rate limits); `access` (the
//! one membership check);
//! `services` (the ports bundle); `error` (the one error type).

pub mod accounts;
pub mod conversations;
pub mod emoji;
pub mod friends;
pub mod matching;
pub mod messaging;
pub mod persisting;
pub mod presence;
pub mod rooms;
pub mod themes;
pub mod uploads;

mod access;
mod error;
mod fanout;
pub mod limits;
mod services;

pub use error::{AppError, AppResult};
pub use fanout::reply;
pub use services::{Services, Settings};
