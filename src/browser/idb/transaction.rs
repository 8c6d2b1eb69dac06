//! Transactions and the requests of their store: each request is made at once (so it belongs
//! to its transaction while that is active) and traced until its `success` or `error` event.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use futures::channel::oneshot;
use gloo_events::EventListener;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::{answer, version_number, Answer, DomError, IdbError, API};
use crate::trace::IoRequest;

/// A transaction's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    ReadOnly,
    ReadWrite,
}

impl TxMode {
    pub(super) fn to_web(self) -> IdbTransactionMode {
        match self {
            TxMode::ReadOnly => IdbTransactionMode::Readonly,
            TxMode::ReadWrite => IdbTransactionMode::Readwrite,
        }
    }
}

impl fmt::Display for TxMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TxMode::ReadOnly => "readonly",
            TxMode::ReadWrite => "readwrite",
        })
    }
}

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Complete,
    Abort,
}

/// A transaction on one store, traced from its start to its `complete` or `abort`. Dropped
/// before it ended, it is aborted.
pub struct Transaction {
    tx: IdbTransaction,
    store: String,
    mode: TxMode,
    /// Both `None` once it ended.
    trace: Option<IoRequest>,
    ended: Option<oneshot::Receiver<End>>,
    _listeners: [EventListener; 2],
}

impl Transaction {
    #[track_caller]
    pub(super) fn listen(tx: IdbTransaction, store: &str, mode: TxMode) -> Transaction {
        let trace = IoRequest::start(API, format!("transaction {mode} {store}"));
        let (sender, ended) = oneshot::channel();
        let slot: Answer<End> = Rc::new(Cell::new(Some(sender)));
        let on_complete = Rc::clone(&slot);
        let listeners = [
            EventListener::new(&tx, "complete", move |_| {
                answer(&on_complete, End::Complete)
            }),
            // A failed request's `error` event bubbles here first; unless cancelled, `abort`
            // follows, with the request's error as the transaction's. So `abort` is the end.
            EventListener::new(&tx, "abort", move |_| answer(&slot, End::Abort)),
        ];
        Transaction {
            tx,
            store: store.to_string(),
            mode,
            trace: Some(trace),
            ended: Some(ended),
            _listeners: listeners,
        }
    }

    /// The transaction's store, to make requests on.
    pub fn store(&self) -> Result<Store, IdbError> {
        let store = self
            .tx
            .object_store(&self.store)
            .map_err(|thrown| IdbError::Request {
                operation: format!("objectStore {}", self.store),
                error: DomError::from_js(&thrown),
            })?;
        Ok(Store {
            store,
            name: self.store.clone(),
        })
    }

    /// Aborts the transaction: `rollback`. Its end ([`Transaction::done`]) is then
    /// [`IdbError::Aborted`] with no cause.
    pub fn abort(&self) -> Result<(), IdbError> {
        self.tx.abort().map_err(|thrown| IdbError::Request {
            operation: format!("abort {} {}", self.mode, self.store),
            error: DomError::from_js(&thrown),
        })
    }

    /// `conn.commit()`: waits for the transaction to commit. IndexedDB commits a transaction on
    /// its own once none of its requests is pending when the task returns to the event loop;
    /// so `commit` is the same wait as [`Transaction::done`], named for what it waits for.
    pub async fn commit(self) -> Result<(), IdbError> {
        self.done().await
    }

    /// Waits for the transaction to end: `complete` is `Ok`, `abort` an [`IdbError::Aborted`]
    /// with the error that caused it, if one did.
    pub async fn done(mut self) -> Result<(), IdbError> {
        let (Some(trace), Some(ended)) = (self.trace.take(), self.ended.take()) else {
            return Ok(());
        };
        let end = trace.wait(ended).await;
        let result = match end {
            Ok(End::Complete) => Ok(()),
            _ => Err(IdbError::Aborted {
                store: self.store.clone(),
                mode: self.mode,
                cause: self
                    .tx
                    .error()
                    .map(|e| DomError::new(e.name(), e.message())),
            }),
        };
        match &result {
            Ok(()) => trace.done("committed"),
            Err(IdbError::Aborted { cause: None, .. }) => trace.failed("aborted by the program"),
            Err(IdbError::Aborted {
                cause: Some(cause), ..
            }) => trace.failed(format!("aborted by {cause}")),
            Err(error) => trace.failed(error.to_string()),
        }
        result
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.trace.is_some() {
            // Dropped before its end was awaited: cancel it, so nothing it wrote is kept. If it
            // already ended, abort throws, and that is fine. The trace records it as aborted.
            let _ = self.tx.abort();
        }
    }
}

/// An object store within a transaction. Each method makes its request at once (so it belongs
/// to the transaction while it is active) and returns a future of its answer.
pub struct Store {
    store: IdbObjectStore,
    name: String,
}

impl Store {
    /// `getAll()`: every row, in key order.
    #[track_caller]
    pub fn get_all<T: DeserializeOwned>(&self) -> impl Future<Output = Result<Vec<T>, IdbError>> {
        let issued = Issued::new(format!("getAll {}", self.name), self.store.get_all());
        issued.answer(
            |value| {
                let rows: js_sys::Array = value
                    .dyn_into()
                    .map_err(|_| "getAll gave no array".to_string())?;
                rows.iter()
                    .map(|row| serde_wasm_bindgen::from_value(row).map_err(|e| e.to_string()))
                    .collect()
            },
            |rows: &Vec<T>| format!("{} rows", rows.len()),
        )
    }

    /// `get(key)`: the row with this key, if there is one.
    #[track_caller]
    pub fn get<T: DeserializeOwned>(
        &self,
        key: u32,
    ) -> impl Future<Output = Result<Option<T>, IdbError>> {
        let issued = Issued::new(
            format!("get {} {key}", self.name),
            self.store.get(&JsValue::from(key)),
        );
        issued.answer(
            |value| {
                if value.is_undefined() {
                    Ok(None)
                } else {
                    serde_wasm_bindgen::from_value(value)
                        .map(Some)
                        .map_err(|e| e.to_string())
                }
            },
            |row: &Option<T>| match row {
                Some(_) => "1 row".to_string(),
                None => "no row".to_string(),
            },
        )
    }

    /// `put(value)`: writes the row, replacing one with the same key.
    #[track_caller]
    pub fn put<T: Serialize>(&self, value: &T) -> impl Future<Output = Result<(), IdbError>> {
        self.write("put", value, IdbObjectStore::put)
    }

    /// `add(value)`: writes a new row; a row with the same key is a `ConstraintError`.
    #[track_caller]
    pub fn add<T: Serialize>(&self, value: &T) -> impl Future<Output = Result<(), IdbError>> {
        self.write("add", value, IdbObjectStore::add)
    }

    /// `count()`: how many rows the store holds.
    #[track_caller]
    pub fn count(&self) -> impl Future<Output = Result<u32, IdbError>> {
        let issued = Issued::new(format!("count {}", self.name), self.store.count());
        issued.answer(
            |value| {
                value
                    .as_f64()
                    .map(version_number)
                    .ok_or_else(|| "count gave no number".to_string())
            },
            |n: &u32| format!("{n} rows"),
        )
    }

    #[track_caller]
    fn write<T: Serialize>(
        &self,
        verb: &str,
        value: &T,
        call: fn(&IdbObjectStore, &JsValue) -> Result<IdbRequest, JsValue>,
    ) -> impl Future<Output = Result<(), IdbError>> {
        let operation = format!("{verb} {}", self.name);
        let issued = match to_js(&operation, value) {
            Ok(value) => Issued::new(
                format!("{operation} {}", key_of(&self.store, &value)),
                call(&self.store, &value),
            ),
            Err(error) => Issued::refused(operation, error),
        };
        issued.answer(|_key| Ok(()), |_| "written".to_string())
    }
}

/// A request that was made (or whose call threw), traced until its `success` or `error` event.
struct Issued {
    operation: String,
    trace: IoRequest,
    call: Result<Listening, IdbError>,
}

/// A request whose answer is to come: its `success` and `error` listeners, removed when this is
/// dropped (the future that awaits it).
struct Listening {
    request: IdbRequest,
    succeeded: oneshot::Receiver<bool>,
    _listeners: [EventListener; 2],
}

impl Listening {
    fn on(request: IdbRequest) -> Listening {
        let (sender, succeeded) = oneshot::channel();
        let slot: Answer<bool> = Rc::new(Cell::new(Some(sender)));
        let on_success = Rc::clone(&slot);
        let listeners = [
            EventListener::new(&request, "success", move |_| answer(&on_success, true)),
            // Not cancelled here: an `error` left alone aborts the request's transaction, as a
            // failed statement does, and the transaction's own future reports it.
            EventListener::new(&request, "error", move |_| answer(&slot, false)),
        ];
        Listening {
            request,
            succeeded,
            _listeners: listeners,
        }
    }
}

impl Issued {
    /// Traces `operation` and listens for the outcome of `call`, the request it made.
    #[track_caller]
    fn new(operation: String, call: Result<IdbRequest, JsValue>) -> Issued {
        let trace = IoRequest::start(API, operation.clone());
        let call = match call {
            Ok(request) => Ok(Listening::on(request)),
            Err(thrown) => Err(IdbError::Request {
                operation: operation.clone(),
                error: DomError::from_js(&thrown),
            }),
        };
        Issued {
            operation,
            trace,
            call,
        }
    }

    /// An operation refused before any request was made (its value could not be stored).
    #[track_caller]
    fn refused(operation: String, error: IdbError) -> Issued {
        Issued {
            trace: IoRequest::start(API, operation.clone()),
            operation,
            call: Err(error),
        }
    }

    /// Waits for the answer, reads it with `read`, and ends the trace with `outcome`.
    async fn answer<T>(
        self,
        read: impl FnOnce(JsValue) -> Result<T, String>,
        outcome: impl FnOnce(&T) -> String,
    ) -> Result<T, IdbError> {
        let Issued {
            operation,
            trace,
            call,
        } = self;
        let result = match call {
            Err(error) => Err(error),
            Ok(listening) => {
                let succeeded = trace.wait(listening.succeeded).await;
                let request = listening.request;
                match succeeded {
                    Ok(true) => match request.result() {
                        Ok(value) => read(value).map_err(|message| IdbError::Value {
                            operation: operation.clone(),
                            message,
                        }),
                        Err(thrown) => Err(IdbError::Request {
                            operation: operation.clone(),
                            error: DomError::from_js(&thrown),
                        }),
                    },
                    // `error`, or (never, while the listeners live) no event at all.
                    _ => Err(IdbError::Request {
                        operation: operation.clone(),
                        error: DomError::of_request(&request),
                    }),
                }
            }
        };
        match &result {
            Ok(value) => trace.done(outcome(value)),
            Err(error) => trace.failed(error.to_string()),
        }
        result
    }
}

/// A Rust value as the plain JS object IndexedDB stores.
pub(super) fn to_js<T: Serialize>(operation: &str, value: &T) -> Result<JsValue, IdbError> {
    serde_wasm_bindgen::to_value(value).map_err(|e| IdbError::Value {
        operation: operation.to_string(),
        message: e.to_string(),
    })
}

/// The key of `value` in `store` (its key path's field), for the trace.
pub(super) fn key_of(store: &IdbObjectStore, value: &JsValue) -> String {
    let key = store
        .key_path()
        .ok()
        .and_then(|path| js_sys::Reflect::get(value, &path).ok());
    match key {
        Some(k) if k.as_f64().is_some() => k.as_f64().map(|n| n.to_string()).unwrap_or_default(),
        Some(k) => k.as_string().unwrap_or_default(),
        None => String::new(),
    }
}
