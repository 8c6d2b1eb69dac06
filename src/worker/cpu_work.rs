//! CPU work with no await inside: what the blocking lesson runs in a task, in chunks and in the
//! Web Worker, and what the event-loop lesson spins to make the next frame overdue.

/// The longest one call to [`CpuWork::run_for`] spins.
pub const MAX_WORK_MS: f64 = 10_000.0;
/// Steps between clock readings: in the browser, reading the clock is a call into JS.
pub const STEPS_PER_READING: u64 = 1024;

/// Xorshift steps until a time budget is spent. Time-boxed rather than a fixed count of steps,
/// so that it takes as long on any machine. It travels from the worker to the page inside
/// [`Answer::WorkDone`](super::Answer::WorkDone).
#[derive(Debug, Clone, PartialEq)]
pub struct CpuWork {
    /// The xorshift state: the work's result, a checksum. It travels as 16 hex digits
    /// ([`CpuWork::state_hex`]): a JS number is a double, which rounds a u64 past 2^53.
    pub state: u64,
    pub iterations: u64,
    /// CPU time spent, by the clock it was given, in ms.
    pub busy_ms: f64,
}

impl Default for CpuWork {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuWork {
    pub fn new() -> CpuWork {
        CpuWork {
            state: 0x9E37_79B9_7F4A_7C15,
            iterations: 0,
            busy_ms: 0.0,
        }
    }

    /// The checksum as it travels: 16 hex digits.
    pub fn state_hex(&self) -> String {
        format!("{:016x}", self.state)
    }

    /// A checksum read back from [`CpuWork::state_hex`]'s digits, or why it is not one.
    pub fn parse_state(hex: &str) -> Result<u64, String> {
        // At most 16 digits: from_str_radix would also take a sign.
        match u64::from_str_radix(hex, 16) {
            Ok(value) if hex.len() <= 16 && !hex.starts_with('+') => Ok(value),
            _ => {
                let start: String = hex.chars().take(20).collect();
                Err(format!("not a 64-bit hex number: {start:?}"))
            }
        }
    }

    /// Spins for `ms` (0 to [`MAX_WORK_MS`]; anything else is clamped, NaN is 0) by the clock
    /// `now`, which must advance.
    pub fn run_for(&mut self, ms: f64, mut now: impl FnMut() -> f64) {
        let budget = if ms.is_nan() {
            0.0
        } else {
            ms.clamp(0.0, MAX_WORK_MS)
        };
        let start = now();
        loop {
            let spent = now() - start;
            // A clock giving NaN ends the work too: NaN is not less than the budget.
            let within = spent.partial_cmp(&budget) == Some(std::cmp::Ordering::Less);
            if !within {
                if spent.is_finite() {
                    self.busy_ms += spent.max(0.0);
                }
                return;
            }
            for _ in 0..STEPS_PER_READING {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
            }
            self.iterations += STEPS_PER_READING;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A clock that advances `step` ms per reading.
    pub(crate) fn ticking(step: f64) -> impl FnMut() -> f64 {
        let mut t = 0.0;
        move || {
            t += step;
            t
        }
    }

    #[test]
    fn cpu_work_spins_for_its_budget_by_the_clock_and_continues_its_state() {
        // On this clock each reading is 1 ms later: a 10 ms budget reads 1..=10 ms after the
        // start and does a batch of steps after each reading under 10, so 9 batches.
        let mut work = CpuWork::new();
        work.run_for(10.0, ticking(1.0));
        assert_eq!(work.busy_ms, 10.0);
        assert_eq!(work.iterations, 9 * STEPS_PER_READING);
        let after_one = work.state;
        work.run_for(10.0, ticking(1.0));
        assert_eq!(work.busy_ms, 20.0);
        assert_ne!(work.state, after_one, "the second chunk continues the work");
        let mut once = CpuWork::new();
        once.run_for(19.0, ticking(1.0));
        assert_eq!(once.iterations, work.iterations);
        assert_eq!(
            once.state, work.state,
            "two chunks do the same steps as one loop of as many batches"
        );
    }

    #[test]
    fn cpu_work_ends_on_nan_negative_and_nan_clocks() {
        for ms in [f64::NAN, -5.0, 0.0] {
            let mut work = CpuWork::new();
            work.run_for(ms, ticking(1.0));
            assert_eq!(work.iterations, 0, "{ms}");
        }
        let mut work = CpuWork::new();
        work.run_for(100.0, || f64::NAN);
        assert_eq!((work.iterations, work.busy_ms), (0, 0.0));
        let mut work = CpuWork::new();
        work.run_for(1e12, ticking(1000.0));
        assert_eq!(work.busy_ms, MAX_WORK_MS, "clamped to the maximum");
    }

    #[test]
    fn the_checksum_is_written_as_16_hex_digits_and_read_back_whole() {
        let work = CpuWork {
            state: u64::MAX - 1,
            iterations: 3,
            busy_ms: 1.5,
        };
        let text = work.state_hex();
        assert_eq!(text, "fffffffffffffffe");
        assert_eq!(CpuWork::parse_state(&text), Ok(work.state));
        assert_eq!(CpuWork::new().state_hex().len(), 16, "leading zeros kept");
        assert_eq!(CpuWork::parse_state("0000000000000001"), Ok(1));
        for bad in ["-1", "+1", "1ffffffffffffffff", "xyz", ""] {
            let err = CpuWork::parse_state(bad).expect_err(bad);
            assert!(err.contains("not a 64-bit hex number"), "{err}");
        }
    }
}
