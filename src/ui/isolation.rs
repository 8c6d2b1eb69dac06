//! Cross-origin isolation of the app's page, so that the trace's clock tells the truth: Chromium
//! gives `performance.now()` to 5 µs in a cross-origin isolated page and only to 100 µs in any
//! other, where most polls would last "0 µs".
//!
//! `trunk serve` sends the two headers itself (Trunk.toml). A static host cannot, so the service
//! worker adds them to the pages it serves (static/sw.js). The first visit is not served by it
//! yet: the page then waits, the app not started (so that `?run=1` runs once, in the isolated
//! page), until the worker controls it, and reloads once. Where no worker can help (none in this
//! browser, its registration refused, not in control within [`TIMEOUT`], or a reload that did not
//! isolate the page), the app starts as it is: not isolated, with the coarser clock, and says
//! nothing about it.

use std::time::Duration;

use crate::browser::service_worker;

/// How long the first visit waits for the worker before the app starts without it.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The sessionStorage key that remembers, for this tab, that the page reloaded to be isolated:
/// it reloads once at most, never in a loop.
pub const RELOADED_KEY: &str = "asyncscope:isolation-reload";

/// What the page knows of itself as it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAtStart {
    /// `crossOriginIsolated`.
    pub isolated: bool,
    /// Whether the service worker controls the page; `None` where there are no service workers
    /// (not a secure context, or turned off).
    pub controlled: Option<bool>,
    /// Whether this tab has already reloaded to be isolated; `None` where it cannot remember
    /// (no sessionStorage), so that it must not try.
    pub reloaded: Option<bool>,
}

/// What to do before the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Start the app now: the page is isolated, or a reload would not make it so.
    Start,
    /// Wait until the worker controls the page, then reload: the new page comes through the
    /// worker, with its headers.
    ReloadWhenControlled,
}

/// Only a page the worker does not control yet can gain its headers by a reload, and only once
/// a tab. A page it controls that is still not isolated came from an older worker (the next load
/// comes from the new one) or is in a browser that does not isolate with these headers: a reload
/// would not help.
pub fn plan(page: PageAtStart) -> Plan {
    match page {
        PageAtStart {
            isolated: false,
            controlled: Some(false),
            reloaded: Some(false),
        } => Plan::ReloadWhenControlled,
        _ => Plan::Start,
    }
}

/// Runs `start` (the app) once the page is isolated, or at once where it cannot be.
pub fn start_isolated(start: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return start();
    };
    let storage = window.session_storage().ok().flatten();
    let page = PageAtStart {
        isolated: is_isolated(&window),
        controlled: service_worker::is_controlled().ok(),
        reloaded: storage
            .as_ref()
            .and_then(|s| s.get_item(RELOADED_KEY).ok())
            .map(|item| item.is_some()),
    };
    if plan(page) == Plan::Start {
        return start();
    }
    wasm_bindgen_futures::spawn_local(async move {
        let controlled = service_worker::take_control(TIMEOUT).await.is_ok();
        // Remembered before the reload, or no reload: the next page must know not to try again.
        if controlled
            && storage.is_some_and(|s| s.set_item(RELOADED_KEY, "1").is_ok())
            && window.location().reload().is_ok()
        {
            // The page goes; the app starts in the next one.
            return;
        }
        start();
    });
}

/// `crossOriginIsolated` (false where the browser does not know it).
fn is_isolated(window: &web_sys::Window) -> bool {
    js_sys::Reflect::get(window, &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST_VISIT: PageAtStart = PageAtStart {
        isolated: false,
        controlled: Some(false),
        reloaded: Some(false),
    };

    #[test]
    fn a_first_visit_reloads_once_the_worker_controls_it() {
        assert_eq!(plan(FIRST_VISIT), Plan::ReloadWhenControlled);
    }

    #[test]
    fn an_isolated_page_starts_at_once() {
        for controlled in [None, Some(false), Some(true)] {
            for reloaded in [None, Some(false), Some(true)] {
                let page = PageAtStart {
                    isolated: true,
                    controlled,
                    reloaded,
                };
                assert_eq!(plan(page), Plan::Start, "{page:?}");
            }
        }
    }

    #[test]
    fn a_tab_reloads_for_isolation_once_at_most() {
        let after_reload = PageAtStart {
            reloaded: Some(true),
            ..FIRST_VISIT
        };
        assert_eq!(plan(after_reload), Plan::Start);
        // Without sessionStorage it could not remember a reload: it never tries one.
        let forgetful = PageAtStart {
            reloaded: None,
            ..FIRST_VISIT
        };
        assert_eq!(plan(forgetful), Plan::Start);
    }

    #[test]
    fn without_a_worker_or_with_one_in_control_the_app_starts_as_it_is() {
        let no_worker = PageAtStart {
            controlled: None,
            ..FIRST_VISIT
        };
        assert_eq!(plan(no_worker), Plan::Start);
        let controlled = PageAtStart {
            controlled: Some(true),
            ..FIRST_VISIT
        };
        assert_eq!(plan(controlled), Plan::Start);
    }

    /// The Content-Security-Policy in `text`: the value after `marker`, up to the quote that
    /// ends it.
    fn policy_after<'a>(text: &'a str, marker: &str, quote: char) -> &'a str {
        let start = text.find(marker).map(|i| i + marker.len()).unwrap_or(0);
        text[start..].split(quote).next().unwrap_or("")
    }

    #[test]
    fn the_page_trunk_serve_and_the_service_worker_send_one_content_security_policy() {
        let page = policy_after(
            include_str!("../../index.html"),
            r#"http-equiv="Content-Security-Policy" content=""#,
            '"',
        );
        let serve = policy_after(
            include_str!("../../Trunk.toml"),
            r#""Content-Security-Policy" = ""#,
            '"',
        );
        let worker = policy_after(
            include_str!("../../static/sw.js"),
            r#"['Content-Security-Policy', ""#,
            '"',
        );
        // Scripts from the site only, and wasm compiled: no inline script, no eval.
        let script_src = page
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"));
        assert_eq!(script_src, Some("script-src 'self' 'wasm-unsafe-eval'"));
        assert!(!page.contains("'unsafe-eval'"), "{page}");
        assert_eq!(serve, page);
        assert_eq!(worker, page);
        // The example app's page (examples/search), which the same worker serves.
        let example = policy_after(
            include_str!("../../examples/search/index.html"),
            r#"http-equiv="Content-Security-Policy" content=""#,
            '"',
        );
        assert_eq!(example, page);
    }
}
