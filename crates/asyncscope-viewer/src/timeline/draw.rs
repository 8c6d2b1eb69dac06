//! Drawing the timeline on a canvas (what lies under the pointer is card.rs). Only what is
//! visible is drawn, at most about one shape per pixel column per row, so 100,000 events draw as
//! fast as ten.
//!
//! From the top: the time axis; the event loop's lane (pinned), its macrotasks as blocks; the
//! lanes (scrolling), each task's polls as bars, the stretches between them coloured by what it
//! waited for, scheduled time as a pale band, sleeps' lateness, markers, a folded group as a
//! density strip; wake arrows, merged where dense; then the counter tracks (pinned).

use web_sys::CanvasRenderingContext2d;

use super::density::{band, density, Band};
use super::layout::{Layout, Row, Track};
use super::model::{Await, IdMap, Lane, MarkerKind, Model, Stretch};
use super::turns::{loop_blocks, loop_columns, Cause};
use asyncscope_trace::{Level, ResourceKind, TaskId, TaskState, WakeSource};

pub const LABEL_W: f64 = 170.0;
pub const AXIS_H: f64 = 22.0;
/// The event loop's lane, pinned under the axis.
pub const LOOP_H: f64 = 22.0;
pub const LANE_H: f64 = 20.0;
/// A counter track, pinned at the bottom.
pub const TRACK_H: f64 = 34.0;
/// Wakes looked at for arrows per frame; a denser window asks to zoom in.
const MAX_ARROW_WAKES: usize = 8_000;
/// The width of a character of the 12 px monospace font, about.
pub(super) const CHAR_W: f64 = 7.3;

/// Which part of the timeline is on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// The time at the left edge of the plot, in ms.
    pub t0: f64,
    pub ms_per_px: f64,
    /// The first row shown (fractional while scrolling).
    pub top: f64,
    /// Keep the newest moment in view while a run goes on (fit when it is over).
    pub follow: bool,
}

impl View {
    pub fn new() -> View {
        View {
            t0: 0.0,
            ms_per_px: 2.0,
            top: 0.0,
            follow: true,
        }
    }

    /// x of time `t` on a canvas whose plot starts at LABEL_W.
    pub fn x(&self, t: f64) -> f64 {
        LABEL_W + (t - self.t0) / self.ms_per_px
    }

    pub fn t(&self, x: f64) -> f64 {
        self.t0 + (x - LABEL_W) * self.ms_per_px
    }

    /// Fits `[start, end]` into a canvas `width` px wide, with room each side for a marker.
    pub fn fit(&mut self, start: f64, end: f64, width: f64) {
        let span = (end - start).max(1.0);
        let plot = (width - LABEL_W).max(50.0);
        // 12 px each side: the first spawn and the last marker are drawn whole.
        let inner = (plot - 24.0).max(20.0);
        self.ms_per_px = span / inner;
        self.t0 = start - 12.0 * self.ms_per_px;
    }

    /// Fits the whole recording and scrolls back to the first row.
    pub fn reset(&mut self, start: f64, end: f64, width: f64) {
        self.fit(start, end, width);
        self.top = 0.0;
    }

    /// Zooms by `factor` (>1 zooms out) keeping the time under `x` where it is.
    pub fn zoom_at(&mut self, x: f64, factor: f64) {
        let anchor = self.t(x);
        self.ms_per_px = (self.ms_per_px * factor).clamp(1e-5, 1e7);
        self.t0 = anchor - (x - LABEL_W) * self.ms_per_px;
        self.follow = false;
    }

    /// Pans by `dx` px in time and `dy` px in rows, keeping the rows within `[0, max_top]`.
    pub fn pan(&mut self, dx: f64, dy: f64, max_top: f64) {
        self.t0 -= dx * self.ms_per_px;
        self.top = (self.top - dy / LANE_H).clamp(0.0, max_top.max(0.0));
        if dx != 0.0 {
            self.follow = false;
        }
    }

    /// Keeps the rows within `[0, max_top]` (after the rows changed).
    pub fn clamp_top(&mut self, max_top: f64) {
        self.top = self.top.clamp(0.0, max_top.max(0.0));
    }
}

impl Default for View {
    fn default() -> Self {
        View::new()
    }
}

/// Where things go on a canvas `w` x `h` with `tracks` counter tracks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub w: f64,
    pub h: f64,
    pub lanes_top: f64,
    pub lanes_bottom: f64,
    pub tracks: usize,
}

impl Geometry {
    pub fn new(w: f64, h: f64, tracks: usize) -> Geometry {
        let lanes_top = AXIS_H + LOOP_H;
        let lanes_bottom = (h - TRACK_H * tracks as f64).max(lanes_top + LANE_H);
        Geometry {
            w,
            h,
            lanes_top,
            lanes_bottom,
            tracks,
        }
    }

    /// How many rows fit, whole.
    pub fn rows_shown(&self) -> f64 {
        ((self.lanes_bottom - self.lanes_top) / LANE_H)
            .floor()
            .max(1.0)
    }

    /// The highest `top` that still fills the lanes' area with `rows` rows.
    pub fn max_top(&self, rows: usize) -> f64 {
        (rows as f64 - self.rows_shown()).max(0.0)
    }

    /// The top of row `row`.
    pub fn row_y(&self, view: &View, row: f64) -> f64 {
        self.lanes_top + (row - view.top) * LANE_H
    }

    /// The row at height `y`, if `y` is in the lanes' area.
    pub fn row_at(&self, view: &View, y: f64) -> Option<usize> {
        if y < self.lanes_top || y >= self.lanes_bottom {
            return None;
        }
        let row = ((y - self.lanes_top) / LANE_H + view.top).floor();
        (row >= 0.0).then_some(row as usize)
    }

    pub fn track_y(&self, i: usize) -> f64 {
        self.lanes_bottom + TRACK_H * i as f64
    }
}

/// The canvas height (CSS px) that shows `rows` rows and `tracks` tracks, within reason.
pub fn height_for(rows: usize, tracks: usize) -> f64 {
    let lanes = LANE_H * (rows.max(1) as f64).min(22.0);
    (AXIS_H + LOOP_H + lanes + TRACK_H * tracks as f64 + 4.0).clamp(140.0, 640.0)
}

/// Colours, read from the page's CSS so the canvas follows the theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub bg: String,
    pub ink: String,
    pub muted: String,
    pub line: String,
    pub accent: String,
    pub ok: String,
    pub fail: String,
    pub warn: String,
    /// What a pending task waits for, by [`Await::index`].
    pub waits: [String; 11],
}

impl Palette {
    /// The light theme's colours (the CSS says otherwise where it can).
    pub fn light() -> Palette {
        Palette {
            bg: "#ffffff".into(),
            ink: "#1d1f23".into(),
            muted: "#5d6470".into(),
            line: "#dcdfe4".into(),
            accent: "#b7410e".into(),
            ok: "#1a7f37".into(),
            fail: "#c62828".into(),
            warn: "#b06f00".into(),
            waits: Await::ALL.map(|a| default_wait_colour(a).to_string()),
        }
    }

    pub fn wait(&self, a: Await) -> &str {
        &self.waits[a.index()]
    }
}

/// The CSS custom property that sets the colour of a wait.
pub fn wait_property(a: Await) -> &'static str {
    match a {
        Await::Timer => "--tl-timer",
        Await::Semaphore => "--tl-semaphore",
        Await::Channel => "--tl-channel",
        Await::Fetch => "--tl-fetch",
        Await::IndexedDb => "--tl-indexeddb",
        Await::Worker => "--tl-worker",
        Await::Request => "--tl-request",
        Await::Task => "--tl-task",
        Await::Yield => "--tl-yield",
        Await::Outside => "--tl-outside",
        Await::Unknown => "--tl-unknown",
    }
}

pub fn default_wait_colour(a: Await) -> &'static str {
    match a {
        Await::Timer => "#2f6fbf",
        Await::Semaphore => "#8e44ad",
        Await::Channel => "#138a72",
        Await::Fetch => "#c2185b",
        Await::IndexedDb => "#7a8a00",
        Await::Worker => "#8d5524",
        Await::Request => "#56707f",
        Await::Task => "#7d8b99",
        Await::Yield => "#b8860b",
        Await::Outside => "#00838f",
        Await::Unknown => "#9aa3ad",
    }
}

/// What a draw needs besides the view.
pub struct Scene<'a> {
    pub model: &'a Model,
    pub layout: &'a Layout,
    /// Time 0 of the axis.
    pub origin: f64,
    pub cursor: Option<f64>,
    pub selected: Option<TaskId>,
}

fn nice_step(ms_per_px: f64) -> f64 {
    let raw = ms_per_px * 110.0;
    let pow = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * pow)
}

pub fn format_ms(ms: f64) -> String {
    let a = ms.abs();
    if a >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if a >= 1.0 || a == 0.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.0} µs", ms * 1000.0)
    }
}

/// `text` cut to about `chars` characters, with an ellipsis.
pub(super) fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn cause_label(model: &Model, cause: Cause) -> String {
    match cause {
        Cause::Wake(WakeSource::Timer) => "timer".into(),
        Cause::Wake(WakeSource::Fetch(_)) => "fetch".into(),
        Cause::Wake(WakeSource::Request(r)) => match model.awaited_source(WakeSource::Request(r)) {
            Await::IndexedDb => "IndexedDB".into(),
            Await::Worker => "worker".into(),
            _ => "request".into(),
        },
        Cause::Wake(WakeSource::Channel(_)) => "channel".into(),
        Cause::Wake(WakeSource::Semaphore(_)) => "semaphore".into(),
        Cause::Wake(_) => "JS".into(),
        Cause::Polls => "polls".into(),
    }
}

fn cause_colour<'p>(model: &Model, palette: &'p Palette, cause: Cause) -> &'p str {
    match cause {
        Cause::Wake(by) => palette.wait(model.awaited_source(by)),
        Cause::Polls => &palette.accent,
    }
}

/// Draws everything on a `geo.w` x `geo.h` (CSS px) context.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
) {
    let (w, h) = (geo.w, geo.h);
    ctx.set_fill_style_str(&palette.bg);
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.set_font("12px ui-monospace, monospace");
    ctx.set_text_baseline("middle");
    let t_from = view.t(LABEL_W);
    let t_to = view.t(w);

    axis(ctx, geo, scene, view, palette);

    // The plot (right of the labels), clipped so that nothing spills into the gutter.
    ctx.save();
    ctx.begin_path();
    ctx.rect(LABEL_W, AXIS_H, w - LABEL_W, h - AXIS_H);
    ctx.clip();
    event_loop(ctx, geo, scene, view, palette, t_from, t_to);
    ctx.save();
    ctx.begin_path();
    ctx.rect(
        LABEL_W,
        geo.lanes_top,
        w - LABEL_W,
        geo.lanes_bottom - geo.lanes_top,
    );
    ctx.clip();
    rows(ctx, geo, scene, view, palette, t_from, t_to);
    ctx.restore();
    arrows(ctx, geo, scene, view, palette, t_from, t_to);
    let peaks = tracks(ctx, geo, scene, view, palette, t_from, t_to);
    if let Some(t) = scene.cursor {
        let x = view.x(t).round() + 0.5;
        ctx.set_stroke_style_str(&palette.warn);
        ctx.set_line_width(2.0);
        ctx.begin_path();
        ctx.move_to(x, AXIS_H);
        ctx.line_to(x, h);
        ctx.stroke();
        ctx.set_line_width(1.0);
    }
    ctx.restore();

    labels(ctx, geo, scene, view, palette, &peaks);
    // The gutter's edge, the pinned lanes' edges.
    ctx.set_fill_style_str(&palette.line);
    ctx.fill_rect(LABEL_W - 1.0, AXIS_H, 1.0, h - AXIS_H);
    ctx.fill_rect(0.0, geo.lanes_top - 1.0, w, 1.0);
    if geo.tracks > 0 {
        ctx.fill_rect(0.0, geo.lanes_bottom, w, 1.0);
    }
}

fn axis(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
) {
    let (w, h) = (geo.w, geo.h);
    let t_from = view.t(LABEL_W);
    let t_to = view.t(w);
    let step = nice_step(view.ms_per_px);
    let origin = scene.origin;
    let first = ((t_from - origin) / step).floor() * step + origin;
    ctx.set_stroke_style_str(&palette.line);
    ctx.set_line_width(1.0);
    let mut t = first;
    let mut ticks = 0;
    ctx.begin_path();
    while t <= t_to && ticks < 200 {
        let x = view.x(t).round() + 0.5;
        if x >= LABEL_W {
            ctx.move_to(x, AXIS_H - 6.0);
            ctx.line_to(x, h);
        }
        t += step;
        ticks += 1;
    }
    ctx.stroke();
    ctx.set_fill_style_str(&palette.muted);
    let mut t = first;
    let mut ticks = 0;
    let mut last_right = LABEL_W;
    while t <= t_to && ticks < 200 {
        let x = view.x(t).round() + 0.5;
        let label = format_ms(t - origin);
        // 12 px monospace: about 7.3 px a character.
        let width = label.chars().count() as f64 * CHAR_W;
        // Right of its tick, or left of it at the canvas's edge; never cut, never overlapping.
        let left = if x + 3.0 + width <= w - 2.0 {
            x + 3.0
        } else {
            x - 3.0 - width
        };
        if x >= LABEL_W && left >= last_right {
            let _ = ctx.fill_text(&label, left, AXIS_H / 2.0);
            last_right = left + width + 6.0;
        }
        t += step;
        ticks += 1;
    }
}

/// Turns listed one by one at most; a window holding more is drawn column by column.
const MAX_TURN_ITEMS: usize = 4000;

fn event_loop(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
    t_from: f64,
    t_to: f64,
) {
    let model = scene.model;
    let y = AXIS_H + 3.0;
    let hgt = LOOP_H - 6.0;
    let items = {
        let w = &model.loop_wakes;
        let p = &model.loop_polls;
        (w.partition_point(|w| w.at <= t_to) - w.partition_point(|w| w.at < t_from))
            + (p.partition_point(|p| p.start <= t_to) - p.partition_point(|p| p.end < t_from))
    };
    if items > MAX_TURN_ITEMS {
        let cols = (geo.w - LABEL_W).ceil().max(1.0) as usize;
        let columns = loop_columns(model, t_from, view.ms_per_px, cols);
        let mut c = 0;
        while c < cols {
            let Some(kind) = columns[c] else {
                c += 1;
                continue;
            };
            let start = c;
            while c < cols && columns[c] == Some(kind) {
                c += 1;
            }
            ctx.set_fill_style_str(match kind {
                Some(a) => palette.wait(a),
                None => &palette.accent,
            });
            ctx.fill_rect(LABEL_W + start as f64, y, (c - start) as f64, hgt);
        }
        return;
    }
    for b in loop_blocks(model, t_from, t_to, view.ms_per_px) {
        let x0 = view.x(b.start).max(LABEL_W - 1.0);
        let x1 = view.x(b.end).min(geo.w + 1.0);
        let width = (x1 - x0).max(1.5);
        ctx.set_fill_style_str(cause_colour(model, palette, b.cause));
        ctx.fill_rect(x0, y, width, hgt);
        if width > 46.0 {
            ctx.set_fill_style_str(&palette.bg);
            let text = match b.wakes {
                0 | 1 => cause_label(model, b.cause),
                n => format!("{} ×{n}", cause_label(model, b.cause)),
            };
            let _ = ctx.fill_text(
                &clip(&text, (width / CHAR_W) as usize),
                x0 + 3.0,
                y + hgt / 2.0,
            );
        }
    }
}

fn rows(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
    t_from: f64,
    t_to: f64,
) {
    let layout = scene.layout;
    let first = view.top.floor().max(0.0) as usize;
    let last = (first + geo.rows_shown() as usize + 2).min(layout.rows.len());
    for (i, row) in layout.rows.iter().enumerate().take(last).skip(first) {
        let y = geo.row_y(view, i as f64);
        match row {
            Row::Lane { task, .. } => {
                let Some(lane) = scene.model.lane(*task) else {
                    continue;
                };
                if scene.selected == Some(*task) {
                    ctx.set_fill_style_str(&palette.line);
                    ctx.fill_rect(LABEL_W, y, geo.w - LABEL_W, LANE_H);
                }
                lane_row(ctx, scene.model, lane, view, palette, y, t_from, t_to);
            }
            Row::Group { members, .. } => {
                group_row(ctx, geo, scene.model, members, view, palette, y, t_from);
            }
        }
    }
    // Warnings, on the row of their task.
    ctx.set_fill_style_str(&palette.warn);
    for w in &scene.model.warnings {
        if w.t_ms < t_from || w.t_ms > t_to {
            continue;
        }
        let Some(row) = layout.row_of(w.task) else {
            continue;
        };
        if row < first || row >= last {
            continue;
        }
        let y = geo.row_y(view, row as f64);
        let x = view.x(w.t_ms);
        ctx.begin_path();
        ctx.move_to(x, y + 1.0);
        ctx.line_to(x + 5.0, y + LANE_H - 2.0);
        ctx.line_to(x - 5.0, y + LANE_H - 2.0);
        ctx.fill();
    }
}

/// Draws a horizontal stretch `[t0, t1]` at `y`, `thick` px high, if it shows.
fn stretch_rect(ctx: &CanvasRenderingContext2d, view: &View, t0: f64, t1: f64, y: f64, thick: f64) {
    let x0 = view.x(t0);
    let x1 = view.x(t1);
    if x1 - x0 >= 0.75 {
        ctx.fill_rect(x0, y, x1 - x0, thick);
    }
}

#[allow(clippy::too_many_arguments)]
fn lane_row(
    ctx: &CanvasRenderingContext2d,
    model: &Model,
    lane: &Lane,
    view: &View,
    palette: &Palette,
    y: f64,
    t_from: f64,
    t_to: f64,
) {
    let mid = y + LANE_H / 2.0;
    let life_end = lane.ended.unwrap_or(model.now);
    // Its life as a thin line, then what it waited for over it.
    let (a, b) = (lane.spawned.max(t_from), life_end.min(t_to));
    if b > a {
        ctx.set_fill_style_str(&palette.line);
        stretch_rect(ctx, view, a, b, mid - 0.5, 1.0);
    }
    let mut colour: Option<Await> = None;
    let mut scheduled: Vec<(f64, f64)> = Vec::new();
    model.stretches(lane, t_from, t_to, |t0, t1, s| match s {
        Stretch::Waiting(Await::Unknown, _) => {}
        Stretch::Waiting(a, _) => {
            if colour != Some(a) {
                ctx.set_fill_style_str(palette.wait(a));
                colour = Some(a);
            }
            stretch_rect(ctx, view, t0, t1, mid - 1.5, 3.0);
        }
        Stretch::Scheduled(_) => scheduled.push((t0, t1)),
    });
    // Scheduled: woken, waiting for its turn: a pale band of the poll colour.
    if !scheduled.is_empty() {
        ctx.set_fill_style_str(&palette.accent);
        ctx.set_global_alpha(0.3);
        for (t0, t1) in scheduled {
            stretch_rect(ctx, view, t0, t1, y + 5.0, LANE_H - 10.0);
        }
        ctx.set_global_alpha(1.0);
    }
    // Sleeps: from the timer's due time to when it fired, what lies past due is late.
    let late_from = lane
        .sleeps
        .partition_point(|s| s.due() < t_from - 1000.0 * 60.0);
    let mut any_late = false;
    for s in lane.sleeps.range(late_from..) {
        if s.start > t_to {
            break;
        }
        if s.requested <= 0.0 {
            continue;
        }
        let due = s.due();
        let fired = s.fired().unwrap_or_else(|| life_end.min(model.now));
        if fired < t_from || due > t_to {
            continue;
        }
        // A tick at the due time.
        let x = view.x(due);
        ctx.set_fill_style_str(palette.wait(Await::Timer));
        ctx.fill_rect(x - 0.5, y + 2.0, 1.0, LANE_H - 4.0);
        if fired > due {
            if !any_late {
                ctx.set_fill_style_str(&palette.fail);
                any_late = true;
            }
            stretch_rect(ctx, view, due, fired, y + 2.0, 3.0);
            ctx.set_fill_style_str(&palette.fail);
        }
    }
    // Polls as bars, one per pixel column at most.
    let colour = match lane.state {
        TaskState::Failed | TaskState::Cancelled => &palette.fail,
        _ => &palette.accent,
    };
    ctx.set_fill_style_str(colour);
    let mut last_px = f64::NEG_INFINITY;
    let polls = &lane.polls;
    let mut i = polls.partition_point(|p| p.end < t_from);
    while let Some(p) = polls.get(i) {
        if p.start > t_to {
            break;
        }
        let px0 = view.x(p.start);
        let px1 = view.x(p.end);
        if px1.floor() <= last_px {
            // Sub-pixel polls in a column already drawn: jump to the next column.
            let next_t = view.t(last_px + 1.0);
            i = i.max(polls.partition_point(|q| q.end < next_t)).max(i + 1);
            continue;
        }
        let width = (px1 - px0).max(1.0);
        ctx.fill_rect(px0, y + 3.0, width, LANE_H - 6.0);
        last_px = (px0 + width).floor();
        i += 1;
    }
    // Markers: spawn, and what ended it.
    if lane.spawned >= t_from && lane.spawned <= t_to && lane.spawned >= model.start {
        let x = view.x(lane.spawned);
        ctx.set_fill_style_str(&palette.ink);
        ctx.begin_path();
        ctx.move_to(x, y + 4.0);
        ctx.line_to(x + 5.0, mid);
        ctx.line_to(x, y + LANE_H - 4.0);
        ctx.fill();
    }
    let from = lane.markers.partition_point(|m| m.t < t_from);
    for m in lane.markers.range(from..) {
        if m.t > t_to {
            break;
        }
        marker(ctx, palette, &m.kind, view.x(m.t), mid);
    }
}

fn marker(ctx: &CanvasRenderingContext2d, palette: &Palette, kind: &MarkerKind, x: f64, mid: f64) {
    match kind {
        MarkerKind::Done => {
            ctx.set_fill_style_str(&palette.ok);
            ctx.begin_path();
            let _ = ctx.arc(x, mid, 3.5, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
        MarkerKind::Cancelled(_) | MarkerKind::Failed(_) => {
            ctx.set_stroke_style_str(&palette.fail);
            ctx.set_line_width(2.0);
            ctx.begin_path();
            ctx.move_to(x - 4.0, mid - 4.0);
            ctx.line_to(x + 4.0, mid + 4.0);
            ctx.move_to(x + 4.0, mid - 4.0);
            ctx.line_to(x - 4.0, mid + 4.0);
            ctx.stroke();
            ctx.set_line_width(1.0);
        }
        MarkerKind::AbortRequested(_) => {
            ctx.set_stroke_style_str(&palette.fail);
            ctx.begin_path();
            let _ = ctx.arc(x, mid, 4.0, 0.0, std::f64::consts::TAU);
            ctx.stroke();
        }
        // A `tracing` event: a small diamond above the lane's middle, coloured by its level.
        MarkerKind::Log(level, _) => {
            ctx.set_fill_style_str(match level {
                Level::Error => &palette.fail,
                Level::Warn => &palette.warn,
                Level::Info => &palette.accent,
                _ => &palette.muted,
            });
            let y = mid - 6.0;
            ctx.begin_path();
            ctx.move_to(x, y - 3.0);
            ctx.line_to(x + 3.0, y);
            ctx.line_to(x, y + 3.0);
            ctx.line_to(x - 3.0, y);
            ctx.close_path();
            ctx.fill();
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn group_row(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    model: &Model,
    members: &[TaskId],
    view: &View,
    palette: &Palette,
    y: f64,
    t_from: f64,
) {
    let cols = (geo.w - LABEL_W).ceil().max(1.0) as usize;
    let d = density(model, members, t_from, view.ms_per_px, cols);
    // What the members wait for, stacked; runs of columns split alike are one rect each.
    let room = LANE_H - 6.0;
    let bottom = y + 3.0 + room;
    let bands: Vec<Band> = (0..cols)
        .map(|c| band(&d.waits[c], d.scheduled[c], room))
        .collect();
    let mut c = 0;
    while c < cols {
        let split = bands[c];
        let start = c;
        c += 1;
        while c < cols && bands[c] == split {
            c += 1;
        }
        let mut top = bottom;
        for &(kind, px) in &split.parts[..split.len] {
            let px = f64::from(px);
            match Await::ALL.get(usize::from(kind)) {
                Some(Await::Unknown) => {
                    ctx.set_global_alpha(0.3);
                    ctx.set_fill_style_str(&palette.muted);
                }
                Some(a) => {
                    ctx.set_global_alpha(0.55);
                    ctx.set_fill_style_str(palette.wait(*a));
                }
                // Scheduled.
                None => {
                    ctx.set_global_alpha(0.3);
                    ctx.set_fill_style_str(&palette.accent);
                }
            }
            top -= px;
            ctx.fill_rect(LABEL_W + start as f64, top, (c - start) as f64, px);
        }
    }
    ctx.set_global_alpha(1.0);
    // How many poll at once: bars from the top, as high as their share of the busiest column.
    let most = d.busy.iter().copied().max().unwrap_or(0).max(1);
    ctx.set_fill_style_str(&palette.accent);
    let mut c = 0;
    while c < cols {
        let v = d.busy[c];
        if v == 0 {
            c += 1;
            continue;
        }
        let start = c;
        while c < cols && d.busy[c] == v {
            c += 1;
        }
        let hgt = (room * f64::from(v) / f64::from(most)).max(3.0);
        ctx.fill_rect(LABEL_W + start as f64, y + 3.0, (c - start) as f64, hgt);
    }
    // Failures and cancellations of members stand out.
    let mid = y + LANE_H / 2.0;
    let mut last_x = f64::NEG_INFINITY;
    for &m in members {
        let Some(lane) = model.lane(m) else { continue };
        for mk in &lane.markers {
            if matches!(mk.kind, MarkerKind::Cancelled(_) | MarkerKind::Failed(_)) {
                let x = view.x(mk.t);
                if (x - last_x).abs() >= 3.0 && x >= LABEL_W && x <= geo.w {
                    marker(ctx, palette, &mk.kind, x, mid);
                    last_x = x;
                }
            }
        }
    }
}

/// The labels in the gutter: the event loop's, each row's (indented), each track's.
fn labels(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
    peaks: &[u32],
) {
    ctx.set_fill_style_str(&palette.bg);
    ctx.fill_rect(0.0, AXIS_H, LABEL_W - 1.0, geo.h - AXIS_H);
    ctx.set_fill_style_str(&palette.muted);
    let _ = ctx.fill_text("event loop", 6.0, AXIS_H + LOOP_H / 2.0);
    ctx.save();
    ctx.begin_path();
    ctx.rect(
        0.0,
        geo.lanes_top,
        LABEL_W,
        geo.lanes_bottom - geo.lanes_top,
    );
    ctx.clip();
    let layout = scene.layout;
    let first = view.top.floor().max(0.0) as usize;
    let last = (first + geo.rows_shown() as usize + 2).min(layout.rows.len());
    for (i, row) in layout.rows.iter().enumerate().take(last).skip(first) {
        let y = geo.row_y(view, i as f64);
        let mid = y + LANE_H / 2.0;
        match row {
            Row::Lane { task, depth } => {
                if scene.selected == Some(*task) {
                    ctx.set_fill_style_str(&palette.line);
                    ctx.fill_rect(0.0, y, LABEL_W - 1.0, LANE_H);
                }
                let indent = 6.0 + 10.0 * (*depth).min(8) as f64;
                let chars = ((LABEL_W - indent - 4.0) / CHAR_W) as usize;
                let label = scene
                    .model
                    .lane(*task)
                    .map_or_else(|| task.to_string(), |l| l.label.clone());
                ctx.set_fill_style_str(&palette.ink);
                let _ = ctx.fill_text(&clip(&label, chars), indent, mid);
            }
            Row::Group {
                depth,
                label,
                expanded,
                ..
            } => {
                let indent = 6.0 + 10.0 * (*depth).min(8) as f64;
                let chars = ((LABEL_W - indent - 16.0) / CHAR_W) as usize;
                ctx.set_fill_style_str(&palette.accent);
                let _ = ctx.fill_text(if *expanded { "▾" } else { "▸" }, indent, mid);
                ctx.set_fill_style_str(&palette.ink);
                let _ = ctx.fill_text(&clip(label, chars), indent + 12.0, mid);
            }
        }
    }
    ctx.restore();
    for (i, track) in scene.layout.tracks.iter().enumerate() {
        let y = geo.track_y(i);
        let (name, what) = track_names(scene.model, track);
        ctx.set_fill_style_str(&palette.ink);
        let _ = ctx.fill_text(&clip(&name, 22), 6.0, y + 11.0);
        ctx.set_fill_style_str(&palette.muted);
        let peak = peaks.get(i).map_or(String::new(), |p| format!("peak {p}"));
        let line = if what.is_empty() {
            peak
        } else {
            format!("{what}, {peak}")
        };
        let _ = ctx.fill_text(&clip(&line, 22), 6.0, y + 24.0);
    }
}

/// A track's two label lines: what it counts ("lock: holders"), and against what ("1 permit").
pub(super) fn track_names(model: &Model, track: &Track) -> (String, String) {
    match track {
        Track::Counter(r) => {
            let info = model.resource(*r);
            let name = info.map_or_else(|| r.to_string(), |i| i.meta.name.to_string());
            let kind = model.counter(*r).map(|c| c.kind);
            let what = if kind == Some(ResourceKind::Channel) {
                "depth"
            } else {
                "holders"
            };
            let cap = match (kind, info.and_then(|i| i.cap())) {
                (Some(ResourceKind::Semaphore), Some(1)) => "1 permit".to_string(),
                (Some(ResourceKind::Semaphore), Some(p)) => format!("{p} permits"),
                (Some(ResourceKind::Channel), Some(c)) => format!("capacity {c}"),
                _ => String::new(),
            };
            (format!("{name}: {what}"), cap)
        }
        Track::Flights(class) => {
            let label = class.label();
            match label.split_once(" in ") {
                Some((what, _)) => (what.to_string(), "in flight".to_string()),
                None => (label, String::new()),
            }
        }
    }
}

/// A track's steps over `[from, to]`: `(t, value)` with the value before `from` first.
pub(super) fn track_steps(model: &Model, track: &Track, from: f64, to: f64) -> Vec<(f64, u32)> {
    match track {
        Track::Counter(r) => {
            let Some(c) = model.counter(*r) else {
                return Vec::new();
            };
            let i = c.points.partition_point(|p| p.1 < from);
            let mut steps: Vec<(f64, u32)> = Vec::new();
            if i > 0 {
                steps.push((from, c.points[i - 1].2));
            }
            for p in c.points.range(i..) {
                if p.1 > to {
                    break;
                }
                steps.push((p.1, p.2));
            }
            steps
        }
        Track::Flights(class) => {
            let mut edges: Vec<(f64, i32)> = Vec::new();
            for f in model.flights_in(from, to) {
                if &f.class != class {
                    continue;
                }
                edges.push((f.start.max(from), 1));
                if let Some(end) = f.end {
                    edges.push((end, -1));
                }
            }
            edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            let mut v = 0i32;
            let mut steps = vec![(from, 0)];
            for (t, d) in edges {
                v += d;
                steps.push((t, v.max(0) as u32));
            }
            steps
        }
    }
}

/// Draws the counter tracks; gives each one's peak in view.
fn tracks(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
    t_from: f64,
    t_to: f64,
) -> Vec<u32> {
    let model = scene.model;
    let mut peaks = Vec::with_capacity(scene.layout.tracks.len());
    for (i, track) in scene.layout.tracks.iter().enumerate() {
        let y = geo.track_y(i);
        let steps = track_steps(model, track, t_from, t_to);
        let cap = match track {
            Track::Counter(r) => model.resource(*r).and_then(|i| i.cap()),
            Track::Flights(_) => None,
        };
        let peak = steps.iter().map(|s| s.1).max().unwrap_or(0);
        peaks.push(peak);
        let top = f64::from(peak.max(cap.unwrap_or(0)).max(1));
        let room = TRACK_H - 14.0;
        let base = y + TRACK_H - 4.0;
        let colour = match track {
            Track::Counter(r) => match model.counter(*r).map(|c| c.kind) {
                Some(ResourceKind::Channel) => palette.wait(Await::Channel),
                _ => palette.wait(Await::Semaphore),
            },
            Track::Flights(super::model::FlightClass::Fetch) => palette.wait(Await::Fetch),
            Track::Flights(_) => palette.wait(Await::IndexedDb),
        };
        // Steps: each value until the next; per pixel column the highest (a peak never hides).
        ctx.set_fill_style_str(colour);
        ctx.set_global_alpha(0.7);
        let end_t = model.now.min(t_to).max(t_from);
        let mut k = 0;
        while k < steps.len() {
            let (t0, _) = steps[k];
            let x0 = view.x(t0).floor();
            let mut v = steps[k].1;
            let mut j = k + 1;
            while j < steps.len() && view.x(steps[j].0).floor() <= x0 {
                v = v.max(steps[j].1);
                j += 1;
            }
            let t1 = steps.get(j).map_or(end_t, |s| s.0);
            let x1 = view.x(t1).max(x0 + 1.0);
            if v > 0 {
                let hgt = room * f64::from(v) / top;
                ctx.fill_rect(x0, base - hgt, x1 - x0, hgt);
            }
            k = j;
        }
        ctx.set_global_alpha(1.0);
        // The cap (permits, capacity): never above it, as the eye can check.
        if let Some(cap) = cap {
            // Just above a bar at the cap, so that both show.
            let cy = (base - room * f64::from(cap) / top).round() - 1.5;
            ctx.set_stroke_style_str(&palette.fail);
            let _ = ctx.set_line_dash(&js_dash());
            ctx.begin_path();
            ctx.move_to(LABEL_W, cy);
            ctx.line_to(geo.w, cy);
            ctx.stroke();
            let _ = ctx.set_line_dash(&js_sys::Array::new());
        }
        ctx.set_fill_style_str(&palette.line);
        ctx.fill_rect(LABEL_W, y + TRACK_H - 1.0, geo.w - LABEL_W, 1.0);
    }
    peaks
}

fn js_dash() -> js_sys::Array {
    let a = js_sys::Array::new();
    a.push(&4.into());
    a.push(&3.into());
    a
}

/// Wake arrows, from the waker's row (or the event loop's lane) to the poll they caused; where
/// several leave one row for another within a few pixels, one thicker arrow with their count.
/// Where even those are too many to follow, only the selected task's are drawn.
fn arrows(
    ctx: &CanvasRenderingContext2d,
    geo: &Geometry,
    scene: &Scene<'_>,
    view: &View,
    palette: &Palette,
    t_from: f64,
    t_to: f64,
) {
    let model = scene.model;
    let layout = scene.layout;
    let wakes = &model.wakes;
    let from = wakes.partition_point(|wk| wk.at < t_from - view.ms_per_px * 50.0);
    let to = wakes.partition_point(|wk| wk.at <= t_to);
    let shown = to.saturating_sub(from);
    // A note at the bottom right of the lanes, on a plate of its own.
    let note = |text: &str| {
        let width = text.chars().count() as f64 * CHAR_W + 12.0;
        let x = (geo.w - width - 4.0).max(LABEL_W + 2.0);
        let y = geo.lanes_bottom - LANE_H;
        ctx.set_fill_style_str(&palette.bg);
        ctx.set_global_alpha(0.85);
        ctx.fill_rect(x, y + 1.0, width, LANE_H - 2.0);
        ctx.set_global_alpha(1.0);
        ctx.set_fill_style_str(&palette.muted);
        let _ = ctx.fill_text(text, x + 6.0, y + LANE_H / 2.0);
    };
    let selected = scene
        .selected
        .and_then(|t| layout.row_of(t))
        .map(|r| r as i64);
    if shown > MAX_ARROW_WAKES && selected.is_none() {
        note(&format!(
            "{shown} wakes in view: zoom in, or click a lane, to see their arrows"
        ));
        return;
    }
    let loop_y = AXIS_H + LOOP_H / 2.0;
    let row_mid = |row: usize| geo.row_y(view, row as f64) + LANE_H / 2.0;
    let (mut merged, complete) = merge_arrows(model, layout, view, from..to, None, MAX_ARROWS);
    let dense = !complete;
    if dense {
        let Some(row) = selected else {
            note(&format!(
                "{shown} wakes in view: zoom in, or click a lane, to see their arrows"
            ));
            return;
        };
        merged = merge_arrows(model, layout, view, from..to, Some(row), MAX_ARROWS).0;
    }
    ctx.set_stroke_style_str(&palette.muted);
    ctx.set_fill_style_str(&palette.muted);
    let (top, bottom) = (geo.lanes_top, geo.lanes_bottom);
    let mut drawn = 0;
    for a in merged {
        let y0 = if a.from_row < 0 {
            loop_y
        } else {
            row_mid(a.from_row as usize)
        };
        let y1 = row_mid(a.to_row as usize);
        let outside = |y: f64| y < top || y > bottom;
        if (a.from_row >= 0 && outside(y0) && outside(y1) && (y0 < top) == (y1 < top))
            || (a.from_row < 0 && outside(y1) && y1 < top)
        {
            continue;
        }
        let y0c = if a.from_row < 0 {
            y0
        } else {
            y0.clamp(top, bottom)
        };
        let y1c = y1.clamp(top, bottom);
        let width = 1.0 + f64::from(a.count).log2().min(3.0);
        ctx.set_line_width(width);
        ctx.begin_path();
        ctx.move_to(a.x0, y0c);
        ctx.line_to(a.x1, y1c);
        ctx.stroke();
        if !outside(y1) {
            let dir = if y1 >= y0 { -1.0 } else { 1.0 };
            ctx.begin_path();
            ctx.move_to(a.x1, y1);
            ctx.line_to(a.x1 - 2.5 - width / 2.0, y1 + 5.0 * dir);
            ctx.line_to(a.x1 + 2.5 + width / 2.0, y1 + 5.0 * dir);
            ctx.fill();
        }
        if a.count > 1 && !dense {
            let _ = ctx.fill_text(
                &format!("×{}", a.count),
                (a.x0 + a.x1) / 2.0 + 4.0,
                (y0c + y1c) / 2.0,
            );
        }
        drawn += 1;
    }
    ctx.set_line_width(1.0);
    if dense {
        note(&format!(
            "{shown} wakes in view: the selected task's {drawn} shown; zoom in to see the rest"
        ));
    }
}

/// Arrows drawn at most (each may stand for many wakes) before only the selected task's are.
const MAX_ARROWS: usize = 80;

/// Wake arrows merged: those leaving one row for another within 4 px are one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrow {
    /// -1: the event loop's lane.
    pub from_row: i64,
    pub to_row: i64,
    pub x0: f64,
    pub x1: f64,
    pub count: u32,
}

/// The arrows of the wakes `range` of `model.wakes` (only those to or from row `only`, if
/// given), merged, in the order first seen; at most `limit` of them: `false` if there were more.
pub fn merge_arrows(
    model: &Model,
    layout: &Layout,
    view: &View,
    range: std::ops::Range<usize>,
    only: Option<i64>,
    limit: usize,
) -> (Vec<Arrow>, bool) {
    let mut index: IdMap<(i64, i64, i64), usize> = IdMap::default();
    let mut out: Vec<Arrow> = Vec::new();
    for wake in model.wakes.range(range) {
        let Some(to_row) = layout.row_of(wake.to).map(|r| r as i64) else {
            continue;
        };
        let from_row: i64 = match wake.from {
            Some(t) => match layout.row_of(t) {
                Some(r) => r as i64,
                None => continue,
            },
            None => -1,
        };
        if from_row == to_row || only.is_some_and(|r| r != from_row && r != to_row) {
            continue; // a self-wake or one within a folded group; or not the selected task's
        }
        let x0 = view.x(wake.at);
        let key = ((x0 / 4.0).floor() as i64, from_row, to_row);
        if let Some(&i) = index.get(&key) {
            out[i].count += 1;
            continue;
        }
        let Some(poll_at) = model.lane(wake.to).and_then(|l| l.poll_after(wake.seq)) else {
            continue;
        };
        if out.len() == limit {
            return (out, false);
        }
        index.insert(key, out.len());
        out.push(Arrow {
            from_row,
            to_row,
            x0,
            x1: view.x(poll_at),
            count: 1,
        });
    }
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_and_t_are_inverse_and_zoom_keeps_the_anchor_still() {
        let mut view = View::new();
        view.t0 = 100.0;
        view.ms_per_px = 0.5;
        let x = 400.0;
        assert!((view.x(view.t(x)) - x).abs() < 1e-9);
        let anchor = view.t(x);
        view.zoom_at(x, 0.25);
        assert!((view.t(x) - anchor).abs() < 1e-9);
        assert_eq!(view.ms_per_px, 0.125);
        assert!(!view.follow, "zooming stops following");
    }

    #[test]
    fn fit_leaves_room_for_the_markers_at_both_ends() {
        let mut view = View::new();
        view.fit(1000.0, 3000.0, 1180.0);
        assert!(
            view.x(1000.0) >= LABEL_W + 10.0,
            "the first spawn is drawn whole"
        );
        assert!(view.x(3000.0) <= 1180.0 - 10.0, "the last marker too");
        assert!(view.x(3000.0) > 1150.0, "but no more margin than that");
    }

    #[test]
    fn lane_scrolling_stops_at_the_last_row_and_reset_goes_back_to_the_first() {
        let geo = Geometry::new(1200.0, AXIS_H + LOOP_H + 10.0 * LANE_H, 0);
        assert_eq!(geo.rows_shown(), 10.0);
        let mut view = View::new();
        view.pan(0.0, -LANE_H * 100.0, geo.max_top(25));
        assert_eq!(view.top, 15.0, "the last row at the bottom, not past it");
        view.pan(0.0, LANE_H * 100.0, geo.max_top(25));
        assert_eq!(view.top, 0.0);
        view.pan(0.0, -LANE_H * 3.0, geo.max_top(5));
        assert_eq!(view.top, 0.0, "fewer rows than room: nothing to scroll");
        view.top = 7.0;
        view.reset(0.0, 100.0, 1200.0);
        assert_eq!(view.top, 0.0);
        assert!(view.follow, "fitting does not stop following");
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_step(0.01), 2.0);
        assert_eq!(nice_step(1.0), 200.0);
        assert_eq!(nice_step(10.0), 2000.0);
    }

    #[test]
    fn times_read_in_the_right_unit() {
        assert_eq!(format_ms(1500.0), "1.50 s");
        assert_eq!(format_ms(12.34), "12.3 ms");
        assert_eq!(format_ms(0.25), "250 µs");
    }
}
