//! The viewer's overlay on a page that is not the app (the test runner's page): mounted closed,
//! opened by its button and by Alt+Shift+S, closed by Escape, showing the page's traced tasks in
//! the trace panel, styled in its shadow root whatever the host page's stylesheet says, and gone
//! when unmounted.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::trace::{self, now_ms, sleep};
use asyncscope_viewer::{mount_overlay, OVERLAY_ATTR};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn shadow() -> web_sys::ShadowRoot {
    document()
        .query_selector(&format!("[{OVERLAY_ATTR}]"))
        .ok()
        .flatten()
        .expect("the overlay's element")
        .shadow_root()
        .expect("its shadow root")
}

fn in_shadow(selector: &str) -> Option<web_sys::Element> {
    shadow().query_selector(selector).ok().flatten()
}

/// Waits until `selector` matches (or, `gone`, stops matching) in the overlay, 5 s at most.
async fn until(selector: &str, gone: bool) {
    let deadline = now_ms() + 5000.0;
    while in_shadow(selector).is_some() == gone {
        assert!(
            now_ms() < deadline,
            "{selector} never {}",
            if gone { "went" } else { "came" }
        );
        sleep(Duration::from_millis(10)).await;
    }
}

fn press(code: &str, alt: bool, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_code(code);
    init.set_alt_key(alt);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    let _ = web_sys::window().expect("window").dispatch_event(&event);
}

#[wasm_bindgen_test]
async fn the_overlay_opens_on_any_page_shows_its_tasks_and_keeps_its_styles_to_itself() {
    // The host page hides anything called .tasks, and makes every button 1 px: none of it
    // reaches the overlay's shadow root.
    let hostile = document().create_element("style").expect("style");
    hostile.set_text_content(Some(
        ".tasks, .trace { display: none !important; } button { font-size: 1px !important; }",
    ));
    document()
        .head()
        .expect("head")
        .append_child(&hostile)
        .expect("added");

    trace::reset();
    trace::spawn("overlay-probe", async {
        sleep(Duration::from_millis(5)).await
    })
    .await
    .expect("the probe ran");

    let overlay = mount_overlay().expect("mounted");
    let again = mount_overlay().err().unwrap_or_default();
    assert!(
        again.contains("already mounted"),
        "a second call says why not: {again}"
    );
    until("[data-asyncscope-overlay-toggle]", false).await;
    assert!(
        in_shadow("[data-asyncscope-overlay-drawer]").is_none(),
        "mounted closed"
    );

    in_shadow("[data-asyncscope-overlay-toggle]")
        .expect("the button")
        .dyn_into::<web_sys::HtmlElement>()
        .expect("a button")
        .click();
    until("[data-asyncscope-overlay-drawer] .trace", false).await;
    until("[data-asyncscope-overlay-drawer] table.tasks", false).await;
    let drawer = in_shadow("[data-asyncscope-overlay-drawer]").expect("open");
    let text = drawer.text_content().unwrap_or_default();
    assert!(
        text.contains("overlay-probe"),
        "the page's task is in the panel: {text}"
    );

    let window = web_sys::window().expect("window");
    let style = |el: &web_sys::Element, prop: &str| {
        window
            .get_computed_style(el)
            .ok()
            .flatten()
            .and_then(|s| s.get_property_value(prop).ok())
            .unwrap_or_default()
    };
    let table = in_shadow("table.tasks").expect("the task table");
    assert_ne!(
        style(&table, "display"),
        "none",
        "the host page's rule stays out"
    );
    let toggle = in_shadow("[data-asyncscope-overlay-toggle]").expect("the button");
    assert_ne!(style(&toggle, "font-size"), "1px");
    assert_eq!(
        style(&toggle, "position"),
        "fixed",
        "the overlay's own rules apply"
    );
    // The viewer's class names do not leak out either: a .tasks element of the page stays
    // hidden by the page's rule, and unstyled by the viewer's.
    let page_tasks = document().create_element("div").expect("div");
    page_tasks.set_class_name("tab");
    document()
        .body()
        .expect("body")
        .append_child(&page_tasks)
        .expect("added");
    assert_ne!(
        style(&page_tasks, "border-top-style"),
        "solid",
        "the viewer's .tab rule stays in the shadow root"
    );
    page_tasks.remove();

    press("Escape", false, false);
    until("[data-asyncscope-overlay-drawer]", true).await;
    press("KeyS", true, true);
    until("[data-asyncscope-overlay-drawer]", false).await;
    press("KeyS", true, true);
    until("[data-asyncscope-overlay-drawer]", true).await;

    // Recording turned off: the panel says so, in words, and still shows what was recorded.
    trace::set_recording(false);
    press("KeyS", true, true);
    until("[data-testid=recording-off]", false).await;
    let said = in_shadow("[data-testid=recording-off]")
        .and_then(|p| p.text_content())
        .unwrap_or_default();
    assert!(said.contains("Recording is off"), "{said}");
    let shown = in_shadow("[data-asyncscope-overlay-drawer]")
        .and_then(|d| d.text_content())
        .unwrap_or_default();
    assert!(
        shown.contains("overlay-probe"),
        "what was recorded stays shown"
    );
    trace::set_recording(true);
    press("Escape", false, false);
    until("[data-asyncscope-overlay-drawer]", true).await;

    overlay.unmount();
    assert!(
        document()
            .query_selector(&format!("[{OVERLAY_ATTR}]"))
            .ok()
            .flatten()
            .is_none(),
        "unmounted"
    );
    hostile.remove();
}
