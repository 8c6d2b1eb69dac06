//! Opening a database (and upgrading it, the only time stores can be created), deleting one,
//! and the connection an open gives. An open nobody waits for any more is left to finish
//! harmlessly ([`abandon`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use futures::channel::oneshot;
use gloo_events::EventListener;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Event, IdbDatabase, IdbFactory, IdbObjectStore, IdbObjectStoreParameters, IdbOpenDbRequest,
    IdbVersionChangeEvent,
};

use super::transaction::{key_of, to_js, Transaction, TxMode};
use super::{answer, version_number, Answer, DomError, IdbError, API};
use crate::trace::IoRequest;

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
    /// Its `upgradeneeded`, `success`, `error` and `blocked` listeners: removed on drop, before
    /// an unsettled request goes to [`abandon`].
    listeners: Option<[EventListener; 4]>,
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

        let mut upgrade = Some(upgrade);
        let (on_upgrade, target, name) = (Rc::clone(&state), request.clone(), database.clone());
        let upgrading = EventListener::new(&request, "upgradeneeded", move |event| {
            let (old, new) = versions(event);
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
        let [success, error, blocked] = listen_for_outcome(&request, slot);
        Opening {
            database,
            request,
            answered,
            upgrade: state,
            settled: false,
            listeners: Some([upgrading, success, error, blocked]),
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
            abandon(self.request.clone());
        }
    }
}

/// Leaves an open request nobody waits for any more to finish harmlessly: if it reaches
/// `upgradeneeded`, the upgrade is aborted (the database keeps its version); if it opens, the
/// connection is closed at once, so it blocks no later upgrade. A task of its own owns the
/// listeners until the request settles (`success` or `error`), then ends and drops them, which
/// removes them; a request that never settles (blocked for good) keeps its small task as long as
/// the browser keeps the request.
fn abandon(request: IdbOpenDbRequest) {
    let (sender, settled) = oneshot::channel();
    let slot: Answer<()> = Rc::new(Cell::new(Some(sender)));
    let on_success = Rc::clone(&slot);
    // The handlers reach the request through the event: a capture would be a cycle through it.
    let listeners = [
        EventListener::new(&request, "upgradeneeded", |event| {
            if let Some(tx) = open_request_of(event).and_then(|r| r.transaction()) {
                let _ = tx.abort();
            }
        }),
        EventListener::new(&request, "success", move |event| {
            let db = open_request_of(event)
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
            if let Some(db) = db {
                db.close();
            }
            answer(&on_success, ());
        }),
        EventListener::new(&request, "error", move |_| answer(&slot, ())),
    ];
    wasm_bindgen_futures::spawn_local(async move {
        let _listeners = listeners;
        let _ = settled.await;
    });
}

fn open_request_of(event: &Event) -> Option<IdbOpenDbRequest> {
    event.target()?.dyn_into::<IdbOpenDbRequest>().ok()
}

/// Answers `slot` with how an open (or a delete) of a database ended: the listeners of its
/// `success`, `error` and `blocked` events.
fn listen_for_outcome(request: &IdbOpenDbRequest, slot: Answer<Opened>) -> [EventListener; 3] {
    let on_success = Rc::clone(&slot);
    let on_error = Rc::clone(&slot);
    [
        EventListener::new(request, "success", move |_| {
            answer(&on_success, Opened::Success)
        }),
        EventListener::new(request, "error", move |_| answer(&on_error, Opened::Error)),
        EventListener::new(request, "blocked", move |event| {
            let (old_version, new_version) = versions(event);
            answer(
                &slot,
                Opened::Blocked {
                    old_version,
                    new_version,
                },
            );
        }),
    ]
}

/// The old and new versions of an `upgradeneeded` or `blocked` event.
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
        let listeners = listen_for_outcome(&request, slot);
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
