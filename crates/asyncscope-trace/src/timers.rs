//! The tracer's timers: every traced sleep's deadline in one queue, and one browser timer
//! (`setTimeout`) for the earliest. When it fires, the clock is read once and every sleep due by
//! then is woken in that one callback, so a thousand sleeps that end together cost one
//! `setTimeout` and one JS callback rather than a thousand of each (which is how traced sleeps
//! wake sooner than raw JS timers do: `./dev bench`'s `timer_lateness`).
//!
//! Never early: a sleep is woken only when the clock the tracer stamps with has reached its
//! deadline. A browser timer that fires before that (its clock and `performance.now()` differ by
//! fractions of a millisecond) just re-arms for what is left.
//!
//! Never later than a raw timer for that: a `setTimeout` set inside a timer's callback is
//! nested, and past five levels browsers stretch a delay under 4 ms to 4 ms (the HTML
//! standard's timer clamp). Raw JS timers of a program that sleeps in a loop are nested too, but
//! their delays are the program's (100 ms is never stretched); the queue's own re-arm for the
//! rest of a group of deadlines (a thousand sleeps started over a millisecond end over a
//! millisecond) is short, and stretched it made those sleeps 4 ms late. So a re-arm from a
//! timer's callback for under 4 ms goes through a message first ([`NESTED_CLAMP_MS`]): a
//! `MessageChannel` task, which is not a timer, sets the timer un-nested.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

/// A sleep's place in the queue, handed back to cancel or check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    slot: u32,
    generation: u32,
}

#[derive(Debug)]
enum Slot {
    Free {
        generation: u32,
    },
    Waiting {
        generation: u32,
        waker: Option<Waker>,
    },
    /// Woken: the clock read `at` when its timer fired.
    Fired {
        generation: u32,
        at: f64,
    },
}

impl Slot {
    fn generation(&self) -> u32 {
        match self {
            Slot::Free { generation }
            | Slot::Waiting { generation, .. }
            | Slot::Fired { generation, .. } => *generation,
        }
    }
}

/// A deadline's entry: ordered by time (a non-negative `f64`'s bits order as the number does),
/// then by the order the sleeps were set in, so that equal deadlines wake first come, first
/// served, as asyncio's do.
type Entry = Reverse<(u64, u64, u32, u32)>;

/// What the timer queue did so far (for the benchmark and the curious).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerStats {
    /// Times the browser timer was set (`setTimeout` calls, and [`Self::hops`]).
    pub browser_timers: u64,
    /// Of those, re-arms from a timer's callback for under 4 ms, set from a message's task so
    /// that the browser's clamp of nested timers cannot stretch them.
    pub hops: u64,
    /// Times the browser timer fired.
    pub firings: u64,
    /// Firings with nothing due yet by the tracer's clock (re-armed for what was left).
    pub early_firings: u64,
    /// Sleeps woken.
    pub woken: u64,
}

#[derive(Default)]
pub(crate) struct Queue {
    stats: TimerStats,
    slots: Vec<Slot>,
    free: Vec<u32>,
    heap: BinaryHeap<Entry>,
    /// Sleeps waiting (the heap may also hold entries of cancelled ones).
    waiting: usize,
    /// The deadline the browser timer is set for, if one is.
    armed_for: Option<f64>,
    /// Wakers taken out by the last [`Queue::fire`], reused to avoid an allocation per firing.
    due: Vec<Waker>,
    /// Sleeps set so far: each entry's place among equal deadlines.
    sequence: u64,
}

impl Queue {
    /// Adds a sleep due at `deadline`; returns its key and whether the browser timer must be
    /// (re)set for it, to fire in that many ms.
    pub fn insert(&mut self, deadline: f64, waker: Waker, now: f64) -> (Key, Option<u32>) {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot::Free { generation: 0 });
                (self.slots.len() - 1) as u32
            }
        };
        let generation = self.slots[slot as usize].generation().wrapping_add(1);
        self.slots[slot as usize] = Slot::Waiting {
            generation,
            waker: Some(waker),
        };
        self.waiting += 1;
        self.sequence += 1;
        self.heap.push(Reverse((
            deadline.max(0.0).to_bits(),
            self.sequence,
            slot,
            generation,
        )));
        let key = Key { slot, generation };
        let rearm = match self.armed_for {
            Some(armed) if armed <= deadline => None,
            _ => {
                self.armed_for = Some(deadline);
                self.stats.browser_timers += 1;
                Some(delay_ms(deadline, now))
            }
        };
        (key, rearm)
    }

    /// Keeps the waker of a waiting sleep current (a task polled with another waker).
    pub fn update_waker(&mut self, key: Key, waker: &Waker) {
        if let Some(Slot::Waiting {
            generation,
            waker: slot_waker,
            ..
        }) = self.slots.get_mut(key.slot as usize)
        {
            if *generation == key.generation
                && !slot_waker.as_ref().is_some_and(|w| w.will_wake(waker))
            {
                *slot_waker = Some(waker.clone());
            }
        }
    }

    /// When the sleep's timer fired, if it has.
    pub fn fired(&self, key: Key) -> Option<f64> {
        match self.slots.get(key.slot as usize) {
            Some(Slot::Fired { generation, at }) if *generation == key.generation => Some(*at),
            _ => None,
        }
    }

    /// Forgets a sleep (done, or dropped while waiting).
    pub fn remove(&mut self, key: Key) {
        let Some(slot) = self.slots.get_mut(key.slot as usize) else {
            return;
        };
        if slot.generation() != key.generation {
            return;
        }
        if matches!(slot, Slot::Waiting { .. }) {
            self.waiting -= 1;
        }
        *slot = Slot::Free {
            generation: key.generation,
        };
        self.free.push(key.slot);
        // Entries of dropped sleeps stay in the heap until their deadline; past twice the
        // waiting ones, rebuild it so that many cancelled long sleeps cannot pile up.
        if self.heap.len() > 64 && self.heap.len() > 2 * self.waiting {
            let slots = &self.slots;
            self.heap.retain(|Reverse((_, _, slot, generation))| {
                matches!(slots.get(*slot as usize), Some(Slot::Waiting { generation: g, .. }) if g == generation)
            });
        }
    }

    /// The browser timer fired at `now`: marks every sleep due by then as fired and takes out
    /// their wakers (into [`Queue::take_due`]); returns the delay to re-arm for, if any is left.
    pub fn fire(&mut self, now: f64) -> Option<u32> {
        self.armed_for = None;
        self.stats.firings += 1;
        let due_before = self.due.len();
        while let Some(&Reverse((bits, _, slot, generation))) = self.heap.peek() {
            let deadline = f64::from_bits(bits);
            let current = matches!(
                self.slots.get(slot as usize),
                Some(Slot::Waiting { generation: g, .. }) if *g == generation
            );
            if !current {
                self.heap.pop();
                continue;
            }
            if deadline > now {
                if self.due.len() == due_before {
                    self.stats.early_firings += 1;
                }
                self.armed_for = Some(deadline);
                self.stats.browser_timers += 1;
                return Some(delay_ms(deadline, now));
            }
            self.heap.pop();
            let waiting = std::mem::replace(
                &mut self.slots[slot as usize],
                Slot::Fired {
                    generation,
                    at: now,
                },
            );
            self.waiting -= 1;
            if let Slot::Waiting {
                waker: Some(waker), ..
            } = waiting
            {
                self.due.push(waker);
            }
            self.stats.woken += 1;
        }
        None
    }

    pub fn stats(&self) -> TimerStats {
        self.stats
    }

    /// The deadline the browser timer is armed for: the earliest waiting sleep's (or a
    /// cancelled one's not yet cleared from the heap: never later than the earliest waiting).
    pub fn next_due(&self) -> Option<f64> {
        self.armed_for
    }

    pub fn take_due(&mut self, into: &mut Vec<Waker>) {
        into.append(&mut self.due);
    }

    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.waiting
    }
}

/// Whole milliseconds to `deadline` (`setTimeout` takes whole ms: rounding up never fires early).
fn delay_ms(deadline: f64, now: f64) -> u32 {
    (deadline - now).ceil().clamp(0.0, f64::from(i32::MAX)) as u32
}

/// Browsers stretch a delay under this many ms to this many when the timer is set inside a
/// timer's callback nested over five deep (the HTML standard's `setTimeout` steps).
pub(crate) const NESTED_CLAMP_MS: u32 = 4;

/// How the browser timer is set for a delay of `ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arm {
    /// `setTimeout` now.
    Timer(u32),
    /// A message first, whose task sets the timer (un-nested): a timer's callback re-arming
    /// for less than the clamp.
    Hop,
}

/// How to set the browser timer for `ms` from a timer's callback (`in_timer`) or elsewhere.
fn arm_route(ms: u32, in_timer: bool) -> Arm {
    if in_timer && ms < NESTED_CLAMP_MS {
        Arm::Hop
    } else {
        Arm::Timer(ms)
    }
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

/// What the tracer's timer queue did so far on this thread.
pub fn timer_stats() -> TimerStats {
    with_queue(|q| q.stats())
}

/// When the earliest traced sleep on this thread is due, on the tracer's clock ([`now_ms`]), if
/// one waits. A page's own periodic work (a live view's refresh) can use it to stay clear of
/// the program's timers: work that runs just as a timer is due makes that timer late.
///
/// [`now_ms`]: super::now_ms
pub fn next_timer_due() -> Option<f64> {
    with_queue(|q| q.next_due())
}

pub(crate) fn with_queue<R>(f: impl FnOnce(&mut Queue) -> R) -> R {
    QUEUE.with(|q| f(&mut q.borrow_mut()))
}

/// Adds a sleep due at `deadline` (arming the browser timer if it is now the earliest).
pub(crate) fn insert(deadline: f64, waker: Waker, now: f64) -> Key {
    let (key, arm) = with_queue(|q| q.insert(deadline, waker, now));
    if let Some(ms) = arm {
        browser::set(ms);
    }
    key
}

/// Wakes every traced sleep due by now on the tracer's clock, as the browser's timer would
/// (native tests only, with [`set_fake_now`](super::set_fake_now) and
/// [`run_until_idle`](super::run_until_idle): in the browser, the timer does it).
#[cfg(not(target_arch = "wasm32"))]
pub fn fire_due_timers() {
    on_timer(true);
}

/// The browser timer fired (`in_timer`), or the message of a hop arrived: wake every sleep now
/// due, as woken by a timer at this one reading.
fn on_timer(in_timer: bool) {
    let now = super::clock::now_ms();
    thread_local! {
        static WOKEN: RefCell<Vec<Waker>> = const { RefCell::new(Vec::new()) };
    }
    let mut due = WOKEN.with(|w| std::mem::take(&mut *w.borrow_mut()));
    let arm = with_queue(|q| {
        let arm = q.fire(now);
        q.take_due(&mut due);
        arm
    });
    match arm.map(|ms| arm_route(ms, in_timer)) {
        Some(Arm::Timer(ms)) => browser::set(ms),
        Some(Arm::Hop) => {
            with_queue(|q| q.stats.hops += 1);
            browser::hop();
        }
        None => {}
    }
    super::task::with_wake_source_at(super::WakeSource::Timer, now, || {
        for waker in due.drain(..) {
            waker.wake();
        }
    });
    WOKEN.with(|w| *w.borrow_mut() = due);
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::{Cell, RefCell};

    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[wasm_bindgen]
    extern "C" {
        // The global's, so that it works in a page and in a worker alike.
        #[wasm_bindgen(js_name = setTimeout, catch)]
        fn set_timeout(handler: &js_sys::Function, timeout: i32) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_name = clearTimeout)]
        fn clear_timeout(id: &JsValue);
    }

    thread_local! {
        /// One callback for the page's life: arming a timer allocates nothing.
        static CALLBACK: Closure<dyn FnMut()> = Closure::new(|| super::on_timer(true));
        static ARMED: RefCell<Option<JsValue>> = const { RefCell::new(None) };
        static FAILED: Cell<bool> = const { Cell::new(false) };
        /// The hop's channel: a message posted to its second port runs [`super::on_timer`] in
        /// a task of its own (`None` where there is no `MessageChannel`).
        static HOP: Option<(web_sys::MessageChannel, Closure<dyn FnMut()>)> = hop_channel();
    }

    fn hop_channel() -> Option<(web_sys::MessageChannel, Closure<dyn FnMut()>)> {
        let channel = web_sys::MessageChannel::new().ok()?;
        let callback: Closure<dyn FnMut()> = Closure::new(|| super::on_timer(false));
        channel
            .port1()
            .set_onmessage(Some(callback.as_ref().unchecked_ref()));
        Some((channel, callback))
    }

    /// Fires the queue from a task of its own, which re-arms the timer un-nested (see
    /// [`super::NESTED_CLAMP_MS`]); with no `MessageChannel`, sets the timer for 0 ms.
    pub fn hop() {
        let posted = HOP.with(|hop| {
            hop.as_ref()
                .is_some_and(|(channel, _)| channel.port2().post_message(&JsValue::NULL).is_ok())
        });
        if !posted {
            set(0);
        }
    }

    /// Sets the one browser timer to fire in `ms`, replacing the one set before.
    pub fn set(ms: u32) {
        if let Some(old) = ARMED.with(|a| a.borrow_mut().take()) {
            clear_timeout(&old);
        }
        let id = CALLBACK.with(|c| set_timeout(c.as_ref().unchecked_ref(), ms as i32));
        match id {
            Ok(id) => ARMED.with(|a| *a.borrow_mut() = Some(id)),
            // No setTimeout in this scope: sleeps can never end. Said once, in the console.
            Err(_) => {
                if !FAILED.with(|f| f.replace(true)) {
                    web_sys::console::error_1(
                        &"asyncscope: setTimeout failed, traced sleeps cannot wake".into(),
                    );
                }
            }
        }
    }
}

/// Off the browser there is no timer: native tests drive [`Queue`] by hand.
#[cfg(not(target_arch = "wasm32"))]
mod browser {
    pub fn set(_ms: u32) {}
    pub fn hop() {}
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (Arc::clone(&count), Waker::from(count))
    }

    #[test]
    fn one_browser_timer_for_the_earliest_deadline() {
        let mut q = Queue::default();
        let (_, w) = waker();
        let (_, arm) = q.insert(100.5, w.clone(), 0.0);
        assert_eq!(arm, Some(101), "rounded up: never early");
        let (_, arm) = q.insert(150.0, w.clone(), 1.0);
        assert_eq!(arm, None, "a later deadline rides on the armed timer");
        let (_, arm) = q.insert(50.0, w, 2.0);
        assert_eq!(arm, Some(48), "an earlier one re-arms");
    }

    /// Wakes by pushing its number, to see the order of a firing's wakes.
    struct Numbered(u32, Arc<std::sync::Mutex<Vec<u32>>>);

    impl Wake for Numbered {
        fn wake(self: Arc<Self>) {
            if let Ok(mut order) = self.1.lock() {
                order.push(self.0);
            }
        }
    }

    #[test]
    fn equal_deadlines_wake_in_the_order_they_were_set_even_in_reused_slots() {
        let mut q = Queue::default();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let numbered = |n| Waker::from(Arc::new(Numbered(n, Arc::clone(&order))));
        // Three sleeps set and dropped, so that the next ones take their slots back to front.
        let early: Vec<Key> = (0..3)
            .map(|n| q.insert(5.0, numbered(90 + n), 0.0).0)
            .collect();
        for key in early {
            q.remove(key);
        }
        for n in 1..=5 {
            q.insert(100.0, numbered(n), 0.0);
        }
        q.fire(100.0);
        let mut due = Vec::new();
        q.take_due(&mut due);
        for w in due {
            w.wake();
        }
        assert_eq!(*order.lock().expect("order"), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_firing_wakes_every_sleep_due_and_only_those() {
        let mut q = Queue::default();
        let (count, w) = waker();
        let keys: Vec<Key> = [10.0, 10.2, 10.9, 30.0]
            .into_iter()
            .map(|d| q.insert(d, w.clone(), 0.0).0)
            .collect();
        // Fired a little early by the page's clock: nothing is due yet.
        assert_eq!(q.fire(9.95), Some(1));
        let mut due = Vec::new();
        q.take_due(&mut due);
        assert!(due.is_empty());
        // Fired at 10.5: the first two are due, the third is not (never early).
        assert_eq!(q.fire(10.5), Some(1));
        q.take_due(&mut due);
        assert_eq!(due.len(), 2);
        for w in due.drain(..) {
            w.wake();
        }
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert_eq!(q.fired(keys[0]), Some(10.5));
        assert_eq!(q.fired(keys[2]), None);
        assert_eq!(q.fire(11.0), Some(19));
        assert_eq!(q.fired(keys[2]), Some(11.0));
        assert_eq!(q.waiting(), 1);
    }

    #[test]
    fn a_removed_sleep_is_never_woken_and_its_slot_is_reused_safely() {
        let mut q = Queue::default();
        let (count, w) = waker();
        let (gone, _) = q.insert(5.0, w.clone(), 0.0);
        q.remove(gone);
        let (kept, _) = q.insert(6.0, w, 0.0);
        assert_eq!(kept.slot, gone.slot, "the slot is reused");
        assert_eq!(q.fire(7.0), None);
        let mut due = Vec::new();
        q.take_due(&mut due);
        assert_eq!(due.len(), 1);
        due.into_iter().for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            q.fired(gone),
            None,
            "an old key sees nothing of the new sleep"
        );
        assert_eq!(q.fired(kept), Some(7.0));
    }

    #[test]
    fn a_timer_callback_re_arms_under_the_clamp_through_a_message() {
        // The rest of a group of deadlines, re-armed by the callback that woke the first: a
        // nested setTimeout under 4 ms could be stretched to 4 ms.
        assert_eq!(arm_route(1, true), Arm::Hop);
        assert_eq!(arm_route(0, true), Arm::Hop);
        assert_eq!(arm_route(NESTED_CLAMP_MS - 1, true), Arm::Hop);
        // Never stretched: at or over the clamp, or set from a message's task or a task's poll.
        assert_eq!(arm_route(NESTED_CLAMP_MS, true), Arm::Timer(4));
        assert_eq!(arm_route(100, true), Arm::Timer(100));
        assert_eq!(arm_route(1, false), Arm::Timer(1));
    }

    #[test]
    fn cancelled_sleeps_do_not_pile_up() {
        let mut q = Queue::default();
        let (_, w) = waker();
        for i in 0..10_000 {
            let (key, _) = q.insert(60_000.0 + f64::from(i), w.clone(), 0.0);
            q.remove(key);
        }
        assert!(q.heap.len() <= 130, "{}", q.heap.len());
        assert!(q.slots.len() <= 2);
    }
}
