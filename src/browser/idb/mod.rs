//! IndexedDB, the browser's asynchronous database, as Rust futures.
//!
//! An IndexedDB call returns at once with a request (or a transaction) that fires events later,
//! from the event loop: `success`/`error` (and `upgradeneeded`/`blocked` when opening),
//! `complete`/`abort` for a transaction. Each future here listens for those events from the call
//! on (gloo-events `EventListener`s it owns), completes a oneshot from them, and so removes them
//! when it is dropped: no callback outlives what it would wake. Every request is traced as an
//! [`IoRequest`](crate::trace::IoRequest): the trace shows when it was made, what answered it and
//! which task its answer woke.
//!
//! Rust's rule that dropping a future cancels its work holds here too: a [`Transaction`] dropped
//! before it ended is aborted (nothing it wrote is kept), and a [`Database`] dropped is closed.
//!
//! Compiles natively, where the errors and their messages are tested; the calls need a browser.
//!
//! - `error`: [`IdbError`] and the browser's [`DomError`], in words;
//! - [`open`]: opening (and upgrading) a database, deleting one, the [`Database`] connection;
//! - `transaction`: [`Transaction`]s and the requests of their [`Store`].

use std::cell::Cell;
use std::rc::Rc;

use futures::channel::oneshot;

mod error;
mod open;
mod transaction;

pub use error::{DomError, IdbError};
pub use open::{delete_database, open, Database, Upgrade, UpgradeStore};
pub use transaction::{Store, Transaction, TxMode};

/// The API name requests are traced under.
const API: &str = "indexeddb";

/// A version as IndexedDB gives it (a double) as the whole number it always is.
fn version_number(v: f64) -> u32 {
    if v.is_finite() && v >= 0.0 && v <= f64::from(u32::MAX) {
        v as u32
    } else {
        0
    }
}

/// The sending half of a oneshot that several listeners share: the first event sends.
type Answer<T> = Rc<Cell<Option<oneshot::Sender<T>>>>;

fn answer<T>(slot: &Answer<T>, value: T) {
    if let Some(sender) = slot.take() {
        // The receiver is gone only if the future was dropped, and then nobody wants the answer.
        let _ = sender.send(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_whole_numbers_and_nonsense_is_zero() {
        assert_eq!(version_number(2.0), 2);
        assert_eq!(version_number(f64::NAN), 0);
        assert_eq!(version_number(-1.0), 0);
        assert_eq!(TxMode::ReadOnly.to_string(), "readonly");
    }
}
