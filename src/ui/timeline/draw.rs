//! Drawing the timeline on a canvas, and what lies under the pointer. Only what is visible is
//! drawn, at most about one shape per pixel column per row, so 100,000 events draw as fast as
//! ten.
//!
//! From the top: the time axis; the event loop's lane (pinned), its macrotasks as blocks; the
//! lanes (scrolling), each task's polls as bars, the stretches between them coloured by what it
//! waited for, scheduled time as a pale band, sleeps' lateness, markers, a folded group as a
//! density strip; wake arrows, merged where dense; then the counter tracks (pinned).

use std::collections::HashMap;

use web_sys::CanvasRenderingContext2d;

use super::layout::{GroupKey, Layout, Row, Track};
use super::model::{Await, Lane, MarkerKind, Model, PollCause, Stretch, Wake};
use crate::trace::{ResourceKind, TaskId, TaskState, WakeSource};

pub const LABEL_W: f64 = 170.0;
pub const AXIS_H: f64 = 22.0;
/// The event loop's lane, pinned under the axis.
pub const LOOP_H: f64 = 22.0;
pub const LANE_H: f64 = 20.0;
/// A counter track, pinned at the bottom.
pub const TRACK_H: f64 = 34.0;
/// Wakes looked at for arrows per frame; a denser window asks to zoom in.
const MAX_ARROW_WAKES: usize = 20_000;
/// The width of a character of the 12 px monospace font, about.
const CHAR_W: f64 = 7.3;
/// Polls one macrotask's checkpoint may leave between them and still be one turn.
const SAME_TURN_MS: f64 = 0.5;

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

/// What is under the pointer: a hover card's lines, and what a click there does.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub text: String,
    pub task: Option<TaskId>,
    /// A group's row: a click on its label opens or closes it.
    pub group: Option<GroupKey>,
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
fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Where something causing a block on the event loop's lane came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cause {
    /// A wake from the loop: a timer, a fetch, a request, JS.
    Wake(WakeSource),
    /// Polls with no wake from the loop before them (a spawn, a microtask).
    Polls,
}

/// A turn of the event loop as the lane shows it: what started it, and the polls it ran.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub start: f64,
    pub end: f64,
    pub cause: Cause,
    /// Tasks the loop woke (a timer firing for 500 sleeps is one block).
    pub wakes: usize,
    pub polls: usize,
    /// Time inside those polls.
    pub busy: f64,
    pub first_task: Option<TaskId>,
}

/// The event loop's turns over `[from, to]`: each wake from the loop starts one, and the polls
/// the loop ran right after belong to it; turns closer than `merge_ms` are drawn as one.
pub fn loop_blocks(model: &Model, from: f64, to: f64, merge_ms: f64) -> Vec<Block> {
    let wakes = &model.wakes;
    let polls = &model.loop_polls;
    let mut wi = wakes.partition_point(|w| w.at < from);
    let mut pi = polls.partition_point(|p| p.end < from);
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    let gap = SAME_TURN_MS.max(merge_ms);
    loop {
        let wake = wakes.get(wi).filter(|w| w.at <= to);
        let poll = polls.get(pi).filter(|p| p.start <= to);
        let take_wake = match (wake, poll) {
            (Some(w), Some(p)) => w.at <= p.start,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_wake {
            let w = wakes[wi];
            wi += 1;
            // Wakes of tasks the recorder forgot stay until their events leave the log, unseen.
            if !w.from_loop() || model.lane(w.to).is_none() {
                continue;
            }
            match &mut current {
                Some(b) if (b.polls == 0 && w.at - b.end <= gap) || w.at - b.end <= merge_ms => {
                    b.wakes += 1;
                    b.end = b.end.max(w.at);
                }
                _ => {
                    blocks.extend(current.take());
                    current = Some(Block {
                        start: w.at,
                        end: w.at,
                        cause: Cause::Wake(w.by),
                        wakes: 1,
                        polls: 0,
                        busy: 0.0,
                        first_task: Some(w.to),
                    });
                }
            }
        } else {
            let p = polls[pi];
            pi += 1;
            if model.lane(p.task).is_none() {
                continue;
            }
            match &mut current {
                Some(b) if b.polls == 0 || p.start - b.end <= gap => {
                    b.end = b.end.max(p.end);
                    b.polls += 1;
                    b.busy += p.end - p.start;
                    b.first_task.get_or_insert(p.task);
                }
                _ => {
                    blocks.extend(current.take());
                    current = Some(Block {
                        start: p.start,
                        end: p.end,
                        cause: Cause::Polls,
                        wakes: 0,
                        polls: 1,
                        busy: p.end - p.start,
                        first_task: Some(p.task),
                    });
                }
            }
        }
    }
    blocks.extend(current);
    blocks
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
    }
}

/// Per pixel column of a folded group: how many members were polling, scheduled, and waiting
/// for each thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Density {
    pub busy: Vec<u32>,
    pub scheduled: Vec<u32>,
    /// By [`Await::index`].
    pub waits: Vec<[u32; 11]>,
}

/// The density of `members` over `cols` pixel columns from `t_from`, `ms_per_px` wide each.
pub fn density(
    model: &Model,
    members: &[TaskId],
    t_from: f64,
    ms_per_px: f64,
    cols: usize,
) -> Density {
    let t_to = t_from + ms_per_px * cols as f64;
    // Differences per column, summed after: each stretch costs two additions, not its width.
    let col = |t: f64| (((t - t_from) / ms_per_px).floor().max(0.0) as usize).min(cols);
    let n = Await::ALL.len();
    let mut busy = vec![0i64; cols + 1];
    let mut sched = vec![0i64; cols + 1];
    let mut waits = vec![0i64; (cols + 1) * n];
    for &m in members {
        let Some(lane) = model.lane(m) else { continue };
        for p in lane.polls_in(t_from, t_to) {
            busy[col(p.start)] += 1;
            busy[(col(p.end) + 1).min(cols)] -= 1;
        }
        model.stretches(lane, t_from, t_to, |t0, t1, s| {
            let (c0, c1) = (col(t0), (col(t1) + 1).min(cols));
            match s {
                Stretch::Waiting(a, _) => {
                    waits[c0 * n + a.index()] += 1;
                    waits[c1 * n + a.index()] -= 1;
                }
                Stretch::Scheduled(_) => {
                    sched[c0] += 1;
                    sched[c1] -= 1;
                }
            }
        });
    }
    let mut out = Density {
        busy: Vec::with_capacity(cols),
        scheduled: Vec::with_capacity(cols),
        waits: Vec::with_capacity(cols),
    };
    let (mut b, mut s) = (0i64, 0i64);
    let mut w = [0i64; 11];
    for c in 0..cols {
        b += busy[c];
        s += sched[c];
        let mut column = [0u32; 11];
        for k in 0..n {
            w[k] += waits[c * n + k];
            column[k] = w[k].max(0) as u32;
        }
        out.busy.push(b.max(0) as u32);
        out.scheduled.push(s.max(0) as u32);
        out.waits.push(column);
    }
    out
}

/// How a column of a group's band is split: (what, px) from the bottom, every kind present at
/// least 2 px high so that one task among 500 still shows.
fn band(column: &[u32; 11], scheduled: u32, room: f64) -> Vec<(Option<Await>, u8)> {
    let mut parts: Vec<(Option<Await>, u32)> = Await::ALL
        .iter()
        .map(|a| (Some(*a), column[a.index()]))
        .chain(std::iter::once((None, scheduled)))
        .filter(|p| p.1 > 0)
        .collect();
    if parts.is_empty() {
        return Vec::new();
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    let total: u32 = parts.iter().map(|p| p.1).sum();
    let minor = 2.0 * (parts.len() - 1) as f64;
    let mut out: Vec<(Option<Await>, u8)> = Vec::with_capacity(parts.len());
    let mut left = room;
    for (i, (what, count)) in parts.iter().enumerate() {
        let px = if i == 0 {
            (room - minor)
                .max(2.0)
                .min(room * f64::from(*count) / f64::from(total) + minor)
        } else {
            (room * f64::from(*count) / f64::from(total)).max(2.0)
        };
        let px = px.min(left).round();
        left -= px;
        out.push((*what, px as u8));
    }
    // The largest first, at the bottom.
    out
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
    let mut c = 0;
    while c < cols {
        let split = band(&d.waits[c], d.scheduled[c], room);
        let start = c;
        c += 1;
        while c < cols && band(&d.waits[c], d.scheduled[c], room) == split {
            c += 1;
        }
        let mut top = bottom;
        for (what, px) in split {
            let px = f64::from(px);
            match what {
                Some(Await::Unknown) | None => {
                    ctx.set_global_alpha(0.3);
                    ctx.set_fill_style_str(if what.is_none() {
                        &palette.accent
                    } else {
                        &palette.muted
                    });
                }
                Some(a) => {
                    ctx.set_global_alpha(0.55);
                    ctx.set_fill_style_str(palette.wait(a));
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
fn track_names(model: &Model, track: &Track) -> (String, String) {
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
fn track_steps(model: &Model, track: &Track, from: f64, to: f64) -> Vec<(f64, u32)> {
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
            let cy = (base - room * f64::from(cap) / top).round() + 0.5;
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
    let merged = merge_arrows(model, layout, view, from, to);
    let dense = merged.len() > MAX_ARROWS;
    if dense && selected.is_none() {
        note(&format!(
            "{shown} wakes in view: zoom in, or click a lane, to see their arrows"
        ));
        return;
    }
    ctx.set_stroke_style_str(&palette.muted);
    ctx.set_fill_style_str(&palette.muted);
    let (top, bottom) = (geo.lanes_top, geo.lanes_bottom);
    let mut drawn = 0;
    for a in merged {
        if dense && Some(a.from_row) != selected && Some(a.to_row) != selected {
            continue;
        }
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

/// The arrows of the wakes `from..to` of `model.wakes`, merged, in the order first seen.
pub fn merge_arrows(
    model: &Model,
    layout: &Layout,
    view: &View,
    from: usize,
    to: usize,
) -> Vec<Arrow> {
    let mut index: HashMap<(i64, i64, i64), usize> = HashMap::new();
    let mut out: Vec<Arrow> = Vec::new();
    for wake in model.wakes.range(from..to) {
        let Some(lane) = model.lane(wake.to) else {
            continue;
        };
        let Some(to_row) = layout.row_of(wake.to) else {
            continue;
        };
        let from_row: i64 = match wake.from {
            Some(t) => match layout.row_of(t) {
                Some(r) => r as i64,
                None => continue,
            },
            None => -1,
        };
        if from_row == to_row as i64 {
            continue; // a self-wake, or within one folded group
        }
        let Some(poll_at) = lane.poll_after(wake.seq) else {
            continue;
        };
        let x0 = view.x(wake.at);
        let key = ((x0 / 4.0).floor() as i64, from_row, to_row as i64);
        match index.get(&key) {
            Some(&i) => out[i].count += 1,
            None => {
                index.insert(key, out.len());
                out.push(Arrow {
                    from_row,
                    to_row: to_row as i64,
                    x0,
                    x1: view.x(poll_at),
                    count: 1,
                });
            }
        }
    }
    out
}

/// What lies under (x, y): a poll, a stretch, a sleep, a marker, a block, a track's value, a
/// row.
pub fn hit(geo: &Geometry, scene: &Scene<'_>, view: &View, x: f64, y: f64) -> Option<Hit> {
    let model = scene.model;
    let origin = scene.origin;
    let at = |t: f64| format_ms(t - origin);
    let t = view.t(x);
    let slack = view.ms_per_px * 4.0;
    if y < AXIS_H {
        return None;
    }
    if y < geo.lanes_top {
        if x < LABEL_W {
            return Some(plain(
                "The event loop: each block is a turn (a timer firing, a fetch settling, JS) and the polls it ran.",
            ));
        }
        let blocks = loop_blocks(model, t - slack, t + slack, view.ms_per_px);
        let b = blocks
            .iter()
            .min_by(|a, b| dist(a.start, a.end, t).total_cmp(&dist(b.start, b.end, t)))?;
        let what = match b.cause {
            Cause::Wake(WakeSource::Timer) => "a timer fired".to_string(),
            Cause::Wake(by @ WakeSource::Fetch(_)) => format!("{} settled", model.source_label(by)),
            Cause::Wake(by @ WakeSource::Request(_)) => {
                format!("{} settled", model.source_label(by))
            }
            Cause::Wake(WakeSource::External) => "a JS callback ran".to_string(),
            Cause::Wake(by) => format!("{} from outside the tasks", model.source_label(by)),
            Cause::Polls => "the loop polled tasks (a spawn, a microtask)".to_string(),
        };
        let mut text = format!("{} at {}: {what}", "Event loop", at(b.start));
        if b.wakes > 0 {
            text.push_str(&format!(
                ", waking {} task{}",
                b.wakes,
                if b.wakes == 1 { "" } else { "s" }
            ));
        }
        if let Some(first) = b.first_task {
            text.push_str(&format!(
                " ({}{})",
                model.task_label(first),
                if b.wakes + b.polls > 1 { ", …" } else { "" }
            ));
        }
        text.push_str(&format!(
            "\n{} poll{} in {} ({} busy)",
            b.polls,
            if b.polls == 1 { "" } else { "s" },
            format_ms(b.end - b.start),
            format_ms(b.busy)
        ));
        return Some(plain(&text));
    }
    if y >= geo.lanes_bottom {
        let i = ((y - geo.lanes_bottom) / TRACK_H).floor() as usize;
        let track = scene.layout.tracks.get(i)?;
        let (name, what) = track_names(model, track);
        let steps = track_steps(model, track, t, t);
        let v = steps.last().map_or(0, |s| s.1);
        let what = if what.is_empty() {
            String::new()
        } else {
            format!(" ({what})")
        };
        return Some(plain(&format!("{name}{what}: {v} at {}", at(t))));
    }
    let row = geo.row_at(view, y)?;
    match scene.layout.rows.get(row)? {
        Row::Group {
            key,
            members,
            descendants,
            expanded,
            label,
            ..
        } => {
            let mut text = format!("{label}: {} tasks", members.len());
            if *descendants > 0 {
                text.push_str(&format!(" (and {descendants} under them)"));
            }
            if x >= LABEL_W {
                text.push_str(&format!("\nat {}: {}", at(t), group_at(model, members, t)));
            }
            text.push_str(if *expanded {
                "\nclick its name to fold it"
            } else {
                "\nclick its name to show each task"
            });
            Some(Hit {
                text,
                task: None,
                group: Some(key.clone()),
            })
        }
        Row::Lane { task, .. } => {
            let lane = model.lane(*task)?;
            let label = &lane.label;
            let task = Some(*task);
            if x < LABEL_W {
                let mut text = format!(
                    "{label}: {}\nspawned at {}",
                    lane.state.as_str(),
                    lane.location
                );
                if let Some(p) = lane.parent {
                    text.push_str(&format!(" by {}", model.task_label(p)));
                }
                return Some(Hit {
                    text,
                    task,
                    group: None,
                });
            }
            Some(Hit {
                text: lane_at(model, lane, t, slack, origin),
                task,
                group: None,
            })
        }
    }
}

fn plain(text: &str) -> Hit {
    Hit {
        text: text.to_string(),
        task: None,
        group: None,
    }
}

fn dist(start: f64, end: f64, t: f64) -> f64 {
    if t < start {
        start - t
    } else if t > end {
        t - end
    } else {
        0.0
    }
}

/// What woke a poll, in words with names.
fn woke_text(model: &Model, woke: PollCause, start: f64, origin: f64) -> String {
    match woke {
        PollCause::Wake(w) => {
            let mut s = format!("woken by {}", model.source_label(w.by));
            match (w.by, w.from) {
                (WakeSource::ItSelf, _) | (WakeSource::Task(_), _) => {}
                (_, Some(from)) => s.push_str(&format!(" in {}'s poll", model.task_label(from))),
                (_, None) => {}
            }
            s.push_str(&format!(
                " at {}, polled {} later",
                format_ms(w.at - origin),
                format_ms(start - w.at)
            ));
            s
        }
        PollCause::Unwoken => {
            "not woken: its first poll after its spawn, or polled by its parent".to_string()
        }
        PollCause::Forgotten => "what woke it is older than the kept events".to_string(),
    }
}

/// The hover card of a lane at time `t`.
fn lane_at(model: &Model, lane: &Lane, t: f64, slack: f64, origin: f64) -> String {
    let first = model.first_seq();
    let label = &lane.label;
    let at = |t: f64| format_ms(t - origin);
    if let Some(m) = lane.markers.iter().find(|m| (m.t - t).abs() <= slack) {
        let what = match &m.kind {
            MarkerKind::Done => "completed".to_string(),
            MarkerKind::Cancelled(reason) => format!("cancelled ({reason})"),
            MarkerKind::Failed(e) => format!("failed: {e}"),
            MarkerKind::AbortRequested(Some(by)) => {
                format!("abort asked by {}", model.task_label(*by))
            }
            MarkerKind::AbortRequested(None) => "abort asked from outside the tasks".to_string(),
        };
        return format!("{label} at {}: {what}", at(m.t));
    }
    if let Some(w) = model
        .warnings
        .iter()
        .find(|w| w.task == lane.task && (w.t_ms - t).abs() <= slack)
    {
        return format!("at {}: {w}", at(w.t_ms));
    }
    if (lane.spawned - t).abs() <= slack {
        let mut s = format!("{label} spawned at {}", at(lane.spawned));
        if let Some(p) = lane.parent {
            s.push_str(&format!(" by {}", model.task_label(p)));
        }
        return s;
    }
    // A poll under the pointer (or within a few pixels of it).
    let near = lane
        .polls_in(t - slack, t + slack)
        .min_by(|a, b| dist(a.start, a.end, t).total_cmp(&dist(b.start, b.end, t)));
    if let Some(p) = near {
        return format!(
            "{label}: poll at {}, took {}{}\n{}",
            at(p.start),
            format_ms(p.end - p.start),
            if p.ready { ", ready" } else { "" },
            woke_text(model, p.cause(first), p.start, origin)
        );
    }
    if let Some(s) = lane
        .sleeps
        .iter()
        .find(|s| t >= s.start && t <= s.fired().unwrap_or(model.now).max(s.due()) + slack)
    {
        let fired = s.fired();
        let mut text = format!(
            "{label}: sleep({}) from {}, due at {}",
            format_ms(s.requested),
            at(s.start),
            at(s.due())
        );
        match fired {
            Some(f) => text.push_str(&format!(
                ", fired at {}: {} late",
                at(f),
                format_ms((f - s.due()).max(0.0))
            )),
            None => text.push_str(", not fired yet"),
        }
        return text;
    }
    let mut found: Option<String> = None;
    model.stretches(lane, t - slack, t + slack, |t0, t1, s| {
        if found.is_some() || t < t0 - slack || t > t1 + slack {
            return;
        }
        found = Some(match s {
            Stretch::Waiting(a, woke) => {
                let mut text = format!(
                    "{label}: waiting for {} from {} ({})",
                    match woke {
                        Some(w) => model.source_label(w.by),
                        None => a.label().to_string(),
                    },
                    at(t0),
                    format_ms(t1 - t0)
                );
                if let Some(w) = woke {
                    if let (Some(from), false) = (
                        w.from,
                        matches!(w.by, WakeSource::Task(_) | WakeSource::ItSelf),
                    ) {
                        text.push_str(&format!("\nwoken in {}'s poll", model.task_label(from)));
                    }
                }
                text
            }
            Stretch::Scheduled(woke) => format!(
                "{label}: scheduled from {} ({}), {}",
                at(t0),
                format_ms(t1 - t0),
                match woke {
                    Some(w) => format!("woken by {}", model.source_label(w.by)),
                    None => "waiting for its first poll".to_string(),
                }
            ),
        });
    });
    found.unwrap_or_else(|| format!("{label} ({})", lane.state.as_str()))
}

/// What a group's members were doing at `t`: how many polled, were scheduled, waited for what.
pub fn group_at(model: &Model, members: &[TaskId], t: f64) -> String {
    let mut polling = 0;
    let mut scheduled = 0;
    let mut waits: Vec<(Await, u32)> = Vec::new();
    let mut done = 0;
    for &m in members {
        let Some(lane) = model.lane(m) else { continue };
        if lane.ended.is_some_and(|e| e < t) {
            done += 1;
            continue;
        }
        if lane.polls_in(t, t).next().is_some() {
            polling += 1;
            continue;
        }
        let mut what: Option<Stretch> = None;
        model.stretches(lane, t, t, |t0, t1, s| {
            if t >= t0 && t <= t1 && what.is_none() {
                what = Some(s);
            }
        });
        match what {
            Some(Stretch::Scheduled(_)) => scheduled += 1,
            Some(Stretch::Waiting(a, _)) => match waits.iter_mut().find(|w| w.0 == a) {
                Some(w) => w.1 += 1,
                None => waits.push((a, 1)),
            },
            None => {}
        }
    }
    waits.sort_by_key(|w| std::cmp::Reverse(w.1));
    let mut parts = vec![format!("{polling} polling")];
    if scheduled > 0 {
        parts.push(format!("{scheduled} scheduled"));
    }
    for (a, n) in waits {
        parts.push(format!("{n} waiting for {}", a.label()));
    }
    if done > 0 {
        parts.push(format!("{done} finished"));
    }
    parts.join(", ")
}

/// Which wake of `model` caused the poll of `task` at `start` (for tests and the card).
pub fn wake_for(model: &Model, task: TaskId, start: f64) -> Option<Wake> {
    let lane = model.lane(task)?;
    model
        .wakes
        .iter()
        .rev()
        .filter(|w| w.to == task && w.at <= start)
        .find(|w| lane.poll_after(w.seq) == Some(start))
        .copied()
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::trace::Recorder;

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

    #[test]
    fn a_timer_firing_for_many_tasks_is_one_block_with_its_polls() {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let tasks: Vec<TaskId> = (0..5)
            .map(|i| rec.spawn(&format!("t-{i}"), None, here, 0.0))
            .collect();
        for (i, &t) in tasks.iter().enumerate() {
            let at = 0.1 + i as f64 * 0.1;
            rec.waker_cloned(t);
            rec.poll(t, at, at + 0.05, false);
        }
        for (i, &t) in tasks.iter().enumerate() {
            rec.woken(t, WakeSource::Timer, 100.0 + i as f64 * 0.01);
        }
        for (i, &t) in tasks.iter().enumerate() {
            let at = 100.2 + i as f64 * 0.1;
            rec.poll(t, at, at + 0.05, true);
        }
        let model = Model::build(&rec, 200.0);
        let blocks = loop_blocks(&model, 0.0, 200.0, 0.001);
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        assert_eq!(
            blocks[0].cause,
            Cause::Polls,
            "the first polls came with no wake"
        );
        assert_eq!(blocks[0].polls, 5);
        assert_eq!(blocks[1].cause, Cause::Wake(WakeSource::Timer));
        assert_eq!((blocks[1].wakes, blocks[1].polls), (5, 5));
        assert!((blocks[1].start - 100.0).abs() < 1e-9);
        assert!(
            (blocks[1].end - 100.65).abs() < 1e-9,
            "to the end of the last poll"
        );
        assert_eq!(
            loop_blocks(&model, 50.0, 200.0, 0.001).len(),
            1,
            "the window filters"
        );
        assert_eq!(
            loop_blocks(&model, 0.0, 200.0, 200.0).len(),
            1,
            "blocks closer than a pixel are drawn as one"
        );
    }
}
