//! The timeline (`data-testid="timeline"`): the event loop's lane pinned at the top, a lane per
//! task nested under its parent (siblings of one name folded into a group), polls as bars,
//! waits coloured by what they wait for, sleeps' lateness, wake arrows, markers, counter tracks
//! pinned at the bottom, a time axis; zoom (wheel, pinch, + and -), pan (drag, arrows), a hover
//! card; follows live while a run goes on. Drawn on a canvas, at most once per render.

pub mod card;
pub mod density;
pub mod draw;
pub mod layout;
pub mod model;
pub mod turns;

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

pub use draw::format_ms;
use draw::{Geometry, Palette, Scene, View, LABEL_W, LANE_H};
use layout::{GroupKey, Layout, Row};
pub use model::Model;

use asyncscope_trace::TaskId;

/// Groups listed as buttons under the canvas (the canvas shows them all).
const GROUP_BUTTONS: usize = 24;

/// A model shared with the panel that keeps it up to date; equal when it is the same one.
#[derive(Clone)]
pub struct ModelRef(pub Rc<RefCell<Model>>);

impl PartialEq for ModelRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub model: ModelRef,
    /// Changes whenever the model does.
    pub version: u64,
    /// The time axis: its zero and the end "fit" shows.
    pub range: (f64, f64),
    pub running: bool,
    /// The replayed moment, drawn as a line.
    pub cursor: Option<f64>,
    pub selected: Option<TaskId>,
    pub on_select: Callback<TaskId>,
    /// Bring this moment and task into view (a warning was clicked): (time, task, a counter
    /// that changes with each request).
    pub focus: Option<(f64, TaskId, u64)>,
    /// Tells the parent which time window is on screen (for the event-loop tab).
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
    let light = Palette::light();
    Palette {
        bg: get("--panel", &light.bg),
        ink: get("--ink", &light.ink),
        muted: get("--muted", &light.muted),
        line: get("--line", &light.line),
        accent: get("--accent", &light.accent),
        ok: get("--ok", &light.ok),
        fail: get("--fail", &light.fail),
        warn: get("--warn", &light.warn),
        waits: model::Await::ALL.map(|a| get(draw::wait_property(a), draw::default_wait_colour(a))),
    }
}

/// The rows, redone only when lanes come or go or a group opens or closes; the tracks, with
/// every change of the model (there are a handful).
#[derive(Default)]
struct LayoutCache {
    key: Option<(usize, u64, u64)>,
    version: u64,
    layout: Rc<Layout>,
}

impl LayoutCache {
    fn get(&mut self, model: &ModelRef, expanded: &Expanded) -> Rc<Layout> {
        let m = model.0.borrow();
        let key = (
            Rc::as_ptr(&model.0) as usize,
            m.structure(),
            expanded.generation,
        );
        if self.key != Some(key) {
            self.layout = Rc::new(Layout::new(&m, &expanded.open));
            self.key = Some(key);
            self.version = m.version();
        } else if self.version != m.version() {
            let mut layout = (*self.layout).clone();
            layout.refresh_tracks(&m);
            self.layout = Rc::new(layout);
            self.version = m.version();
        }
        Rc::clone(&self.layout)
    }
}

/// The groups opened by the user.
#[derive(Clone, Default, PartialEq)]
struct Expanded {
    open: HashSet<GroupKey>,
    generation: u64,
}

impl Expanded {
    fn toggled(&self, key: &GroupKey) -> Expanded {
        let mut next = self.clone();
        if !next.open.remove(key) {
            next.open.insert(key.clone());
        }
        next.generation += 1;
        next
    }
}

/// What a redraw needs besides the view.
#[derive(Clone)]
struct Props {
    model: ModelRef,
    layout: Rc<Layout>,
    range: (f64, f64),
    running: bool,
    cursor: Option<f64>,
    selected: Option<TaskId>,
}

/// The canvas's box in CSS pixels, as a `ResizeObserver` last reported it: read without asking
/// the browser. (Reading `clientWidth` after the panel's DOM changed forced a layout of the
/// whole page on every redraw: a third of a `lock` run with 500 tasks went to it.)
type BoxSize = Rc<std::cell::Cell<Option<(f64, f64)>>>;

/// Sizes the canvas to its box (at the device's pixel ratio), follows the run or fits it, and
/// draws. Gives the time window on screen.
fn redraw(canvas: &NodeRef, size: &BoxSize, p: &Props, view: &RefCell<View>) -> Option<(f64, f64)> {
    let canvas: HtmlCanvasElement = canvas.cast()?;
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (w, h) = size.get().unwrap_or_else(|| {
        // Before the observer's first report: ask once.
        let measured = (
            f64::from(canvas.client_width().max(1)),
            f64::from(canvas.client_height().max(1)),
        );
        size.set(Some(measured));
        measured
    });
    let (pw, ph) = ((w * ratio) as u32, (h * ratio) as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    let model = p.model.0.borrow();
    let geo = Geometry::new(w, h, p.layout.tracks.len());
    let mut v = view.borrow_mut();
    let (start, end) = p.range;
    if v.follow {
        let shown = (w - LABEL_W - 24.0).max(50.0) * v.ms_per_px;
        if !p.running || end - start <= shown {
            v.fit(start, end, w);
        } else {
            v.t0 = end - shown * 0.97;
        }
    }
    v.clamp_top(geo.max_top(p.layout.rows.len()));
    let scene = Scene {
        model: &model,
        layout: &p.layout,
        origin: start,
        cursor: p.cursor,
        selected: p.selected,
    };
    draw::draw(&ctx, &geo, &scene, &v, &palette(&canvas));
    Some((v.t(LABEL_W), v.t(w)))
}

/// The geometry of the canvas as it is on screen.
fn geometry(canvas: &NodeRef, tracks: usize) -> Geometry {
    let (w, h) = canvas
        .cast::<HtmlCanvasElement>()
        .map_or((800.0, 300.0), |c| {
            (f64::from(c.client_width()), f64::from(c.client_height()))
        });
    Geometry::new(w, h, tracks)
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let canvas = use_node_ref();
    let view = use_mut_ref(View::new);
    let tooltip = use_state(|| None::<(f64, f64, String)>);
    let drag = use_mut_ref(|| None::<(f64, f64)>);
    let pinch = use_mut_ref(|| None::<f64>);
    let last_window = use_mut_ref(|| (0.0, 0.0));
    let expanded = use_state(Expanded::default);
    let cache = use_mut_ref(LayoutCache::default);
    let layout = cache.borrow_mut().get(&props.model, &expanded);
    let size: BoxSize = (*use_memo((), |_| BoxSize::default())).clone();

    let scene = Props {
        model: props.model.clone(),
        layout: Rc::clone(&layout),
        range: props.range,
        running: props.running,
        cursor: props.cursor,
        selected: props.selected,
    };
    let rows = layout.rows.len();
    let tracks = layout.tracks.len();
    // Draws, and tells the parent when the window on screen moved.
    let rerender: Rc<dyn Fn()> = {
        let canvas = canvas.clone();
        let view = view.clone();
        let on_window = props.on_window.clone();
        let last_window = last_window.clone();
        let scene = scene.clone();
        let size = size.clone();
        Rc::new(move || {
            if let Some(window) = redraw(&canvas, &size, &scene, &view) {
                if *last_window.borrow() != window {
                    *last_window.borrow_mut() = window;
                    on_window.emit(window);
                }
            }
        })
    };
    let toggle = {
        let expanded = expanded.clone();
        Callback::from(move |key: GroupKey| expanded.set(expanded.toggled(&key)))
    };
    // Bring a warning's moment and task into view when asked (opening its group).
    {
        let view = view.clone();
        let canvas = canvas.clone();
        let layout = Rc::clone(&layout);
        let expanded = expanded.clone();
        use_effect_with(props.focus, move |focus| {
            if let (Some((t, task, _)), Some(c)) = (focus, canvas.cast::<HtmlCanvasElement>()) {
                let w = f64::from(c.client_width().max(1));
                let mut v = view.borrow_mut();
                v.follow = false;
                let span = (w - LABEL_W) * v.ms_per_px;
                v.t0 = t - span / 2.0;
                if let Some(row) = layout.row_of(*task) {
                    match &layout.rows[row] {
                        Row::Group {
                            key,
                            expanded: false,
                            ..
                        } => expanded.set(expanded.toggled(key)),
                        _ => v.top = (row as f64 - 2.0).max(0.0),
                    }
                }
            }
        });
    }
    // Draw after a render that changed what is drawn: new data, a new cursor, a new selection,
    // a group opened (not when only the hover card changed).
    {
        let rerender = rerender.clone();
        let drawn = (
            props.version,
            props.range,
            props.cursor,
            props.selected,
            Rc::as_ptr(&layout) as usize,
            props.running,
            // The theme the colours come from.
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
                .and_then(|e| e.get_attribute("data-theme")),
        );
        use_effect_with(drawn, move |_| rerender());
    }
    // Redraw when the canvas's box changes size (with the latest scene), told by a
    // ResizeObserver, which also keeps `size` for the redraws between.
    let latest = use_mut_ref(|| None::<Rc<dyn Fn()>>);
    *latest.borrow_mut() = Some(rerender.clone());
    {
        let latest = latest.clone();
        let canvas = canvas.clone();
        let size = size.clone();
        use_effect_with((), move |_| {
            let closure = wasm_bindgen::closure::Closure::<dyn Fn(js_sys::Array)>::new(
                move |entries: js_sys::Array| {
                    let Ok(entry) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>()
                    else {
                        return;
                    };
                    let rect = entry.content_rect();
                    let next = Some((rect.width().max(1.0), rect.height().max(1.0)));
                    if size.replace(next) != next {
                        let draw = latest.borrow().clone();
                        if let Some(draw) = draw {
                            draw();
                        }
                    }
                },
            );
            let observer = web_sys::ResizeObserver::new(closure.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(c)) = (&observer, canvas.cast::<web_sys::Element>()) {
                o.observe(&c);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(closure);
            }
        });
    }

    let max_top = move |canvas: &NodeRef| geometry(canvas, tracks).max_top(rows);
    let onwheel = {
        let view = view.clone();
        let rerender = rerender.clone();
        let canvas = canvas.clone();
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let x = f64::from(e.offset_x());
            if e.shift_key() {
                let dy = if e.delta_y() != 0.0 {
                    e.delta_y()
                } else {
                    e.delta_x()
                };
                view.borrow_mut().pan(0.0, -dy, max_top(&canvas));
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
        let scene = scene.clone();
        let canvas = canvas.clone();
        Callback::from(move |e: MouseEvent| {
            let last = *drag.borrow();
            if let Some((x0, y0)) = last {
                let (x, y) = (f64::from(e.client_x()), f64::from(e.client_y()));
                view.borrow_mut().pan(x - x0, y - y0, max_top(&canvas));
                *drag.borrow_mut() = Some((x, y));
                rerender();
                tooltip.set(None);
            } else {
                let (x, y) = (f64::from(e.offset_x()), f64::from(e.offset_y()));
                let geo = geometry(&canvas, tracks);
                let model = scene.model.0.borrow();
                let s = Scene {
                    model: &model,
                    layout: &scene.layout,
                    origin: scene.range.0,
                    cursor: None,
                    selected: None,
                };
                let hit = card::hit(&geo, &s, &view.borrow(), x, y);
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
        let scene = scene.clone();
        let on_select = props.on_select.clone();
        let toggle = toggle.clone();
        let canvas = canvas.clone();
        Callback::from(move |e: MouseEvent| {
            let (x, y) = (f64::from(e.offset_x()), f64::from(e.offset_y()));
            let geo = geometry(&canvas, tracks);
            let hit = {
                let model = scene.model.0.borrow();
                let s = Scene {
                    model: &model,
                    layout: &scene.layout,
                    origin: scene.range.0,
                    cursor: None,
                    selected: None,
                };
                card::hit(&geo, &s, &view.borrow(), x, y)
            };
            match hit {
                Some(card::Hit {
                    group: Some(key), ..
                }) if x < LABEL_W => toggle.emit(key),
                Some(card::Hit {
                    task: Some(task), ..
                }) => on_select.emit(task),
                _ => {}
            }
        })
    };
    let ondblclick = {
        let view = view.clone();
        let rerender = rerender.clone();
        Callback::from(move |_: MouseEvent| {
            let mut v = view.borrow_mut();
            v.follow = true;
            v.top = 0.0;
            drop(v);
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
                        let left = c.get_bounding_client_rect().left();
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
                        view.borrow_mut().pan(x - x0, y - y0, max_top(&canvas));
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
            let geo = geometry(&canvas, tracks);
            let centre = (LABEL_W + geo.w) / 2.0;
            let page = geo.rows_shown() * LANE_H;
            let top = geo.max_top(rows);
            {
                let mut v = view.borrow_mut();
                match e.key().as_str() {
                    "+" | "=" => v.zoom_at(centre, 0.5),
                    "-" | "_" => v.zoom_at(centre, 2.0),
                    "ArrowLeft" => v.pan(80.0, 0.0, top),
                    "ArrowRight" => v.pan(-80.0, 0.0, top),
                    "ArrowUp" => v.pan(0.0, LANE_H, top),
                    "ArrowDown" => v.pan(0.0, -LANE_H, top),
                    "PageUp" => v.pan(0.0, page, top),
                    "PageDown" => v.pan(0.0, -page, top),
                    "0" | "Home" => {
                        v.follow = true;
                        v.top = 0.0;
                    }
                    _ => return,
                }
            }
            e.prevent_default();
            rerender();
        })
    };

    let folded = layout
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r,
                Row::Group {
                    expanded: false,
                    ..
                }
            )
        })
        .count();
    let height = draw::height_for(rows, tracks);
    let groups = layout.groups.len();
    let label = format!(
        "Timeline of {} tasks in {rows} rows ({groups} groups, {folded} folded) and {tracks} counter tracks: \
         drag or arrow keys to pan, Page Up and Page Down to scroll, wheel or + and - to zoom, double-click or 0 to fit",
        layout.tasks()
    );
    html! {
        <div class="timeline-wrap">
            <canvas ref={canvas} class="timeline" data-testid="timeline" tabindex="0"
                role="img" aria-label={label}
                data-rows={rows.to_string()} data-groups={groups.to_string()} data-tracks={tracks.to_string()}
                style={format!("height: {height}px")}
                {onwheel} {onmousedown} {onmousemove} {onmouseup} {onmouseleave} {onclick} {ondblclick}
                {ontouchstart} {ontouchmove} {ontouchend} {onkeydown} />
            if let Some((x, y, text)) = &*tooltip {
                <div class="timeline-tip" role="tooltip"
                     style={format!("left: {}px; top: {}px", (x + 12.0).min(900.0), y + 12.0)}>{ text }</div>
            }
            if groups > 0 {
                <div class="timeline-groups" aria-label="Groups of tasks in the timeline">
                    <span class="muted">{ "Groups:" }</span>
                    { for layout.groups.iter().take(GROUP_BUTTONS).map(|(row, key, size)| {
                        let open = matches!(layout.rows.get(*row), Some(Row::Group { expanded: true, .. }));
                        let toggle = toggle.clone();
                        let k = key.clone();
                        let onclick = Callback::from(move |_: MouseEvent| toggle.emit(k.clone()));
                        let name = match layout.rows.get(*row) {
                            Some(Row::Group { label, .. }) => label.clone(),
                            _ => key.pattern.to_string(),
                        };
                        html! {
                            <button type="button" class="link" data-testid="timeline-group"
                                    data-group={key.pattern.to_string()} data-group-size={size.to_string()}
                                    aria-expanded={open.to_string()} {onclick}>
                                { format!("{} {name}", if open { "▾" } else { "▸" }) }
                            </button>
                        }
                    }) }
                    if groups > GROUP_BUTTONS { <span class="muted">{ format!("and {} more", groups - GROUP_BUTTONS) }</span> }
                </div>
            }
            <p class="timeline-help">{ "Wheel or +/− zooms, drag or arrow keys pan, shift+wheel or Page Up/Down scrolls lanes, double-click or 0 fits. Hover for details; click a lane for its task, a group's name to open it." }</p>
            <Legend />
        </div>
    }
}

/// What the colours mean.
#[component]
fn Legend() -> Html {
    let item = |class: &'static str, text: &'static str| {
        html! { <li><span class={classes!("swatch", class)} aria-hidden="true"></span>{ text }</li> }
    };
    html! {
        <ul class="timeline-legend" aria-label="What the timeline's colours mean">
            { item("poll", "poll") }
            { item("scheduled", "scheduled (woken, waiting to run)") }
            { item("timer", "waiting: timer") }
            { item("late", "timer late (due → fired)") }
            { item("semaphore", "semaphore") }
            { item("channel", "channel") }
            { item("fetch", "fetch") }
            { item("indexeddb", "IndexedDB") }
            { item("worker", "worker") }
            { item("task", "another task") }
            { item("outside", "JS") }
        </ul>
    }
}
