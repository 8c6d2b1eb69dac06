//! Drawing the timeline on a canvas: only what is visible, and at most one rectangle per pixel
//! column per lane, so a run of 100,000 polls draws as fast as one of ten.

use web_sys::CanvasRenderingContext2d;

use super::model::{polls_in, MarkerKind, Model};
use crate::trace::{TaskId, TaskState};

pub const LABEL_W: f64 = 170.0;
pub const AXIS_H: f64 = 22.0;
pub const LANE_H: f64 = 20.0;
/// Wake arrows drawn at most per frame; a denser window asks to zoom in.
const MAX_ARROWS: usize = 3000;

/// Which part of the timeline is on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// The time at the left edge of the plot, in ms.
    pub t0: f64,
    pub ms_per_px: f64,
    /// The first lane shown (fractional while scrolling).
    pub top: f64,
    /// Keep the newest moment in view while a run goes on.
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

    /// y of the top of lane `i`; lane -1 is the event loop's, pinned under the axis.
    pub fn y(&self, lane: f64) -> f64 {
        AXIS_H + LANE_H * (lane + 1.0 - self.top)
    }

    /// Fits `[start, end]` into a plot `width` px wide.
    pub fn fit(&mut self, start: f64, end: f64, width: f64) {
        let span = (end - start).max(1.0);
        // A margin each side, so the first spawn and the last marker are not cut in half.
        let plot = (width - LABEL_W).max(50.0);
        self.ms_per_px = span / (plot * 0.94);
        self.t0 = start - plot * 0.03 * self.ms_per_px;
    }

    /// Zooms by `factor` (>1 zooms out) keeping the time under `x` where it is.
    pub fn zoom_at(&mut self, x: f64, factor: f64) {
        let anchor = self.t(x);
        self.ms_per_px = (self.ms_per_px * factor).clamp(1e-5, 1e7);
        self.t0 = anchor - (x - LABEL_W) * self.ms_per_px;
        self.follow = false;
    }

    pub fn pan(&mut self, dx: f64, dy: f64, lanes: usize) {
        self.t0 -= dx * self.ms_per_px;
        self.top = (self.top - dy / LANE_H).clamp(0.0, lanes.saturating_sub(1) as f64);
        if dx != 0.0 {
            self.follow = false;
        }
    }
}

impl Default for View {
    fn default() -> Self {
        View::new()
    }
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
}

/// What is under the pointer, for the tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub text: String,
    pub task: Option<TaskId>,
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

/// Draws `model` on a `w` x `h` (CSS px) context; `cursor` marks a replayed moment.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    w: f64,
    h: f64,
    model: &Model,
    view: &View,
    palette: &Palette,
    cursor: Option<f64>,
    selected: Option<TaskId>,
) {
    ctx.set_fill_style_str(&palette.bg);
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.set_font("12px ui-monospace, monospace");
    ctx.set_text_baseline("middle");
    let t_from = view.t0;
    let t_to = view.t(w);

    // Time axis, relative to the start of the recording.
    let step = nice_step(view.ms_per_px);
    let first = ((t_from - model.start) / step).floor() * step + model.start;
    ctx.set_stroke_style_str(&palette.line);
    ctx.set_line_width(1.0);
    let mut t = first;
    let mut ticks = 0;
    while t <= t_to && ticks < 200 {
        let x = view.x(t).round() + 0.5;
        if x >= LABEL_W {
            ctx.begin_path();
            ctx.move_to(x, AXIS_H - 6.0);
            ctx.line_to(x, h);
            ctx.stroke();
            ctx.set_fill_style_str(&palette.muted);
            let _ = ctx.fill_text(&format_ms(t - model.start), x + 3.0, AXIS_H / 2.0);
        }
        t += step;
        ticks += 1;
    }

    // The event loop's lane: where timers, fetches and JS wake tasks from.
    let loop_y = view.y(-1.0);
    ctx.set_fill_style_str(&palette.muted);
    let _ = ctx.fill_text("event loop", 6.0, loop_y + LANE_H / 2.0);

    let visible = ((h - AXIS_H) / LANE_H).ceil() as usize + 1;
    let first_lane = view.top.floor().max(0.0) as usize;
    let last_lane = (first_lane + visible).min(model.lanes.len());
    for (i, lane) in model
        .lanes
        .iter()
        .enumerate()
        .take(last_lane)
        .skip(first_lane)
    {
        let y = view.y(i as f64);
        if y + LANE_H < AXIS_H + LANE_H {
            continue;
        }
        let mid = y + LANE_H / 2.0;
        if selected == Some(lane.task) {
            ctx.set_fill_style_str(&palette.line);
            ctx.fill_rect(0.0, y, w, LANE_H);
        }
        // Label, indented under its parent.
        ctx.set_fill_style_str(&palette.ink);
        let indent = 6.0 + 10.0 * lane.depth.min(8) as f64;
        let _ = ctx.fill_text(&lane.label, indent, mid);

        // Pending time as a thin line from spawn to end (or now).
        let life_end = lane.ended.unwrap_or(model.end);
        let (x0, x1) = (view.x(lane.spawned).max(LABEL_W), view.x(life_end).min(w));
        if x1 > x0 {
            ctx.set_fill_style_str(&palette.muted);
            ctx.fill_rect(x0, mid - 0.5, x1 - x0, 1.0);
        }
        // Polls as bars, merged to one per pixel column.
        let colour = match lane.state {
            TaskState::Failed | TaskState::Cancelled => &palette.fail,
            _ => &palette.accent,
        };
        ctx.set_fill_style_str(colour);
        let mut last_px = f64::NEG_INFINITY;
        for poll in polls_in(&lane.polls, t_from, t_to) {
            let px0 = view.x(poll.start).max(LABEL_W);
            let px1 = view.x(poll.end).min(w);
            if px1.floor() <= last_px {
                continue;
            }
            let width = (px1 - px0).max(1.0);
            ctx.fill_rect(px0, y + 3.0, width, LANE_H - 6.0);
            last_px = (px0 + width).floor();
        }
        // Markers.
        for marker in &lane.markers {
            if marker.t < t_from || marker.t > t_to {
                continue;
            }
            let x = view.x(marker.t);
            match marker.kind {
                MarkerKind::Spawned => {
                    ctx.set_fill_style_str(&palette.ink);
                    ctx.begin_path();
                    ctx.move_to(x, y + 3.0);
                    ctx.line_to(x + 5.0, mid);
                    ctx.line_to(x, y + LANE_H - 3.0);
                    ctx.fill();
                }
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
                MarkerKind::Warning(_) => {
                    ctx.set_fill_style_str(&palette.warn);
                    ctx.begin_path();
                    ctx.move_to(x, y + 1.0);
                    ctx.line_to(x + 5.0, y + LANE_H - 2.0);
                    ctx.line_to(x - 5.0, y + LANE_H - 2.0);
                    ctx.fill();
                }
            }
        }
    }

    // Wake arrows, from the waker's lane (or the event loop's) to the poll they caused.
    let from = model
        .wakes
        .partition_point(|wk| wk.at < t_from - view.ms_per_px * 50.0);
    let to = model.wakes.partition_point(|wk| wk.at <= t_to);
    let shown = &model.wakes[from.min(to)..to];
    if shown.len() <= MAX_ARROWS {
        ctx.set_stroke_style_str(&palette.muted);
        for wake in shown {
            let Some(poll_at) = wake.poll_at else {
                continue;
            };
            let Some(to_lane) = model.lane_of(wake.to) else {
                continue;
            };
            let y0 = match wake.from.and_then(|f| model.lane_of(f)) {
                Some(l) => view.y(l as f64),
                None => loop_y,
            } + LANE_H / 2.0;
            let y1 = view.y(to_lane as f64) + LANE_H / 2.0;
            if (y0 < AXIS_H && y1 < AXIS_H) || (y0 > h && y1 > h) {
                continue;
            }
            let (x0, x1) = (view.x(wake.at), view.x(poll_at));
            ctx.begin_path();
            ctx.move_to(x0, y0);
            ctx.line_to(x1, y1);
            ctx.stroke();
            let dir = if y1 >= y0 { -1.0 } else { 1.0 };
            ctx.begin_path();
            ctx.move_to(x1, y1);
            ctx.line_to(x1 - 3.0, y1 + 5.0 * dir);
            ctx.line_to(x1 + 3.0, y1 + 5.0 * dir);
            ctx.fill();
        }
    } else {
        ctx.set_fill_style_str(&palette.muted);
        let _ = ctx.fill_text(
            &format!("{} wakes here: zoom in to see their arrows", shown.len()),
            LABEL_W + 8.0,
            h - 10.0,
        );
    }

    if let Some(t) = cursor {
        let x = view.x(t).round() + 0.5;
        ctx.set_stroke_style_str(&palette.warn);
        ctx.set_line_width(2.0);
        ctx.begin_path();
        ctx.move_to(x, AXIS_H);
        ctx.line_to(x, h);
        ctx.stroke();
        ctx.set_line_width(1.0);
    }
    // The label gutter's edge.
    ctx.set_fill_style_str(&palette.line);
    ctx.fill_rect(LABEL_W - 1.0, 0.0, 1.0, h);
}

/// What lies under (x, y): a poll, a marker, or a lane.
pub fn hit(model: &Model, view: &View, x: f64, y: f64) -> Option<Hit> {
    if y < AXIS_H + LANE_H {
        return None;
    }
    let lane_index = ((y - AXIS_H) / LANE_H + view.top - 1.0).floor();
    if lane_index < 0.0 {
        return None;
    }
    let lane = model.lanes.get(lane_index as usize)?;
    let slack = view.ms_per_px * 4.0;
    let t = view.t(x);
    if x < LABEL_W {
        return Some(Hit {
            text: format!("{}: {}", lane.label, lane.state.as_str()),
            task: Some(lane.task),
        });
    }
    if let Some(m) = lane.markers.iter().find(|m| (m.t - t).abs() <= slack) {
        return Some(Hit {
            text: format!(
                "{} at {}: {}",
                lane.label,
                format_ms(m.t - model.start),
                m.text(lane)
            ),
            task: Some(lane.task),
        });
    }
    if let Some(p) = polls_in(&lane.polls, t - slack, t + slack).first() {
        return Some(Hit {
            text: format!(
                "{}: poll at {}, took {}",
                lane.label,
                format_ms(p.start - model.start),
                format_ms(p.end - p.start)
            ),
            task: Some(lane.task),
        });
    }
    Some(Hit {
        text: format!("{} ({})", lane.label, lane.state.as_str()),
        task: Some(lane.task),
    })
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
    fn fit_shows_the_whole_range_with_a_margin() {
        let mut view = View::new();
        view.fit(1000.0, 3000.0, 1180.0);
        assert!(view.x(1000.0) > LABEL_W);
        assert!(view.x(3000.0) < 1180.0);
        assert!(view.x(3000.0) > 1100.0, "but not much of one");
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
