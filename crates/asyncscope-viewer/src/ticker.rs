//! The live views' clock: a tick every period, that steps aside for the traced program's timers.
//!
//! A refresh is page work in a timer task of its own. Run just as one of the program's sleeps is
//! due, it makes that sleep late by its own length: a lesson whose sleeps all end at a round
//! time (one-thread: 100 sleeps of 1 s) met the fourth tick of a 250 ms clock started with the
//! run, every time. So a tick that falls within [`BEFORE_MS`] before the earliest traced sleep is
//! due (or after it, while that sleep's timer has not fired yet) waits until [`GUARD_MS`] after
//! it, and then looks again; it never waits more than [`MAX_POSTPONE_MS`] past its time, so the
//! views keep refreshing among timers that never stop.
//!
//! Not "just after": Chromium lets a timer fire a few ms late to share one wake-up with a timer
//! due soon after it (the task leeway of its scheduler), and a trace of one-thread showed the
//! program's timer, due at 1000 ms, held back to fire with the page's own timer set for 2 ms
//! later (2-3 ms late, against 0.5-1 ms with no page timer near it). For the same reason a tick
//! is never armed for between [`BEFORE_MS`] before and [`GUARD_MS`] after the earliest traced
//! sleep (a tick planned for 4 ms after it had held it back 5 ms): it is armed for [`GUARD_MS`]
//! after it instead.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;

use asyncscope_trace::{next_timer_due, now_ms};

/// A tick this close before a traced sleep is due waits for it: the refresh's rendering, then the
/// frame that paints it (the browser's compositor threads, which on a 2-core machine take the
/// cores the page's main thread needs when the timer fires).
pub const BEFORE_MS: f64 = 50.0;

/// A tick that waited for a sleep runs this long after the sleep is due. About one frame: yew,
/// which does the refresh's rendering, yields to the browser every ~16 ms of it, so a longer
/// refresh makes a later timer no later than one this long would.
pub const GUARD_MS: f64 = 16.0;

/// The longest a tick waits past its time for the program's timers.
pub const MAX_POSTPONE_MS: f64 = 250.0;

/// What a tick planned for `planned` does at `now`, with the earliest traced sleep due at `due`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Tick now.
    Run,
    /// Look again in this many ms: [`GUARD_MS`] after the sleep is due, out of reach of the
    /// browser's coalescing of timers.
    Wait(u32),
}

pub fn step(now: f64, planned: f64, due: Option<f64>) -> Step {
    match due {
        Some(due) if due - now < BEFORE_MS && now - planned < MAX_POSTPONE_MS => {
            Step::Wait(((due - now).max(0.0) + GUARD_MS).ceil() as u32)
        }
        _ => Step::Run,
    }
}

/// When the tick after one planned for `planned` is planned, run at `now`: on the clock's own
/// beat, or a period from now if the page fell behind by more than a period.
pub fn next_planned(planned: f64, now: f64, period: f64) -> f64 {
    let next = planned + period;
    if next <= now {
        now + period
    } else {
        next
    }
}

/// When to arm a tick planned for `planned`, the earliest traced sleep being due at `due`: not
/// so near it that the browser would fire the sleep's timer with the tick's.
pub fn arm_at(planned: f64, due: Option<f64>) -> f64 {
    match due {
        Some(due) if planned > due - BEFORE_MS && planned < due + GUARD_MS => due + GUARD_MS,
        _ => planned,
    }
}

struct State {
    period: f64,
    planned: f64,
    timeout: Option<Timeout>,
    tick: Box<dyn FnMut()>,
}

/// Calls `tick` about every `period_ms` until dropped, stepping aside for traced sleeps.
pub struct Ticker {
    _state: Rc<RefCell<State>>,
}

impl Ticker {
    /// Starts ticking: `tick` runs about every `period_ms`, the first time one period from now.
    pub fn new(period_ms: u32, tick: impl FnMut() + 'static) -> Ticker {
        let period = f64::from(period_ms);
        let now = now_ms();
        let planned = now + period;
        let state = Rc::new(RefCell::new(State {
            period,
            planned,
            timeout: None,
            tick: Box::new(tick),
        }));
        let timeout = arm_for(Rc::downgrade(&state), planned, now);
        state.borrow_mut().timeout = Some(timeout);
        Ticker { _state: state }
    }
}

/// Arms the tick planned for `planned` (see [`arm_at`]).
fn arm_for(state: Weak<RefCell<State>>, planned: f64, now: f64) -> Timeout {
    arm(state, arm_at(planned, next_timer_due()) - now)
}

fn arm(state: Weak<RefCell<State>>, ms: f64) -> Timeout {
    Timeout::new(ms.max(0.0).ceil() as u32, move || fire(&state))
}

fn fire(weak: &Weak<RefCell<State>>) {
    let Some(state) = weak.upgrade() else {
        return; // dropped: stopped
    };
    let now = now_ms();
    let planned = state.borrow().planned;
    if let Step::Wait(ms) = step(now, planned, next_timer_due()) {
        state.borrow_mut().timeout = Some(arm(weak.clone(), f64::from(ms)));
        return;
    }
    // The tick runs with the state unborrowed (it may drop the ticker: then the timer armed
    // below goes with the state when `state` is dropped at the end).
    let mut tick = std::mem::replace(&mut state.borrow_mut().tick, Box::new(|| {}));
    tick();
    let mut s = state.borrow_mut();
    s.tick = tick;
    let now = now_ms();
    s.planned = next_planned(s.planned, now, s.period);
    s.timeout = Some(arm_for(weak.clone(), s.planned, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_just_before_a_sleep_is_due_waits_until_a_guard_after_it() {
        // One-thread's case: the tick at 1000 ms, the 100 sleeps due at 1000.4 ms.
        assert_eq!(step(1000.0, 1000.0, Some(1000.4)), Step::Wait(17));
        assert_eq!(step(990.0, 990.0, Some(1000.0)), Step::Wait(26));
        assert_eq!(step(960.0, 960.0, Some(1000.0)), Step::Wait(56));
        // A sleep already due whose timer has not fired yet (it is queued behind the tick).
        assert_eq!(step(1001.0, 1000.0, Some(1000.4)), Step::Wait(16));
    }

    #[test]
    fn a_tick_clear_of_every_sleep_runs() {
        assert_eq!(step(1000.0, 1000.0, None), Step::Run);
        assert_eq!(step(1000.0, 1000.0, Some(1000.0 + BEFORE_MS)), Step::Run);
        assert_eq!(step(1000.0, 1000.0, Some(5000.0)), Step::Run);
    }

    #[test]
    fn a_tick_waits_no_more_than_its_bound_among_timers_that_never_stop() {
        let planned = 1000.0;
        assert!(matches!(
            step(
                planned + MAX_POSTPONE_MS - 1.0,
                planned,
                Some(planned + MAX_POSTPONE_MS)
            ),
            Step::Wait(_)
        ));
        assert_eq!(
            step(
                planned + MAX_POSTPONE_MS,
                planned,
                Some(planned + MAX_POSTPONE_MS + 1.0)
            ),
            Step::Run
        );
        // Big figures too: a page open for days.
        let planned = 3.0e8;
        assert_eq!(
            step(planned + 300.0, planned, Some(planned + 301.0)),
            Step::Run
        );
    }

    #[test]
    fn a_tick_is_never_armed_for_near_a_sleeps_deadline() {
        // Planned 4 ms after the sleep: armed for a guard after it.
        assert_eq!(arm_at(1004.0, Some(1000.0)), 1000.0 + GUARD_MS);
        // ... and 4 ms before it too (it would only wait for it).
        assert_eq!(arm_at(996.0, Some(1000.0)), 1000.0 + GUARD_MS);
        assert_eq!(arm_at(1250.0, Some(1000.0)), 1250.0);
        assert_eq!(arm_at(960.0, Some(1000.0)), 1000.0 + GUARD_MS);
        assert_eq!(arm_at(1000.0 - BEFORE_MS, Some(1000.0)), 1000.0 - BEFORE_MS);
        assert_eq!(arm_at(1000.0 + GUARD_MS, Some(1000.0)), 1000.0 + GUARD_MS);
        assert_eq!(arm_at(750.0, Some(1000.0)), 750.0);
        assert_eq!(arm_at(750.0, None), 750.0);
    }

    #[test]
    fn ticks_keep_the_clocks_beat_unless_the_page_fell_a_period_behind() {
        assert_eq!(next_planned(1000.0, 1010.0, 250.0), 1250.0);
        // Postponed by 240 ms: the next is still on the beat, 10 ms later.
        assert_eq!(next_planned(1000.0, 1240.0, 250.0), 1250.0);
        // Frozen for a second: a period from now, not four ticks at once.
        assert_eq!(next_planned(1000.0, 2000.0, 250.0), 2250.0);
    }
}
