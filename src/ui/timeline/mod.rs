//! The timeline (`data-testid="timeline"`): a lane per task nested under its parent, polls as
//! bars, pending time as a thin line, wake arrows, markers, a time axis; zoom (wheel, pinch,
//! + and -), pan (drag, arrows), tooltips; follows live while a run goes on. Drawn on a canvas.

pub mod draw;
pub mod model;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

pub use draw::format_ms;
use draw::{Palette, View, AXIS_H, LABEL_W, LANE_H};
pub use model::Model;

use crate::trace::TaskId;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub model: Rc<Model>,
    pub running: bool,
    /// The replayed moment, drawn as a line.
    pub cursor: Option<f64>,
    pub selected: Option<TaskId>,
    pub on_select: Callback<TaskId>,
    /// Bring this moment and task into view (a warning was clicked): (time, task, a counter
    /// that changes with each request).
    pub focus: Option<(f64, TaskId, u64)>,
    /// Tells the parent which time window is on screen (for the event-loop lanes).
    pub on_window: Callback<(f64, f64)>,
}

fn palette(canvas: &HtmlCanvasElement) -> Palette {
    let style = web_sys::window().and_then(|w| w.get_computed_style(canvas).ok().flatten());
    let get = |name: &str, fallback: &str| {
        style
            .as_ref()
            .and_then(|s| s.get_property_value(name).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback.to_string())
    };
    Palette {
        bg: get("--panel", "#fff"),
        ink: get("--ink", "#111"),
        muted: get("--muted", "#666"),
        line: get("--line", "#ddd"),
        accent: get("--accent", "#b7410e"),
        ok: get("--ok", "#1a7f37"),
        fail: get("--fail", "#c62828"),
        warn: get("--warn", "#d08700"),
    }
}

/// Sizes the canvas to its box (at the device's pixel ratio) and draws.
/// What a redraw needs besides the view.
#[derive(Clone)]
struct Scene {
    model: Rc<Model>,
    running: bool,
    cursor: Option<f64>,
    selected: Option<TaskId>,
}

fn redraw(canvas: &NodeRef, scene: &Scene, view: &RefCell<View>) -> Option<(f64, f64)> {
    let model = &scene.model;
    let canvas: HtmlCanvasElement = canvas.cast()?;
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (w, h) = (
        f64::from(canvas.client_width().max(1)),
        f64::from(canvas.client_height().max(1)),
    );
    let (pw, ph) = ((w * ratio) as u32, (h * ratio) as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    let mut v = view.borrow_mut();
    if v.follow {
        let shown = (w - LABEL_W - 10.0).max(50.0) * v.ms_per_px;
        if !scene.running || model.end - model.start <= shown {
            v.fit(model.start, model.end, w);
        } else {
            v.t0 = model.end - shown * 0.95;
        }
    }
    draw::draw(
        &ctx,
        w,
        h,
        model,
        &v,
        &palette(&canvas),
        scene.cursor,
        scene.selected,
    );
    Some((v.t0, v.t(w)))
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let canvas = use_node_ref();
    let view = use_mut_ref(View::new);
    let tooltip = use_state(|| None::<(f64, f64, String)>);
    let drag = use_mut_ref(|| None::<(f64, f64)>);
    let pinch = use_mut_ref(|| None::<f64>);
    let last_window = use_mut_ref(|| (0.0, 0.0));

    let scene = Scene {
        model: props.model.clone(),
        running: props.running,
        cursor: props.cursor,
        selected: props.selected,
    };
    // Draws, and tells the parent when the window on screen moved.
    let rerender: Rc<dyn Fn()> = {
        let canvas = canvas.clone();
        let view = view.clone();
        let on_window = props.on_window.clone();
        let last_window = last_window.clone();
        Rc::new(move || {
            if let Some(window) = redraw(&canvas, &scene, &view) {
                if *last_window.borrow() != window {
                    *last_window.borrow_mut() = window;
                    on_window.emit(window);
                }
            }
        })
    };
    // Bring a warning's moment into view when asked (before this render's draw).
    {
        let view = view.clone();
        let model = props.model.clone();
        let canvas = canvas.clone();
        use_effect_with(props.focus, move |focus| {
            if let (Some((t, task, _)), Some(c)) = (focus, canvas.cast::<HtmlCanvasElement>()) {
                let w = f64::from(c.client_width().max(1));
                let mut v = view.borrow_mut();
                v.follow = false;
                let span = (w - LABEL_W) * v.ms_per_px;
                v.t0 = t - span / 2.0;
                if let Some(lane) = model.lane_of(*task) {
                    v.top = (lane as f64 - 2.0).max(0.0);
                }
            }
        });
    }
    // Draw after every render: new data, a new cursor, a new selection.
    {
        let rerender = rerender.clone();
        use_effect(move || rerender());
    }
    // Redraw when the window is resized (with the latest scene).
    let latest = use_mut_ref(|| None::<Rc<dyn Fn()>>);
    *latest.borrow_mut() = Some(rerender.clone());
    {
        let latest = latest.clone();
        use_effect_with((), move |_| {
            let closure = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                let draw = latest.borrow().clone();
                if let Some(draw) = draw {
                    draw();
                }
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ =
                    w.add_event_listener_with_callback("resize", closure.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "resize",
                        closure.as_ref().unchecked_ref(),
                    );
                }
                drop(closure);
            }
        });
    }

    let lanes = props.model.lanes.len();

    let onwheel = {
        let view = view.clone();
        let rerender = rerender.clone();
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let x = f64::from(e.offset_x());
            if e.shift_key() {
                view.borrow_mut().pan(0.0, -e.delta_y(), lanes);
            } else {
                view.borrow_mut()
                    .zoom_at(x.max(LABEL_W), (e.delta_y() * 0.002).exp());
            }
            rerender();
        })
    };
    let onmousedown = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| {
            *drag.borrow_mut() = Some((f64::from(e.client_x()), f64::from(e.client_y())));
        })
    };
    let onmousemove = {
        let drag = drag.clone();
        let view = view.clone();
        let rerender = rerender.clone();
        let tooltip = tooltip.clone();
        let model = props.model.clone();
        Callback::from(move |e: MouseEvent| {
            let last = *drag.borrow();
            if let Some((x0, y0)) = last {
                let (x, y) = (f64::from(e.client_x()), f64::from(e.client_y()));
                view.borrow_mut().pan(x - x0, y - y0, lanes);
                *drag.borrow_mut() = Some((x, y));
                rerender();
                tooltip.set(None);
            } else {
                let (x, y) = (f64::from(e.offset_x()), f64::from(e.offset_y()));
                let hit = draw::hit(&model, &view.borrow(), x, y);
                tooltip.set(hit.map(|h| (x, y, h.text)));
            }
        })
    };
    let onmouseup = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| *drag.borrow_mut() = None)
    };
    let onmouseleave = {
        let drag = drag.clone();
        let tooltip = tooltip.clone();
        Callback::from(move |_: MouseEvent| {
            *drag.borrow_mut() = None;
            tooltip.set(None);
        })
    };
    let onclick = {
        let view = view.clone();
        let model = props.model.clone();
        let on_select = props.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            let (x, y) = (f64::from(e.offset_x()), f64::from(e.offset_y()));
            if let Some(task) = draw::hit(&model, &view.borrow(), x, y).and_then(|h| h.task) {
                on_select.emit(task);
            }
        })
    };
    let ondblclick = {
        let view = view.clone();
        let rerender = rerender.clone();
        Callback::from(move |_: MouseEvent| {
            view.borrow_mut().follow = true;
            rerender();
        })
    };
    let ontouchstart = {
        let pinch = pinch.clone();
        let drag = drag.clone();
        Callback::from(move |e: TouchEvent| {
            let t = e.touches();
            match (t.get(0), t.get(1)) {
                (Some(a), Some(b)) => {
                    let d = f64::from(a.client_x() - b.client_x())
                        .hypot(f64::from(a.client_y() - b.client_y()));
                    *pinch.borrow_mut() = Some(d);
                }
                (Some(a), None) => {
                    *drag.borrow_mut() = Some((f64::from(a.client_x()), f64::from(a.client_y())));
                }
                _ => {}
            }
        })
    };
    let ontouchmove = {
        let pinch = pinch.clone();
        let drag = drag.clone();
        let view = view.clone();
        let rerender = rerender.clone();
        let canvas = canvas.clone();
        Callback::from(move |e: TouchEvent| {
            e.prevent_default();
            let t = e.touches();
            match (t.get(0), t.get(1)) {
                (Some(a), Some(b)) => {
                    let d = f64::from(a.client_x() - b.client_x())
                        .hypot(f64::from(a.client_y() - b.client_y()));
                    let before = *pinch.borrow();
                    if let (Some(before), Some(c)) = (before, canvas.cast::<HtmlCanvasElement>()) {
                        let left = f64::from(c.get_bounding_client_rect().left() as i32);
                        let mid = f64::from(a.client_x() + b.client_x()) / 2.0 - left;
                        if d > 0.0 {
                            view.borrow_mut().zoom_at(mid.max(LABEL_W), before / d);
                        }
                    }
                    *pinch.borrow_mut() = Some(d);
                    rerender();
                }
                (Some(a), None) => {
                    let last = *drag.borrow();
                    let (x, y) = (f64::from(a.client_x()), f64::from(a.client_y()));
                    if let Some((x0, y0)) = last {
                        view.borrow_mut().pan(x - x0, y - y0, lanes);
                        rerender();
                    }
                    *drag.borrow_mut() = Some((x, y));
                }
                _ => {}
            }
        })
    };
    let ontouchend = {
        let pinch = pinch.clone();
        let drag = drag.clone();
        Callback::from(move |_: TouchEvent| {
            *pinch.borrow_mut() = None;
            *drag.borrow_mut() = None;
        })
    };
    let onkeydown = {
        let view = view.clone();
        let rerender = rerender.clone();
        let canvas = canvas.clone();
        Callback::from(move |e: KeyboardEvent| {
            let w = canvas
                .cast::<HtmlCanvasElement>()
                .map_or(800.0, |c| f64::from(c.client_width()));
            let centre = (LABEL_W + w) / 2.0;
            let handled = {
                let mut v = view.borrow_mut();
                match e.key().as_str() {
                    "+" | "=" => v.zoom_at(centre, 0.5),
                    "-" | "_" => v.zoom_at(centre, 2.0),
                    "ArrowLeft" => v.pan(80.0, 0.0, lanes),
                    "ArrowRight" => v.pan(-80.0, 0.0, lanes),
                    "ArrowUp" => v.pan(0.0, LANE_H, lanes),
                    "ArrowDown" => v.pan(0.0, -LANE_H, lanes),
                    "0" | "Home" => v.follow = true,
                    _ => return,
                }
                true
            };
            if handled {
                e.prevent_default();
                rerender();
            }
        })
    };

    let height = (AXIS_H + LANE_H * (lanes as f64 + 1.0) + 8.0).clamp(120.0, 520.0);
    html! {
        <div class="timeline-wrap">
            <canvas ref={canvas} class="timeline" data-testid="timeline" tabindex="0"
                role="img"
                aria-label={format!("Timeline of {lanes} tasks: drag or arrow keys to pan, wheel or + and - to zoom, double-click or 0 to fit")}
                style={format!("height: {height}px")}
                {onwheel} {onmousedown} {onmousemove} {onmouseup} {onmouseleave} {onclick} {ondblclick}
                {ontouchstart} {ontouchmove} {ontouchend} {onkeydown} />
            if let Some((x, y, text)) = &*tooltip {
                <div class="timeline-tip" role="tooltip"
                     style={format!("left: {}px; top: {}px", x + 12.0, y + 12.0)}>{ text }</div>
            }
            <p class="timeline-help">{ "Wheel or +/− zooms, drag or arrow keys pan, shift+wheel scrolls lanes, double-click or 0 fits. Click a lane for its details." }</p>
        </div>
    }
}
