//! Encoding filters: `urlencode` (Python's `quote`) and Base64.

/// Python's `urllib.parse.quote(s, safe)`: UTF-8, upper-case hex, with
/// letters, digits and `_.-~` never quoted.
pub fn urlencode(s: &str, safe: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let safe = ascii_set(safe);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unquoted(c, &safe) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// The length of [`urlencode`]'s result, without building it (`safe` as
/// the filter's argument: `/` when there is none).
pub fn urlencoded_len(s: &str, safe: Option<&crate::value::Value>) -> usize {
    let safe = safe.map_or_else(|| "/".to_string(), |v| v.to_text().unwrap_or_default());
    let safe = ascii_set(&safe);
    s.chars()
        .map(|c| {
            if is_unquoted(c, &safe) {
                1
            } else {
                3 * c.len_utf8()
            }
        })
        .sum()
}

/// The ASCII characters of `safe`, as a set (one pass over it, however long).
fn ascii_set(safe: &str) -> [bool; 128] {
    let mut set = [false; 128];
    for b in safe.bytes() {
        if let Some(slot) = set.get_mut(usize::from(b)) {
            *slot = true;
        }
    }
    set
}

/// Letters, digits, `_.-~` and the ASCII characters of the safe set stay as they are.
fn is_unquoted(c: char, safe: &[bool; 128]) -> bool {
    c.is_ascii_alphanumeric()
        || "_.-~".contains(c)
        || safe.get(c as usize).copied().unwrap_or(false)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with padding; `url_safe` uses `-` and `_` for `+` and `/`.
pub fn base64_encode(data: &[u8], url_safe: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let mut c = B64[((n >> (18 - 6 * i)) & 63) as usize];
                if url_safe {
                    c = match c {
                        b'+' => b'-',
                        b'/' => b'_',
                        other => other,
                    };
                }
                out.push(char::from(c));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes Base64 (padding optional; both alphabets accepted for the
/// URL-safe variant); `None` for anything else.
pub fn base64_decode(text: &str, url_safe: bool) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=');
    if text.len() - t.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in t.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' if !url_safe => 62,
            b'/' if !url_safe => 63,
            b'-' if url_safe => 62,
            b'_' if url_safe => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // A single leftover character cannot encode a byte.
    (t.len() % 4 != 1).then_some(out)
}
