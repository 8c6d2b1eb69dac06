//! Python's `random` module as CPython 3.11 runs it: the Mersenne Twister (MT19937) seeded the
//! way `random.seed(n)` seeds it, and `random()`, `getrandbits()`, `randint()` drawing from it
//! as CPython does, so that a program seeded alike prints the same numbers.

/// MT19937's state size, in 32-bit words.
const N: usize = 624;
const M: usize = 397;

/// A generator: `random.Random`'s state.
#[derive(Clone)]
pub struct Random {
    mt: [u32; N],
    index: usize,
}

impl Random {
    /// `random.seed(seed)` for an int: CPython keys MT19937's `init_by_array` with the 32-bit
    /// words of `abs(seed)`, least significant first (one word 0 for 0).
    pub fn from_seed(seed: i128) -> Random {
        let mut magnitude = seed.unsigned_abs();
        let mut key = Vec::with_capacity(4);
        loop {
            key.push(magnitude as u32);
            magnitude >>= 32;
            if magnitude == 0 {
                break;
            }
        }
        let mut random = Random {
            mt: [0; N],
            index: N,
        };
        random.init_by_array(&key);
        random
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
    }

    fn genrand_u32(&mut self) -> u32 {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & UPPER) | (self.mt[(k + 1) % N] & LOWER);
                let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
                self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.random()`: a float in [0, 1) from 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.genrand_u32() >> 5);
        let b = f64::from(self.genrand_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random.getrandbits(k)` for `k` up to 128: 32-bit words, least significant first, the
    /// last one's low bits dropped.
    pub fn getrandbits(&mut self, k: u32) -> u128 {
        let k = k.min(128);
        let mut value = 0u128;
        let mut shift = 0;
        let mut left = k;
        while left > 0 {
            let mut word = self.genrand_u32();
            if left < 32 {
                word >>= 32 - left;
            }
            value |= u128::from(word) << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        value
    }

    /// A number in [0, n) as `Random._randbelow_with_getrandbits` draws it: `n.bit_length()`
    /// bits at a time until one is below `n`. `n` at least 1.
    fn below(&mut self, n: u128) -> u128 {
        let k = 128 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `random.randint(a, b)`: `randrange(a, b + 1)`; CPython's ValueError when `b < a`.
    pub fn randint(&mut self, a: i128, b: i128) -> Result<i128, String> {
        let stop = b.checked_add(1).ok_or("randint: the range is too large")?;
        let width = stop
            .checked_sub(a)
            .ok_or("randint: the range is too large")?;
        if width <= 0 {
            return Err(format!(
                "empty range for randrange() ({a}, {stop}, {width})"
            ));
        }
        let offset = self.below(width as u128) as i128;
        Ok(a + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPython 3.11's draws for a few seeds (tests/random_cases.txt says how they were made).
    #[test]
    fn draws_as_cpython_does() {
        let cases = include_str!("../tests/random_cases.txt");
        let mut checked = 0;
        for line in cases.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split(" | ").collect();
            let seed: i128 = fields[0].parse().expect("a seed");
            let mut r = Random::from_seed(seed);
            for want in fields[1].split(' ') {
                assert_eq!(format!("{:?}", r.random()), want, "seed {seed}");
            }
            for want in fields[2].split(' ') {
                assert_eq!(
                    r.randint(1, 10).expect("in range").to_string(),
                    want,
                    "seed {seed}"
                );
            }
            for want in fields[3].split(' ') {
                assert_eq!(
                    r.randint(0, 1 << 40).expect("in range").to_string(),
                    want,
                    "seed {seed}"
                );
            }
            for want in fields[4].split(' ') {
                assert_eq!(
                    r.randint(-5, 5).expect("in range").to_string(),
                    want,
                    "seed {seed}"
                );
            }
            checked += 1;
        }
        assert_eq!(checked, 8);
        assert_eq!(
            Random::from_seed(0).randint(5, 1),
            Err("empty range for randrange() (5, 2, -3)".to_string())
        );
    }
}
