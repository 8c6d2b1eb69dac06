//! The viewer as an overlay on any page, whatever framework (if any) draws the rest of it: a
//! corner button and a keyboard shortcut (Alt+Shift+S) open a drawer with the trace panel over the
//! bottom of the page; Escape or the button close it. Like the devtools panels of TanStack Query
//! or Redux, but for the page's Rust futures.
//!
//! It mounts its own element at the end of `<body>`, with a shadow root holding the viewer's
//! stylesheet: the host page's styles do not reach in, and the viewer's class names (`.tasks`,
//! `.tab`...) do not reach out. Closed, the panel is not rendered and holds no subscription to the
//! recording: the overlay costs nothing per recorded event (the recording itself costs what it
//! costs without it).

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::TracePanel;

/// The attribute on the overlay's host element (at the end of `<body>`).
pub const OVERLAY_ATTR: &str = "data-asyncscope-overlay";

const STYLES: [&str; 2] = [include_str!("viewer.css"), include_str!("overlay.css")];

/// A mounted overlay (see [`mount_overlay`]): it stays for the page's life unless unmounted.
pub struct Overlay {
    host: web_sys::Element,
    app: yew::AppHandle<OverlayRoot>,
}

impl Overlay {
    /// Removes the overlay and its element from the page.
    pub fn unmount(self) {
        self.app.destroy();
        self.host.remove();
    }
}

/// Mounts the overlay (closed) at the end of the page's `<body>`. An error says why not: no
/// document (a worker records, but has nothing to show an overlay in), no `<body>` yet, an overlay
/// already mounted, or a browser without shadow roots or constructed stylesheets.
pub fn mount_overlay() -> Result<Overlay, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("asyncscope overlay: no document to mount in")?;
    let body = document
        .body()
        .ok_or("asyncscope overlay: the page has no <body> yet")?;
    if document
        .query_selector(&format!("[{OVERLAY_ATTR}]"))
        .ok()
        .flatten()
        .is_some()
    {
        return Err(
            "asyncscope overlay: already mounted on this page (Overlay::unmount() removes it)"
                .to_string(),
        );
    }
    let host = document
        .create_element("div")
        .map_err(|_| "asyncscope overlay: could not create its element")?;
    host.set_attribute(OVERLAY_ATTR, "")
        .map_err(|_| "asyncscope overlay: could not mark its element")?;
    let shadow = host
        .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .map_err(|_| "asyncscope overlay: this browser cannot attach a shadow root")?;
    let sheets = js_sys::Array::new();
    for css in STYLES {
        let sheet = web_sys::CssStyleSheet::new()
            .map_err(|_| "asyncscope overlay: this browser cannot construct a stylesheet")?;
        sheet
            .replace_sync(css)
            .map_err(|_| "asyncscope overlay: its stylesheet was refused")?;
        sheets.push(&sheet);
    }
    shadow.set_adopted_style_sheets(&sheets);
    let root = document
        .create_element("div")
        .map_err(|_| "asyncscope overlay: could not create its root")?;
    root.set_class_name("overlay");
    shadow
        .append_child(&root)
        .map_err(|_| "asyncscope overlay: could not fill its shadow root")?;
    body.append_child(&host)
        .map_err(|_| "asyncscope overlay: could not add its element to the page")?;
    let app = yew::Renderer::<OverlayRoot>::with_root(root).render();
    Ok(Overlay { host, app })
}

/// Whether the drawer is open, and whether its panel follows the recording live (or holds still,
/// to be replayed event by event).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drawer {
    open: bool,
    live: bool,
}

enum Action {
    Toggle,
    Close,
    ToggleLive,
}

impl Reducible for Drawer {
    type Action = Action;

    fn reduce(self: std::rc::Rc<Self>, action: Action) -> std::rc::Rc<Self> {
        let next = match action {
            Action::Toggle => Drawer {
                open: !self.open,
                ..*self
            },
            Action::Close => Drawer {
                open: false,
                ..*self
            },
            Action::ToggleLive => Drawer {
                live: !self.live,
                ..*self
            },
        };
        if next == *self {
            self
        } else {
            std::rc::Rc::new(next)
        }
    }
}

/// What a key press on the page asks of the overlay: Alt+Shift+S toggles it, Escape closes it.
fn action_for(code: &str, alt: bool, shift: bool, ctrl_or_meta: bool) -> Option<Action> {
    match code {
        "KeyS" if alt && shift && !ctrl_or_meta => Some(Action::Toggle),
        "Escape" if !alt && !shift && !ctrl_or_meta => Some(Action::Close),
        _ => None,
    }
}

#[component]
fn OverlayRoot() -> Html {
    let drawer = use_reducer(|| Drawer {
        open: false,
        live: true,
    });
    {
        let drawer = drawer.dispatcher();
        // The page's keys, for as long as the overlay is mounted (the listener goes with the
        // effect's cleanup).
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "keydown", move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    let ctrl_or_meta = e.ctrl_key() || e.meta_key();
                    if let Some(action) =
                        action_for(&e.code(), e.alt_key(), e.shift_key(), ctrl_or_meta)
                    {
                        if matches!(action, Action::Toggle) {
                            e.prevent_default();
                        }
                        drawer.dispatch(action);
                    }
                })
            });
            move || drop(listener)
        });
    }
    let toggle = {
        let drawer = drawer.dispatcher();
        Callback::from(move |_: MouseEvent| drawer.dispatch(Action::Toggle))
    };
    let close = {
        let drawer = drawer.dispatcher();
        Callback::from(move |_: MouseEvent| drawer.dispatch(Action::Close))
    };
    let toggle_live = {
        let drawer = drawer.dispatcher();
        Callback::from(move |_: MouseEvent| drawer.dispatch(Action::ToggleLive))
    };
    let page = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    html! {
        <>
            <button type="button" class="toggle" data-asyncscope-overlay-toggle=""
                    aria-expanded={drawer.open.to_string()} aria-controls="asyncscope-drawer"
                    title="asyncscope: this page's Rust tasks (Alt+Shift+S)" onclick={toggle}>
                { "asyncscope" }
            </button>
            if drawer.open {
                <section id="asyncscope-drawer" class="drawer" role="dialog"
                         aria-label="asyncscope: this page's Rust tasks" data-asyncscope-overlay-drawer="">
                    <div class="drawer-bar">
                        <strong>{ "asyncscope" }</strong>
                        <button type="button" aria-pressed={(!drawer.live).to_string()}
                                onclick={toggle_live}>
                            { if drawer.live { "Hold to replay" } else { "Follow live" } }
                        </button>
                        <button type="button" aria-label="Close (Escape)" onclick={close}>{ "×" }</button>
                    </div>
                    <TracePanel generation={0} running={drawer.live} name="page" permalink={page} />
                </section>
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_shift_s_toggles_and_escape_closes_and_nothing_else_does() {
        assert!(matches!(
            action_for("KeyS", true, true, false),
            Some(Action::Toggle)
        ));
        assert!(matches!(
            action_for("Escape", false, false, false),
            Some(Action::Close)
        ));
        // Typing, and other shortcuts, pass through to the page.
        assert!(action_for("KeyS", false, false, false).is_none());
        assert!(action_for("KeyS", true, false, false).is_none());
        assert!(action_for("KeyS", true, true, true).is_none());
        assert!(action_for("Escape", false, true, false).is_none());
        assert!(action_for("KeyA", true, true, false).is_none());
    }

    #[test]
    fn the_drawer_opens_closes_and_holds_still_for_replay() {
        let start = std::rc::Rc::new(Drawer {
            open: false,
            live: true,
        });
        let open = start.clone().reduce(Action::Toggle);
        assert_eq!(
            *open,
            Drawer {
                open: true,
                live: true
            }
        );
        let held = open.reduce(Action::ToggleLive);
        assert_eq!(
            *held,
            Drawer {
                open: true,
                live: false
            }
        );
        let closed = held.reduce(Action::Close);
        assert_eq!(
            *closed,
            Drawer {
                open: false,
                live: false
            }
        );
        let again = closed.clone().reduce(Action::Close);
        assert!(
            std::rc::Rc::ptr_eq(&closed, &again),
            "closing a closed drawer changes nothing"
        );
    }
}
