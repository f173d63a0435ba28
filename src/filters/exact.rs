//! The exact decimal value of an `f64`, rounded half-to-even at a chosen
//! digit, as Python's `%f`, `%e` and `%g` round it. Written here rather than
//! with `format!("{:.*}")`, whose float machinery costs ~30 KB of wasm.

/// A non-negative decimal: `digits × 10^exp`, digits most significant first.
#[derive(Debug, Clone, PartialEq)]
pub struct Exact {
    pub digits: Vec<u8>,
    pub exp: i64,
}

/// Multiplies a little-endian base-10^9 number by `m`, adding `carry`.
fn mul_small(limbs: &mut Vec<u32>, m: u32, mut carry: u64) {
    for limb in limbs.iter_mut() {
        let v = u64::from(*limb) * u64::from(m) + carry;
        *limb = (v % 1_000_000_000) as u32;
        carry = v / 1_000_000_000;
    }
    while carry > 0 {
        limbs.push((carry % 1_000_000_000) as u32);
        carry /= 1_000_000_000;
    }
}

impl Exact {
    /// The exact value of `|x|` (finite): the mantissa times a power of two,
    /// which for a negative power is the mantissa times 5^k over 10^k.
    pub fn of(x: f64) -> Exact {
        let bits = x.abs().to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (mantissa, pow2) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        let mut limbs = vec![0u32];
        mul_small(&mut limbs, 1, mantissa);
        let exp = if pow2 >= 0 {
            for _ in 0..pow2 {
                mul_small(&mut limbs, 2, 0);
            }
            0
        } else {
            for _ in 0..-pow2 {
                mul_small(&mut limbs, 5, 0);
            }
            pow2
        };
        let mut digits = Vec::with_capacity(limbs.len() * 9);
        for (i, limb) in limbs.iter().rev().enumerate() {
            let mut chunk = [0u8; 9];
            let mut v = *limb;
            for d in chunk.iter_mut().rev() {
                *d = (v % 10) as u8;
                v /= 10;
            }
            if i == 0 {
                digits.extend(chunk.iter().skip_while(|d| **d == 0));
            } else {
                digits.extend_from_slice(&chunk);
            }
        }
        Exact { digits, exp }
    }

    /// Rounds half-to-even so that the last digit is at 10^`at` (more zeros
    /// are added when the value has fewer digits).
    pub fn round_at(&mut self, at: i64) {
        if self.exp >= at {
            let pad = (self.exp - at).min(100_000) as usize;
            self.digits.extend(std::iter::repeat_n(0, pad));
            self.exp = at;
            return;
        }
        let cut = (at - self.exp) as usize;
        let keep = self.digits.len().saturating_sub(cut);
        let dropped = self.digits.get(keep..).unwrap_or(&[]);
        let first = if cut <= self.digits.len() {
            dropped.first().copied().unwrap_or(0)
        } else {
            0
        };
        let rest_zero = dropped.iter().skip(1).all(|d| *d == 0);
        let last_odd = keep > 0 && self.digits.get(keep - 1).is_some_and(|d| d % 2 == 1);
        let up = first > 5 || (first == 5 && (!rest_zero || last_odd));
        self.digits.truncate(keep);
        self.exp = at;
        if up {
            super::number::carry_one(&mut self.digits);
        }
        if self.digits.is_empty() {
            self.digits.push(0);
        }
    }

    /// The power of ten of the leading digit (0 for zero).
    pub fn leading(&self) -> i64 {
        match self.digits.iter().position(|d| *d != 0) {
            Some(i) => self.exp + (self.digits.len() - i) as i64 - 1,
            None => 0,
        }
    }

    /// Writes the value with `places` digits after the point (after
    /// `round_at(-places)`).
    pub fn fixed(&self, places: usize) -> String {
        let mut digits: Vec<u8> = self.digits.clone();
        while digits.len() < places + 1 {
            digits.insert(0, 0);
        }
        let split = digits.len() - places;
        let int = &digits[..split];
        let first = int.iter().position(|d| *d != 0).unwrap_or(int.len() - 1);
        let mut out: String = int[first..].iter().map(|d| char::from(b'0' + d)).collect();
        if places > 0 {
            out.push('.');
            out.extend(digits[split..].iter().map(|d| char::from(b'0' + d)));
        }
        out
    }

    /// `d.ddd` with `precision` digits after the point, and the exponent:
    /// the value rounded to `precision + 1` significant digits.
    pub fn scientific(x: f64, precision: usize) -> (String, i64) {
        let mut e = Exact::of(x);
        // A carry (9.99 → 10.0) adds a leading digit: the exponent grows and
        // the digits taken below end in the extra zero.
        e.round_at(e.leading() - precision as i64);
        let lead = e.leading();
        let start = e.digits.iter().position(|d| *d != 0).unwrap_or(0);
        let sig: Vec<u8> = e.digits[start..]
            .iter()
            .copied()
            .chain(std::iter::repeat(0))
            .take(precision + 1)
            .collect();
        let mut out = String::with_capacity(precision + 2);
        out.push(char::from(b'0' + sig.first().copied().unwrap_or(0)));
        if precision > 0 {
            out.push('.');
            out.extend(sig[1..].iter().map(|d| char::from(b'0' + d)));
        }
        (out, lead)
    }
}
