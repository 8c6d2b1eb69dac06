//! The page: a search box with its results, the server's status (checked every few seconds), and
//! the server's settings. Each search is a traced task: typing again aborts it, so the overlay
//! shows the debounce and the cancellations as they happen.

use std::cell::Cell;
use std::rc::Rc;

use asyncscope_trace::{self as trace, TaskAbort};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, AttemptError, Found, Mode, Server, ServerStatus};
use crate::service_worker;

/// The latencies the settings offer, in ms.
const LATENCIES_MS: [u32; 4] = [100, 300, 600, 1000];

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// What went wrong at start (the tracing layer, the overlay), in words.
    pub problems: Rc<[String]>,
}

/// Where the page stands with the in-browser server.
#[derive(Debug, Clone, PartialEq)]
enum Connection {
    Connecting,
    Ready,
    Failed(String),
}

impl Connection {
    fn id(&self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Ready => "ready",
            Connection::Failed(_) => "failed",
        }
    }
}

/// The current query's phase.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Nothing typed.
    Idle,
    /// Typed: waiting for the typing to stop.
    Waiting,
    /// A request is out: attempt `attempt`, after the failure of the one before (if any).
    Searching { attempt: u32, after: Option<String> },
    /// Answered: the results are `shown`.
    Done { attempts: u32, took_ms: f64 },
    /// No results, after all the attempts: why.
    Failed(String),
}

impl Phase {
    fn id(&self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Waiting => "waiting",
            Phase::Searching { .. } => "searching",
            Phase::Done { .. } => "done",
            Phase::Failed(_) => "failed",
        }
    }
}

/// The search box's state: the current query (number `seq`) and what the page shows of it.
#[derive(Debug, Clone, PartialEq)]
struct Search {
    seq: u64,
    query: String,
    phase: Phase,
    /// The last results, kept on screen (dimmed) while the next search runs.
    shown: Option<Rc<Found>>,
}

enum Action {
    /// The box now holds `query`, the `seq`-th query typed.
    Typed {
        seq: u64,
        query: String,
    },
    Attempt {
        seq: u64,
        attempt: u32,
        after: Option<String>,
    },
    Found {
        seq: u64,
        found: Rc<Found>,
        took_ms: f64,
    },
    Failed {
        seq: u64,
        error: String,
    },
}

impl Reducible for Search {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let seq = match &action {
            Action::Typed { seq, .. }
            | Action::Attempt { seq, .. }
            | Action::Found { seq, .. }
            | Action::Failed { seq, .. } => *seq,
        };
        // An older query's news (a task aborted just after it reported) changes nothing.
        if seq < self.seq || (seq != self.seq && !matches!(action, Action::Typed { .. })) {
            return self;
        }
        let mut next = (*self).clone();
        match action {
            Action::Typed { seq, query } => {
                next.seq = seq;
                next.phase = if query.trim().is_empty() {
                    next.shown = None;
                    Phase::Idle
                } else {
                    Phase::Waiting
                };
                next.query = query;
            }
            Action::Attempt { attempt, after, .. } => {
                next.phase = Phase::Searching { attempt, after };
            }
            Action::Found { found, took_ms, .. } => {
                let attempts = match self.phase {
                    Phase::Searching { attempt, .. } => attempt,
                    _ => 1,
                };
                next.phase = Phase::Done { attempts, took_ms };
                next.shown = Some(found);
            }
            Action::Failed { error, .. } => {
                next.phase = Phase::Failed(error);
                next.shown = None;
            }
        }
        Rc::new(next)
    }
}

/// The server status panel's content.
#[derive(Debug, Clone, PartialEq)]
enum StatusView {
    Unknown,
    Checked {
        status: ServerStatus,
        checks: u32,
        at: String,
    },
    Failed {
        error: String,
        checks: u32,
    },
}

/// `word` cut around the first place it holds `query` (in any case): before, match, after.
/// `None` when it does not, or when its lower case is not the same length (some non-ASCII
/// letters), where the places would not line up.
fn highlight<'a>(word: &'a str, query: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let (lower, needle) = (word.to_lowercase(), query.trim().to_lowercase());
    if needle.is_empty() || lower.len() != word.len() {
        return None;
    }
    let start = lower.find(&needle)?;
    let end = start + needle.len();
    Some((word.get(..start)?, word.get(start..end)?, word.get(end..)?))
}

/// Starts the search for `query` (the `seq`-th query typed) as a task of its own, and gives what
/// aborts it: the next keystroke does, whether the task is still in its debounce, waiting for
/// the server, or between two attempts.
fn start_search(
    seq: u64,
    query: String,
    server: Server,
    dispatch: UseReducerDispatcher<Search>,
) -> TaskAbort {
    let handle = trace::spawn_fallible("debounced-search", async move {
        // The debounce: a keystroke within it aborts this task, sleep and all.
        trace::sleep(api::DEBOUNCE).await;
        dispatch.dispatch(Action::Attempt {
            seq,
            attempt: 1,
            after: None,
        });
        let start = trace::now_ms();
        let on_retry = {
            let dispatch = dispatch.clone();
            move |attempt: u32, error: &AttemptError| {
                dispatch.dispatch(Action::Attempt {
                    seq,
                    attempt,
                    after: Some(error.to_string()),
                })
            }
        };
        match api::search(query, server, on_retry).await {
            Ok(found) => {
                let took_ms = trace::now_ms() - start;
                dispatch.dispatch(Action::Found {
                    seq,
                    found: Rc::new(found),
                    took_ms,
                });
                Ok(())
            }
            Err(error) => {
                dispatch.dispatch(Action::Failed {
                    seq,
                    error: error.to_string(),
                });
                Err(error)
            }
        }
    });
    let abort = handle.abort_handle();
    // The outcome reaches the page through the reducer, not through the handle: the page keeps
    // only what aborts the task. So a search that fails for good is a failed task whose handle
    // is gone, which asyncscope warns about (error-dropped): its error went to the page, not to
    // a caller.
    drop(handle);
    abort
}

/// The time of day, for "checked at". (Not `toLocaleTimeString`: its first call loads the
/// browser's locale data, a poll of over 50 ms that asyncscope flagged as a long poll.)
fn clock_time() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:02}:{:02}:{:02}",
        now.get_hours(),
        now.get_minutes(),
        now.get_seconds()
    )
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let connection = use_state(|| Connection::Connecting);
    let search = use_reducer(|| Search {
        seq: 0,
        query: String::new(),
        phase: Phase::Idle,
        shown: None,
    });
    let server = use_state(Server::default);
    let status = use_state(|| StatusView::Unknown);
    // The search under way (what aborts it), and how many queries were typed: read and written
    // by the input's handler, which may run twice before the page re-renders.
    let running = use_mut_ref(|| None::<TaskAbort>);
    let typed = use_mut_ref(|| Cell::new(0u64));

    {
        let connection = connection.setter();
        let running = running.clone();
        use_effect_with((), move |_| {
            let connect = trace::spawn("connect-server", async move {
                connection.set(match service_worker::take_control().await {
                    Ok(_) => Connection::Ready,
                    Err(e) => Connection::Failed(e.to_string()),
                });
            });
            let connect = connect.abort_handle();
            move || {
                connect.abort();
                let search = running.borrow_mut().take();
                if let Some(search) = search {
                    search.abort();
                }
            }
        });
    }

    {
        let status = status.setter();
        use_effect_with(*connection == Connection::Ready, move |ready| {
            // The polling refresh: one task for the page's life, a check every few seconds.
            let poller = ready.then(|| {
                trace::spawn("status-poller", async move {
                    let mut checks = 0u32;
                    loop {
                        checks += 1;
                        status.set(match api::check_status().await {
                            Ok(status) => StatusView::Checked {
                                status,
                                checks,
                                at: clock_time(),
                            },
                            Err(e) => StatusView::Failed {
                                error: e.to_string(),
                                checks,
                            },
                        });
                        trace::sleep(api::STATUS_EVERY).await;
                    }
                })
                .abort_handle()
            });
            move || {
                if let Some(poller) = poller {
                    poller.abort();
                }
            }
        });
    }

    let oninput = {
        let dispatch = search.dispatcher();
        let server = *server;
        let running = running.clone();
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let query = input.value();
            let seq = {
                let typed = typed.borrow();
                typed.set(typed.get() + 1);
                typed.get()
            };
            // A new query makes the one under way stale: abort it (its request too).
            let stale = running.borrow_mut().take();
            if let Some(stale) = stale {
                stale.abort();
            }
            dispatch.dispatch(Action::Typed {
                seq,
                query: query.clone(),
            });
            if !query.trim().is_empty() {
                let task = start_search(seq, query, server, dispatch.clone());
                *running.borrow_mut() = Some(task);
            }
        })
    };

    let on_latency = {
        let server = server.clone();
        Callback::from(move |e: Event| {
            let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value());
            if let Some(latency_ms) = value.and_then(|v| v.parse().ok()) {
                server.set(Server {
                    latency_ms,
                    ..*server
                });
            }
        })
    };
    let on_mode = {
        let server = server.clone();
        Callback::from(move |e: Event| {
            let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value());
            if let Some(mode) = value.as_deref().and_then(Mode::from_id) {
                server.set(Server { mode, ..*server });
            }
        })
    };

    let ready = *connection == Connection::Ready;
    let status_line = match (&*connection, &search.phase) {
        (Connection::Connecting, _) => {
            "Connecting to the in-browser server (its service worker)…".to_string()
        }
        (Connection::Failed(why), _) => why.clone(),
        (Connection::Ready, Phase::Idle) => "Type to search.".to_string(),
        (Connection::Ready, Phase::Waiting) => "Waiting for you to stop typing…".to_string(),
        (Connection::Ready, Phase::Searching { attempt: 1, .. }) => {
            format!("Searching for “{}”…", search.query.trim())
        }
        (Connection::Ready, Phase::Searching { attempt, after }) => format!(
            "Searching for “{}”: attempt {attempt} of {}, after {}",
            search.query.trim(),
            api::ATTEMPTS,
            after.as_deref().unwrap_or("a failure")
        ),
        (Connection::Ready, Phase::Done { attempts, took_ms }) => {
            let total = search.shown.as_ref().map_or(0, |f| f.total);
            let tries = if *attempts == 1 {
                String::new()
            } else {
                format!(", {attempts} attempts")
            };
            match total {
                0 => format!(
                    "No word holds “{}” ({took_ms:.0} ms{tries}).",
                    search.query.trim()
                ),
                1 => format!("1 match ({took_ms:.0} ms{tries})."),
                n => format!("{n} matches ({took_ms:.0} ms{tries})."),
            }
        }
        (Connection::Ready, Phase::Failed(why)) => why.clone(),
    };
    let phase_id = if ready {
        search.phase.id()
    } else {
        connection.id()
    };
    let busy = matches!(search.phase, Phase::Waiting | Phase::Searching { .. });
    let failed = matches!(search.phase, Phase::Failed(_))
        || !matches!(*connection, Connection::Ready | Connection::Connecting);

    html! {
        <div class="app" data-server={connection.id()}>
            <header class="top">
                <h1>{ "Word search" }</h1>
                <p class="lede">
                    { "The vocabulary of async Rust, searched on a server in this page's service \
                       worker: debounced by 250 ms, stale searches aborted, failed attempts retried \
                       after 100, 200 and 400 ms. Open " }<strong>{ "asyncscope" }</strong>
                    { " (the corner button, or Alt+Shift+S) to watch the tasks." }
                </p>
            </header>
            { for props.problems.iter().map(|p| html! {
                <p class="notice" role="alert" data-testid="notice">{ p.clone() }</p>
            }) }
            <div class="layout">
                <section class="card search" aria-label="Search">
                    <input id="q" type="search" data-testid="search-input" aria-label="Search words"
                           placeholder="try “rust”, “wake” or “time”" autocomplete="off"
                           spellcheck="false" disabled={!ready} oninput={oninput} />
                    <p class={classes!("status", failed.then_some("error"))} data-testid="status"
                       data-state={phase_id} role="status" aria-live="polite">{ status_line }</p>
                    if let Some(found) = &search.shown {
                        <ul class={classes!("results", busy.then_some("stale"))} data-testid="results"
                            data-query={found.query.clone()} data-total={found.total.to_string()}
                            aria-busy={busy.to_string()}>
                            { for found.matches.iter().map(|word| html! {
                                <li data-testid="result">
                                    if let Some((before, hit, after)) = highlight(word, &found.query) {
                                        { before }<mark>{ hit }</mark>{ after }
                                    } else {
                                        { word }
                                    }
                                </li>
                            }) }
                        </ul>
                        if found.total as usize > found.matches.len() {
                            <p class="more">{ format!("and {} more", found.total as usize - found.matches.len()) }</p>
                        }
                    }
                </section>
                <aside class="side">
                    <section class="card" data-testid="server-status" aria-labelledby="status-title">
                        <h2 id="status-title">{ "Server status" }</h2>
                        { match &*status {
                            StatusView::Unknown => html! { <p class="muted">{ "Not checked yet." }</p> },
                            StatusView::Checked { status, checks, at } => html! {
                                <dl class="figures" data-checks={checks.to_string()}>
                                    <dt>{ "requests in flight" }</dt>
                                    <dd data-testid="in-flight">{ status.in_flight }</dd>
                                    <dt>{ "round trip" }</dt>
                                    <dd>{ format!("{:.1} ms", status.round_trip_ms) }</dd>
                                    <dt>{ "checked" }</dt>
                                    <dd>{ format!("{at} · #{checks}") }</dd>
                                </dl>
                            },
                            StatusView::Failed { error, checks } => html! {
                                <p class="error" data-checks={checks.to_string()}>{ error.clone() }</p>
                            },
                        } }
                        <p class="muted small">{ format!("Checked every {} s; the check itself is in flight too.", api::STATUS_EVERY.as_secs()) }</p>
                    </section>
                    <section class="card settings" aria-labelledby="settings-title">
                        <h2 id="settings-title">{ "Server settings" }</h2>
                        <label for="latency">{ "Latency" }</label>
                        <select id="latency" data-testid="latency" onchange={on_latency}>
                            { for LATENCIES_MS.iter().map(|ms| html! {
                                <option value={ms.to_string()} selected={*ms == server.latency_ms}>{ format!("{ms} ms") }</option>
                            }) }
                        </select>
                        <label for="mode">{ "Behaviour" }</label>
                        <select id="mode" data-testid="server-mode" onchange={on_mode}>
                            { for Mode::ALL.iter().map(|mode| html! {
                                <option value={mode.id()} selected={*mode == server.mode}>{ mode.label() }</option>
                            }) }
                        </select>
                        <p class="muted small">{ "Applies from the next search." }</p>
                    </section>
                </aside>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(query: &str) -> Rc<Found> {
        Rc::new(Found {
            query: query.into(),
            matches: vec![format!("{query}!")],
            total: 1,
        })
    }

    #[test]
    fn the_match_is_cut_out_of_the_word_in_any_case() {
        assert_eq!(
            highlight("JoinHandle", "hand"),
            Some(("Join", "Hand", "le"))
        );
        assert_eq!(highlight("rust", " RU "), Some(("", "ru", "st")));
        assert_eq!(highlight("rust", "go"), None);
        assert_eq!(highlight("rust", ""), None);
        // A letter whose lower case is longer: no cut rather than a wrong one.
        assert_eq!(highlight("İstanbul", "stan"), None);
    }

    #[test]
    fn only_the_current_querys_news_reaches_the_page() {
        let start = Rc::new(Search {
            seq: 0,
            query: String::new(),
            phase: Phase::Idle,
            shown: None,
        });
        let typed = |s: Rc<Search>, seq, q: &str| {
            s.reduce(Action::Typed {
                seq,
                query: q.into(),
            })
        };
        let s = typed(start, 1, "ru");
        assert_eq!(s.phase, Phase::Waiting);
        let s = s.reduce(Action::Attempt {
            seq: 1,
            attempt: 2,
            after: Some("503".into()),
        });
        let s = typed(s, 2, "rus");
        // "ru"'s answer, arriving after "rus" was typed, is not shown.
        let s = s.reduce(Action::Found {
            seq: 1,
            found: found("ru"),
            took_ms: 5.0,
        });
        assert_eq!((s.phase.id(), s.shown.is_none()), ("waiting", true));
        let s = s.reduce(Action::Attempt {
            seq: 2,
            attempt: 1,
            after: None,
        });
        let s = s.reduce(Action::Found {
            seq: 2,
            found: found("rus"),
            took_ms: 7.0,
        });
        assert_eq!(
            s.phase,
            Phase::Done {
                attempts: 1,
                took_ms: 7.0
            }
        );
        assert_eq!(s.shown.as_ref().map(|f| f.query.as_str()), Some("rus"));
        // An older Typed (out of order) is ignored too; clearing the box clears the results.
        let s = typed(s, 1, "r");
        assert_eq!(s.query, "rus");
        let s = typed(s, 3, "  ");
        assert_eq!((s.phase.id(), s.shown.is_none()), ("idle", true));
        let s = typed(s, 4, "x");
        let s = s.reduce(Action::Failed {
            seq: 4,
            error: "down".into(),
        });
        assert_eq!(s.phase, Phase::Failed("down".into()));
    }
}
