//! IndexedDB, the browser's asynchronous database, as Rust futures.
//!
//! An IndexedDB call returns at once with a request (or a transaction) that fires events later,
//! from the event loop: `success`/`error` (and `upgradeneeded`/`blocked` when opening),
//! `complete`/`abort` for a transaction. Each future here adds listeners for those events when the
//! call is made, completes a oneshot from them, and removes them when it is dropped, so no
//! callback outlives what it would wake. Every request is traced as an [`IoRequest`]: the trace
//! shows when it was made, what answered it and which task its answer woke.
//!
//! Rust's rule that dropping a future cancels its work holds here too: a [`Transaction`] dropped
//! before it ended is aborted (nothing it wrote is kept), and a [`Database`] dropped is closed.
//!
//! Compiles natively, where the errors and their messages are tested; the calls need a browser.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use futures::channel::oneshot;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    DomException, Event, EventTarget, IdbDatabase, IdbFactory, IdbObjectStore,
    IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode,
    IdbVersionChangeEvent,
};

use crate::trace::IoRequest;

/// The API name requests are traced under.
const API: &str = "indexeddb";

/// A `DOMException` (or other JS error) as IndexedDB reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomError {
    /// `ConstraintError`, `VersionError`, `AbortError`...: what the program can act on.
    pub name: String,
    /// The browser's own words (they differ between browsers).
    pub message: String,
}

impl DomError {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> DomError {
        DomError {
            name: name.into(),
            message: message.into(),
        }
    }

    /// What a thrown value, or a request's or transaction's `error`, says.
    fn from_js(value: &JsValue) -> DomError {
        if let Some(e) = value.dyn_ref::<DomException>() {
            return DomError::new(e.name(), e.message());
        }
        if let Some(e) = value.dyn_ref::<js_sys::Error>() {
            return DomError::new(String::from(e.name()), String::from(e.message()));
        }
        DomError::new(
            "Error",
            value.as_string().unwrap_or_else(|| format!("{value:?}")),
        )
    }

    /// The error an ended request reports, or a stand-in if it reports none.
    fn of_request(request: &IdbRequest) -> DomError {
        match request.error() {
            Ok(Some(e)) => DomError::new(e.name(), e.message()),
            Ok(None) => DomError::new("UnknownError", "the request failed without an error"),
            Err(thrown) => DomError::from_js(&thrown),
        }
    }

    /// What the error means, in words the same in every browser: from its name when IndexedDB
    /// defines it, else the browser's message.
    pub fn meaning(&self) -> String {
        let known = match self.name.as_str() {
            "ConstraintError" => "a row with that key already exists",
            "AbortError" => "its transaction was aborted",
            "VersionError" => {
                "the database on disk is newer than the version asked for; reload the page, \
                 or clear the site's data"
            }
            "QuotaExceededError" => {
                "the site's storage quota is full; free disk space or clear the site's data"
            }
            "SecurityError" => {
                "the browser refuses storage to this page (a private window, a sandboxed frame, \
                 or site data blocked in its settings)"
            }
            "InvalidStateError" => "the connection was closed or the transaction had ended",
            "TransactionInactiveError" => {
                "its transaction had already committed: a transaction commits as soon as no \
                 request of it is pending when the task returns to the event loop"
            }
            "ReadOnlyError" => "the transaction is read-only",
            "DataError" => "the key or the value is not one IndexedDB can store",
            "NotFoundError" => "there is no such object store in this version of the database",
            "UnknownError" => {
                "the browser's storage failed (a disk error, or storage turned off); reload the \
                 page, or clear the site's data"
            }
            _ => return self.message.clone(),
        };
        known.to_string()
    }
}

impl fmt::Display for DomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// A transaction's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    ReadOnly,
    ReadWrite,
}

impl TxMode {
    fn to_web(self) -> IdbTransactionMode {
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

/// Why an IndexedDB call failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum IdbError {
    /// There is no `indexedDB`, or the browser refuses it to this page.
    Unavailable { reason: String },
    /// The database could not be opened.
    Open { database: String, error: DomError },
    /// Opening (at a new version) or deleting waits for other connections to close, and one did
    /// not when asked (`versionchange`): IndexedDB fired `blocked`. `new_version` is `None`
    /// for a deletion.
    Blocked {
        database: String,
        old_version: u32,
        new_version: Option<u32>,
    },
    /// A transaction ended in `abort`: by the program (`cause` is `None`) or because one of its
    /// requests failed. Nothing it wrote was kept.
    Aborted {
        store: String,
        mode: TxMode,
        cause: Option<DomError>,
    },
    /// A request failed, or the call that makes it threw.
    Request { operation: String, error: DomError },
    /// A value could not be turned into what IndexedDB stores, or back.
    Value { operation: String, message: String },
}

impl fmt::Display for IdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdbError::Unavailable { reason } => write!(
                f,
                "IndexedDB is not available here ({reason}): the browser refuses storage to this \
                 page, as some private windows and sandboxed frames do, or site data is blocked \
                 in its settings; open the page in a normal window, or allow site data for it"
            ),
            IdbError::Open { database, error } => write!(
                f,
                "could not open the database {database}: {}, {}",
                error.name,
                error.meaning()
            ),
            IdbError::Blocked {
                database,
                old_version,
                new_version,
            } => {
                match new_version {
                    Some(v) => write!(f, "opening {database} at version {v} is blocked")?,
                    None => write!(f, "deleting {database} is blocked")?,
                }
                write!(
                    f,
                    ": another connection holds version {old_version} open and did not close \
                     it when asked; close the page's other tabs, then try again"
                )
            }
            IdbError::Aborted {
                store,
                mode,
                cause: None,
            } => write!(
                f,
                "the {mode} transaction on {store} was aborted by the program: nothing it wrote \
                 was kept"
            ),
            IdbError::Aborted {
                store,
                mode,
                cause: Some(cause),
            } => write!(
                f,
                "the {mode} transaction on {store} was aborted by a {} ({}): nothing it wrote \
                 was kept",
                cause.name,
                cause.meaning()
            ),
            IdbError::Request { operation, error } => {
                write!(f, "{operation} failed: {}, {}", error.name, error.meaning())
            }
            IdbError::Value { operation, message } => write!(
                f,
                "{operation}: the value is not what this page stores ({message}); clear the \
                 site's data to start afresh"
            ),
        }
    }
}

impl std::error::Error for IdbError {}

impl IdbError {
    /// An open that failed: storage refused (`SecurityError`) is `Unavailable`.
    fn open(database: &str, error: DomError) -> IdbError {
        if error.name == "SecurityError" {
            IdbError::Unavailable {
                reason: error.to_string(),
            }
        } else {
            IdbError::Open {
                database: database.to_string(),
                error,
            }
        }
    }
}

/// A version as IndexedDB gives it (a double) as the whole number it always is.
fn version_number(v: f64) -> u32 {
    if v.is_finite() && v >= 0.0 && v <= f64::from(u32::MAX) {
        v as u32
    } else {
        0
    }
}

/// Event listeners on a request or a transaction, removed when dropped, before their closures
/// are freed: an event that comes later finds no listener rather than a freed closure.
struct Listeners {
    target: EventTarget,
    added: Vec<(&'static str, Listener)>,
}

type Listener = Closure<dyn FnMut(Event)>;

impl Listeners {
    fn new(target: &EventTarget) -> Listeners {
        Listeners {
            target: target.clone(),
            added: Vec::new(),
        }
    }

    fn listen(&mut self, kind: &'static str, on_event: impl FnMut(Event) + 'static) {
        let callback = Listener::new(on_event);
        // addEventListener throws only for a listener that is not callable; a Closure is.
        let _ = self
            .target
            .add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        self.added.push((kind, callback));
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (kind, callback) in &self.added {
            let _ = self
                .target
                .remove_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        }
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

/// `indexedDB`, of the page or of the worker this runs in.
fn factory() -> Result<IdbFactory, IdbError> {
    let global = js_sys::global();
    let found = if let Some(window) = global.dyn_ref::<web_sys::Window>() {
        window.indexed_db()
    } else if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        worker.indexed_db()
    } else {
        Ok(None)
    };
    match found {
        Ok(Some(factory)) => Ok(factory),
        Ok(None) => Err(IdbError::Unavailable {
            reason: "this browser has no indexedDB".to_string(),
        }),
        // Some browsers throw from the `indexedDB` getter itself when storage is refused.
        Err(thrown) => Err(IdbError::Unavailable {
            reason: DomError::from_js(&thrown).to_string(),
        }),
    }
}

/// A request that was made (or whose call threw), traced until its `success` or `error` event.
struct Issued {
    operation: String,
    trace: IoRequest,
    call: Result<Listening, IdbError>,
}

struct Listening {
    request: IdbRequest,
    succeeded: oneshot::Receiver<bool>,
    _listeners: Listeners,
}

impl Listening {
    fn on(request: IdbRequest) -> Listening {
        let (sender, succeeded) = oneshot::channel();
        let slot: Answer<bool> = Rc::new(Cell::new(Some(sender)));
        let mut listeners = Listeners::new(&request);
        let on_success = Rc::clone(&slot);
        listeners.listen("success", move |_| answer(&on_success, true));
        // Not cancelled here: an `error` left alone aborts the request's transaction, as a
        // failed statement does, and the transaction's own future reports it.
        listeners.listen("error", move |_| answer(&slot, false));
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

/// Opens the database `name` at `version` (or at its current version, creating it at 1, with
/// `None`). When the database is new or older, `upgrade` runs inside the `upgradeneeded`
/// event, in the versionchange transaction: the only place stores can be created. If it
/// fails, the upgrade is aborted and the open fails with its error.
///
/// If another connection holds an older version and does not close when asked, the open fails
/// with [`IdbError::Blocked`]. IndexedDB keeps the request queued; if it goes on later (the
/// other connection closes), its upgrade is aborted and its connection closed, since nobody
/// waits for it any more. The same happens to an open whose future is dropped.
#[track_caller]
pub fn open(
    name: &str,
    version: Option<u32>,
    upgrade: impl FnOnce(&Upgrade) -> Result<(), IdbError> + 'static,
) -> impl Future<Output = Result<Database, IdbError>> {
    let database = name.to_string();
    let trace = IoRequest::start(
        API,
        match version {
            Some(v) => format!("open {name} v{v}"),
            None => format!("open {name}"),
        },
    );
    let call = factory().and_then(|factory| {
        match version {
            Some(v) => factory.open_with_u32(name, v),
            None => factory.open(name),
        }
        .map_err(|thrown| IdbError::open(name, DomError::from_js(&thrown)))
    });
    let opening = call.map(|request| Opening::listen(request, database.clone(), upgrade));
    async move {
        let mut opening = match opening {
            Ok(opening) => opening,
            Err(error) => {
                trace.failed(error.to_string());
                return Err(error);
            }
        };
        let answered = trace.wait(&mut opening.answered).await;
        let result = opening.finish(answered);
        match &result {
            Ok(db) => trace.done(format!("version {}", db.version())),
            Err(error) => trace.failed(error.to_string()),
        }
        result
    }
}

/// How an open request answered.
enum Opened {
    Success,
    Error,
    Blocked { old_version: u32, new_version: u32 },
}

/// What the `upgradeneeded` listener leaves for the open's future.
#[derive(Default)]
struct UpgradeState {
    /// The versions it went from and to.
    versions: Option<(u32, u32)>,
    /// The upgrade callback's error, which aborted the upgrade.
    error: Option<IdbError>,
    /// What it did ("created students, put students 1, ...").
    summary: String,
    /// The versionchange transaction, traced from `upgradeneeded` to the open's answer.
    trace: Option<IoRequest>,
}

/// An open request being listened to. Dropped before `success` or `error`, it hands the
/// request to [`abandon`].
struct Opening {
    database: String,
    request: IdbOpenDbRequest,
    answered: oneshot::Receiver<Opened>,
    upgrade: Rc<RefCell<UpgradeState>>,
    settled: bool,
    listeners: Option<Listeners>,
}

impl Opening {
    fn listen(
        request: IdbOpenDbRequest,
        database: String,
        upgrade: impl FnOnce(&Upgrade) -> Result<(), IdbError> + 'static,
    ) -> Opening {
        let (sender, answered) = oneshot::channel();
        let slot: Answer<Opened> = Rc::new(Cell::new(Some(sender)));
        let state = Rc::new(RefCell::new(UpgradeState::default()));
        let mut listeners = Listeners::new(&request);

        let mut upgrade = Some(upgrade);
        let (on_upgrade, target, name) = (Rc::clone(&state), request.clone(), database.clone());
        listeners.listen("upgradeneeded", move |event| {
            let (old, new) = versions(&event);
            let trace = IoRequest::start(API, format!("upgrade {name} v{old} to v{new}"));
            let db = target
                .result()
                .ok()
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
            let (Some(db), Some(run)) = (db, upgrade.take()) else {
                return;
            };
            let step = Upgrade {
                db,
                old_version: old,
                done: RefCell::new(Vec::new()),
            };
            let outcome = run(&step);
            let summary = step.done.into_inner().join(", ");
            let trace = match outcome {
                Ok(()) => Some(trace),
                Err(error) => {
                    // Undo whatever the upgrade did; the open then fails with AbortError,
                    // which `finish` replaces with this error.
                    if let Some(tx) = target.transaction() {
                        let _ = tx.abort();
                    }
                    trace.failed(error.to_string());
                    on_upgrade.borrow_mut().error = Some(error);
                    None
                }
            };
            let mut state = on_upgrade.borrow_mut();
            state.versions = Some((old, new));
            state.summary = summary;
            state.trace = trace;
        });
        listen_for_outcome(&mut listeners, slot);
        Opening {
            database,
            request,
            answered,
            upgrade: state,
            settled: false,
            listeners: Some(listeners),
        }
    }

    fn finish(
        &mut self,
        answered: Result<Opened, oneshot::Canceled>,
    ) -> Result<Database, IdbError> {
        let upgrade_trace = self.upgrade.borrow_mut().trace.take();
        match answered {
            Ok(Opened::Success) => {
                self.settled = true;
                let db = self
                    .request
                    .result()
                    .ok()
                    .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
                let Some(db) = db else {
                    return Err(IdbError::Open {
                        database: self.database.clone(),
                        error: DomError::new("UnknownError", "the open gave no connection"),
                    });
                };
                let upgraded = self.upgrade.borrow().versions;
                if let Some(trace) = upgrade_trace {
                    trace.done(format!("committed: {}", self.upgrade.borrow().summary));
                }
                Ok(Database { db, upgraded })
            }
            Ok(Opened::Blocked {
                old_version,
                new_version,
            }) => Err(IdbError::Blocked {
                database: self.database.clone(),
                old_version,
                new_version: Some(new_version),
            }),
            _ => {
                self.settled = true;
                let error = self.upgrade.borrow_mut().error.take();
                let error = error.unwrap_or_else(|| {
                    IdbError::open(&self.database, DomError::of_request(&self.request))
                });
                if let Some(trace) = upgrade_trace {
                    trace.failed(error.to_string());
                }
                Err(error)
            }
        }
    }
}

impl Drop for Opening {
    fn drop(&mut self) {
        self.listeners = None;
        if !self.settled {
            abandon(&self.request);
        }
    }
}

/// Leaves an open request nobody waits for any more to finish harmlessly: if it reaches
/// `upgradeneeded`, the upgrade is aborted (the database keeps its version); if it opens, the
/// connection is closed at once, so it blocks no later upgrade. The handlers are the JS
/// garbage collector's, freed with the request; they reach it through the event, not a capture.
fn abandon(request: &IdbOpenDbRequest) {
    let on_upgrade = Closure::<dyn FnMut(Event)>::new(|event: Event| {
        if let Some(tx) = open_request_of(&event).and_then(|r| r.transaction()) {
            let _ = tx.abort();
        }
    })
    .into_js_value();
    let on_success = Closure::<dyn FnMut(Event)>::new(|event: Event| {
        let db = open_request_of(&event)
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            db.close();
        }
    })
    .into_js_value();
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    request.set_onsuccess(Some(on_success.unchecked_ref()));
}

fn open_request_of(event: &Event) -> Option<IdbOpenDbRequest> {
    event.target()?.dyn_into::<IdbOpenDbRequest>().ok()
}

/// The old and new versions of an `upgradeneeded` or `blocked` event.
/// Answers `slot` with how an open (or a delete) of a database ended: its success, error and
/// blocked events.
fn listen_for_outcome(listeners: &mut Listeners, slot: Answer<Opened>) {
    let on_success = Rc::clone(&slot);
    listeners.listen("success", move |_| answer(&on_success, Opened::Success));
    let on_error = Rc::clone(&slot);
    listeners.listen("error", move |_| answer(&on_error, Opened::Error));
    listeners.listen("blocked", move |event| {
        let (old_version, new_version) = versions(&event);
        answer(
            &slot,
            Opened::Blocked {
                old_version,
                new_version,
            },
        );
    });
}

fn versions(event: &Event) -> (u32, u32) {
    match event.dyn_ref::<IdbVersionChangeEvent>() {
        Some(e) => (
            version_number(e.old_version()),
            e.new_version().map_or(0, version_number),
        ),
        None => (0, 0),
    }
}

/// Deletes the database `name`. Blocked by an open connection, it fails with
/// [`IdbError::Blocked`] (IndexedDB still deletes it once the connections close).
#[track_caller]
pub fn delete_database(name: &str) -> impl Future<Output = Result<(), IdbError>> {
    let database = name.to_string();
    let trace = IoRequest::start(API, format!("deleteDatabase {name}"));
    let call = factory().and_then(|factory| {
        factory
            .delete_database(name)
            .map_err(|thrown| IdbError::open(name, DomError::from_js(&thrown)))
    });
    let listening = call.map(|request| {
        let (sender, answered) = oneshot::channel();
        let slot: Answer<Opened> = Rc::new(Cell::new(Some(sender)));
        let mut listeners = Listeners::new(&request);
        listen_for_outcome(&mut listeners, slot);
        (request, answered, listeners)
    });
    async move {
        let result = match listening {
            Err(error) => Err(error),
            Ok((request, answered, _listeners)) => match trace.wait(answered).await {
                Ok(Opened::Success) => Ok(()),
                Ok(Opened::Blocked { old_version, .. }) => Err(IdbError::Blocked {
                    database,
                    old_version,
                    new_version: None,
                }),
                _ => Err(IdbError::Request {
                    operation: format!("deleteDatabase {database}"),
                    error: DomError::of_request(&request),
                }),
            },
        };
        match &result {
            Ok(()) => trace.done("deleted"),
            Err(error) => trace.failed(error.to_string()),
        }
        result
    }
}

/// The database during `upgradeneeded`: stores are created here.
pub struct Upgrade {
    db: IdbDatabase,
    old_version: u32,
    /// What the upgrade did, for its trace.
    done: RefCell<Vec<String>>,
}

impl Upgrade {
    /// The version the database had: 0 when it is new.
    pub fn old_version(&self) -> u32 {
        self.old_version
    }

    /// Creates the object store `name`, whose rows are keyed by their field `key_path`.
    pub fn create_store(&self, name: &str, key_path: &str) -> Result<UpgradeStore<'_>, IdbError> {
        let params = IdbObjectStoreParameters::new();
        params.set_key_path(&JsValue::from_str(key_path));
        let store = self
            .db
            .create_object_store_with_optional_parameters(name, &params)
            .map_err(|thrown| IdbError::Request {
                operation: format!("createObjectStore {name}"),
                error: DomError::from_js(&thrown),
            })?;
        self.done.borrow_mut().push(format!("created {name}"));
        Ok(UpgradeStore {
            store,
            name: name.to_string(),
            upgrade: self,
        })
    }
}

/// A store created by an upgrade, to fill in the same versionchange transaction.
pub struct UpgradeStore<'a> {
    store: IdbObjectStore,
    name: String,
    upgrade: &'a Upgrade,
}

impl UpgradeStore<'_> {
    /// Puts `value` in the store. The request is part of the upgrade: if it fails, the upgrade
    /// is aborted and the open fails.
    pub fn put<T: Serialize>(&self, value: &T) -> Result<(), IdbError> {
        let operation = format!("put {}", self.name);
        let value = to_js(&operation, value)?;
        self.store.put(&value).map_err(|thrown| IdbError::Request {
            operation,
            error: DomError::from_js(&thrown),
        })?;
        self.upgrade.done.borrow_mut().push(format!(
            "put {} {}",
            self.name,
            key_of(&self.store, &value)
        ));
        Ok(())
    }
}

/// An open connection; closed when dropped.
pub struct Database {
    db: IdbDatabase,
    upgraded: Option<(u32, u32)>,
}

impl Database {
    pub fn name(&self) -> String {
        self.db.name()
    }

    pub fn version(&self) -> u32 {
        version_number(self.db.version())
    }

    /// The version this open upgraded the database from (0: it created it), if it did.
    pub fn upgraded_from(&self) -> Option<u32> {
        self.upgraded.map(|(old, _)| old)
    }

    /// Starts a transaction on `store`. It commits on its own once no request of it is pending
    /// when the task returns to the event loop; [`Transaction::commit`] waits for that.
    #[track_caller]
    pub fn transaction(&self, store: &str, mode: TxMode) -> Result<Transaction, IdbError> {
        let tx = self
            .db
            .transaction_with_str_and_mode(store, mode.to_web())
            .map_err(|thrown| IdbError::Request {
                operation: format!("transaction {mode} {store}"),
                error: DomError::from_js(&thrown),
            })?;
        Ok(Transaction::listen(tx, store, mode))
    }

    /// `conn.close()`: closes the connection (dropping it does the same).
    pub fn close(self) {
        self.db.close();
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        self.db.close();
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
    _listeners: Listeners,
}

impl Transaction {
    #[track_caller]
    fn listen(tx: IdbTransaction, store: &str, mode: TxMode) -> Transaction {
        let trace = IoRequest::start(API, format!("transaction {mode} {store}"));
        let (sender, ended) = oneshot::channel();
        let slot: Answer<End> = Rc::new(Cell::new(Some(sender)));
        let mut listeners = Listeners::new(&tx);
        let on_complete = Rc::clone(&slot);
        listeners.listen("complete", move |_| answer(&on_complete, End::Complete));
        // A failed request's `error` event bubbles here first; unless cancelled, `abort`
        // follows, with the request's error as the transaction's. So `abort` is the end.
        listeners.listen("abort", move |_| answer(&slot, End::Abort));
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

/// A Rust value as the plain JS object IndexedDB stores.
fn to_js<T: Serialize>(operation: &str, value: &T) -> Result<JsValue, IdbError> {
    serde_wasm_bindgen::to_value(value).map_err(|e| IdbError::Value {
        operation: operation.to_string(),
        message: e.to_string(),
    })
}

/// The key of `value` in `store` (its key path's field), for the trace.
fn key_of(store: &IdbObjectStore, value: &JsValue) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocked_upgrade_names_both_versions_and_what_to_do() {
        let blocked = IdbError::Blocked {
            database: "asyncscope-blocked".into(),
            old_version: 1,
            new_version: Some(2),
        };
        assert_eq!(
            blocked.to_string(),
            "opening asyncscope-blocked at version 2 is blocked: another connection holds \
             version 1 open and did not close it when asked; close the page's other tabs, then \
             try again"
        );
        let delete = IdbError::Blocked {
            database: "x".into(),
            old_version: 3,
            new_version: None,
        };
        assert!(delete.to_string().starts_with("deleting x is blocked: "));
    }

    #[test]
    fn an_aborted_transaction_says_who_aborted_it_and_that_nothing_was_kept() {
        let by_program = IdbError::Aborted {
            store: "students".into(),
            mode: TxMode::ReadWrite,
            cause: None,
        };
        assert_eq!(
            by_program.to_string(),
            "the readwrite transaction on students was aborted by the program: nothing it \
             wrote was kept"
        );
        let by_constraint = IdbError::Aborted {
            store: "students".into(),
            mode: TxMode::ReadWrite,
            cause: Some(DomError::new(
                "ConstraintError",
                "Key already exists in the object store.",
            )),
        };
        assert_eq!(
            by_constraint.to_string(),
            "the readwrite transaction on students was aborted by a ConstraintError (a row \
             with that key already exists): nothing it wrote was kept"
        );
    }

    #[test]
    fn known_errors_are_explained_the_same_in_every_browser_and_others_keep_their_words() {
        let chrome = DomError::new("ConstraintError", "Key already exists in the object store.");
        let firefox = DomError::new(
            "ConstraintError",
            "A mutation operation in the transaction failed because a constraint was not satisfied.",
        );
        assert_eq!(chrome.meaning(), firefox.meaning());
        let odd = DomError::new("WeirdError", "something odd");
        assert_eq!(odd.meaning(), "something odd");
        assert_eq!(odd.to_string(), "WeirdError: something odd");
    }

    #[test]
    fn storage_refused_at_open_is_unavailable_with_advice() {
        let refused = IdbError::open(
            "asyncscope-lessons",
            DomError::new("SecurityError", "access denied"),
        );
        assert!(matches!(refused, IdbError::Unavailable { .. }));
        let text = refused.to_string();
        assert!(text.starts_with("IndexedDB is not available here (SecurityError: access denied)"));
        assert!(text.contains("open the page in a normal window"), "{text}");
        let newer = IdbError::open("db", DomError::new("VersionError", "requested 1 < 2"));
        assert_eq!(
            newer.to_string(),
            "could not open the database db: VersionError, the database on disk is newer than \
             the version asked for; reload the page, or clear the site's data"
        );
    }

    #[test]
    fn a_failed_request_names_the_operation() {
        let e = IdbError::Request {
            operation: "add students 1".into(),
            error: DomError::new("ConstraintError", "Key already exists"),
        };
        assert_eq!(
            e.to_string(),
            "add students 1 failed: ConstraintError, a row with that key already exists"
        );
    }

    #[test]
    fn versions_are_whole_numbers_and_nonsense_is_zero() {
        assert_eq!(version_number(2.0), 2);
        assert_eq!(version_number(f64::NAN), 0);
        assert_eq!(version_number(-1.0), 0);
        assert_eq!(TxMode::ReadOnly.to_string(), "readonly");
    }
}
