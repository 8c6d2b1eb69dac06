//! What an IndexedDB call can fail with, in words a user can act on: the browser's
//! `DOMException` as it came ([`DomError`]) and the call that failed ([`IdbError`]). Pure, so
//! every message is tested natively.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DomException, IdbRequest};

use super::TxMode;
use crate::browser::js::error_text;

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
    pub(super) fn from_js(value: &JsValue) -> DomError {
        if let Some(e) = value.dyn_ref::<DomException>() {
            return DomError::new(e.name(), e.message());
        }
        if let Some(e) = value.dyn_ref::<js_sys::Error>() {
            return DomError::new(String::from(e.name()), String::from(e.message()));
        }
        DomError::new("Error", error_text(value))
    }

    /// The error an ended request reports, or a stand-in if it reports none.
    pub(super) fn of_request(request: &IdbRequest) -> DomError {
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
    pub(super) fn open(database: &str, error: DomError) -> IdbError {
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
}
