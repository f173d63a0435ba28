//! Text filters with Django's exact rules: title, slugify, truncation, urlencode, striptags, Base64.

/// Django's `title`: Python's `str.title()`, then its two regex fix-ups in
/// order — `([a-z])'([A-Z])` (so `they're`, `rock'n'roll`) and `\d([A-Z])`
/// (so `1st`) lower the capital they matched.
pub fn title(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    // Runs to lower-case (after a cased letter) or upper-case (word starts
    // without a special titlecase form) go to the host in one piece each:
    // both mappings are context-free here (Σ never enters a run).
    let mut cased = String::with_capacity(s.len());
    let mut run = String::new();
    let mut run_is_lower = false;
    let flush = |run: &mut String, lower: bool, out: &mut String| {
        if !run.is_empty() {
            out.push_str(&if lower {
                crate::host::lower(run)
            } else {
                crate::host::upper(run)
            });
            run.clear();
        }
    };
    let mut prev_cased = false;
    for (i, &c) in chars.iter().enumerate() {
        if prev_cased && c == 'Σ' {
            // Python's final-sigma rule: ς unless a cased letter follows
            // (case-ignorable characters in between do not count).
            flush(&mut run, run_is_lower, &mut cased);
            let next_cased = chars
                .iter()
                .skip(i + 1)
                .find(|n| !is_case_ignorable(**n))
                .is_some_and(|n| is_cased(*n));
            cased.push(if next_cased { 'σ' } else { 'ς' });
        } else if prev_cased {
            if !run_is_lower {
                flush(&mut run, false, &mut cased);
                run_is_lower = true;
            }
            run.push(c);
        } else {
            let mut special = String::new();
            if push_titlecase_special(c, &mut special) {
                flush(&mut run, run_is_lower, &mut cased);
                cased.push_str(&special);
            } else {
                if run_is_lower {
                    flush(&mut run, true, &mut cased);
                    run_is_lower = false;
                }
                run.push(c);
            }
        }
        prev_cased = is_cased(c);
    }
    flush(&mut run, run_is_lower, &mut cased);
    let mut titled: Vec<char> = cased.chars().collect();
    // Each pass is non-overlapping, left to right, as `re.sub` is.
    let mut i = 0;
    while i + 2 < titled.len() {
        let (a, q, b) = (titled[i], titled[i + 1], titled[i + 2]);
        if a.is_ascii_lowercase() && q == '\'' && b.is_ascii_uppercase() {
            titled[i + 2] = b.to_ascii_lowercase();
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut i = 0;
    while i + 1 < titled.len() {
        if is_decimal_digit(titled[i]) && titled[i + 1].is_ascii_uppercase() {
            titled[i + 1] = titled[i + 1].to_ascii_lowercase();
            i += 2;
        } else {
            i += 1;
        }
    }
    titled.into_iter().collect()
}

/// Unicode's Case_Ignorable characters that matter between letters:
/// apostrophes, periods, colons, middle dots, soft hyphen, combining marks.
fn is_case_ignorable(c: char) -> bool {
    matches!(c,
        '\'' | '.' | ':' | '^' | '`' | '\u{00AD}' | '\u{00B7}' | '\u{2018}' | '\u{2019}' | '\u{2024}'
        | '\u{2027}' | '\u{FE13}' | '\u{FE52}' | '\u{FE55}' | '\u{FF07}' | '\u{FF0E}' | '\u{FF1A}'
        | '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}')
}

/// Unicode's Cased property: lowercase, uppercase or titlecase letters.
fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase_letter(c)
}

/// The titlecase letters (category Lt): digraphs and Greek with prosgegrammeni.
fn is_titlecase_letter(c: char) -> bool {
    matches!(c as u32,
        0x01C5 | 0x01C8 | 0x01CB | 0x01F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
        | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Pushes the titlecase form of `c` where it differs from its uppercase
/// (digraphs, ligatures, ß, Greek with ypogegrammeni, Georgian) and returns
/// true; returns false, pushing nothing, for every other character.
fn push_titlecase_special(c: char, out: &mut String) -> bool {
    let special: Option<&str> = match c {
        '\u{01C4}'..='\u{01C6}' => Some("\u{01C5}"),
        '\u{01C7}'..='\u{01C9}' => Some("\u{01C8}"),
        '\u{01CA}'..='\u{01CC}' => Some("\u{01CB}"),
        '\u{01F1}'..='\u{01F3}' => Some("\u{01F2}"),
        'ß' => Some("Ss"),
        '\u{0149}' => Some("\u{02BC}N"),
        '\u{FB00}' => Some("Ff"),
        '\u{FB01}' => Some("Fi"),
        '\u{FB02}' => Some("Fl"),
        '\u{FB03}' => Some("Ffi"),
        '\u{FB04}' => Some("Ffl"),
        '\u{FB05}' | '\u{FB06}' => Some("St"),
        '\u{0587}' => Some("\u{0535}\u{0582}"),
        '\u{FB13}' => Some("\u{0544}\u{0576}"),
        '\u{FB14}' => Some("\u{0544}\u{0565}"),
        '\u{FB15}' => Some("\u{0544}\u{056B}"),
        '\u{FB16}' => Some("\u{054E}\u{0576}"),
        '\u{FB17}' => Some("\u{0544}\u{056D}"),
        _ => None,
    };
    if let Some(t) = special {
        out.push_str(t);
        return true;
    }
    let code = c as u32;
    let mapped = match code {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => char::from_u32(code + 8),
        0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC => Some(c),
        0x1FB3 => Some('\u{1FBC}'),
        0x1FC3 => Some('\u{1FCC}'),
        0x1FF3 => Some('\u{1FFC}'),
        // Georgian Mkhedruli letters are their own titlecase.
        0x10D0..=0x10FA | 0x10FD..=0x10FF => Some(c),
        _ => None,
    };
    match mapped {
        Some(m) => {
            out.push(m);
            true
        }
        None => false,
    }
}

/// Python's `\d` in a `str` pattern: Unicode decimal digits (the common blocks).
pub fn is_decimal_digit(c: char) -> bool {
    decimal_value(c).is_some()
}

/// The value of a Unicode decimal digit (`7`, Arabic-Indic `٧`, fullwidth
/// `７`, …), as Python's `int()` and `Decimal()` read it (the common blocks).
pub fn decimal_value(c: char) -> Option<u8> {
    const ZEROS: [u32; 37] = [
        0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
        0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
        0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
        0xFF10,
    ];
    let code = c as u32;
    ZEROS
        .iter()
        .find(|z| (**z..**z + 10).contains(&code))
        .map(|z| (code - z) as u8)
}

/// Python's `str.isspace()`: Unicode White_Space plus the four ASCII
/// information separators (`\x1c`–`\x1f`).
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `unicodedata.combining(c) != 0`: a non-zero canonical combining class.
fn is_combining(c: char) -> bool {
    let code = c as u32;
    code >= 0x300
        && super::unicode_data::COMBINING
            .binary_search_by(|(lo, hi)| {
                if *hi < code {
                    std::cmp::Ordering::Less
                } else if *lo > code {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// Django's `truncatechars`: at most `n` characters counting the `…` it adds;
/// combining marks do not count.
pub fn truncatechars(s: &str, n: i64) -> String {
    if n <= 0 {
        return String::new();
    }
    let n = n as usize;
    let keep = n - 1;
    let mut count = 0;
    let mut end = None;
    for (i, c) in s.char_indices() {
        if is_combining(c) {
            continue;
        }
        count += 1;
        if end.is_none() && count > keep {
            end = Some(i);
        }
        if count > n {
            let mut out = s[..end.unwrap_or(0)].to_string();
            out.push('…');
            return out;
        }
    }
    s.to_string()
}

/// Django's `truncatewords`: the first `n` words joined by one space, then ` …`
/// when words were dropped; whitespace runs always collapse.
pub fn truncatewords(s: &str, n: i64) -> String {
    if n <= 0 {
        return String::new();
    }
    let words: Vec<&str> = s.split(is_py_space).filter(|w| !w.is_empty()).collect();
    let n = n as usize;
    let mut out = words[..words.len().min(n)].join(" ");
    if words.len() > n && !out.ends_with(" …") {
        out.push_str(" …");
    }
    out
}

/// The number of words (Python's `len(s.split())`).
pub fn wordcount(s: &str) -> usize {
    s.split(is_py_space).filter(|w| !w.is_empty()).count()
}

/// Django's `capfirst`: the first character in upper case.
pub fn capfirst(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => {
            let mut out = crate::host::upper(c.encode_utf8(&mut [0; 4]));
            out.push_str(chars.as_str());
            out
        }
        None => String::new(),
    }
}

/// Appends the ASCII characters of `c`'s NFKD decomposition (ASCII has
/// combining class 0, so canonical reordering never moves it).
fn nfkd_ascii(c: char, out: &mut String) {
    use super::unicode_data::{ASCII, CODES, OFFSETS};
    if c.is_ascii() {
        out.push(c);
    } else if let Ok(i) = CODES.binary_search(&(c as u32)) {
        let span = OFFSETS.get(i).zip(OFFSETS.get(i + 1));
        if let Some(part) = span.and_then(|(a, b)| ASCII.get(usize::from(*a)..usize::from(*b))) {
            out.push_str(part);
        }
    }
}

/// Django's `slugify` (without `allow_unicode`): Unicode NFKD, keep ASCII,
/// lower, drop everything but letters, digits, `_`, `-` and spaces, then runs
/// of spaces and dashes become one `-`, and leading/trailing `-`/`_` go.
pub fn slugify(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        nfkd_ascii(c, &mut folded);
    }
    let mut out = String::with_capacity(folded.len());
    let mut dash = false;
    for c in folded.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(c);
        } else if c == '-' || is_py_space(c) {
            dash = true;
        }
    }
    if dash {
        out.push('-');
    }
    out.trim_matches(['-', '_']).to_string()
}

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

/// Django's `striptags` for well-formed markup: removes `<tag …>`, `</tag>`,
/// `<!-- … -->` and `<!…>`/`<?…>`; a `<` that starts no tag stays text.
pub fn striptags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    // What is not found after one `<` is not found after a later one either:
    // remembering it keeps the scan linear (`<a<a<a…` has no tag).
    let (mut no_close, mut no_comment_close) = (false, false);
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        let end = if after.starts_with("!--") {
            let end = (!no_comment_close).then(|| after.find("-->")).flatten();
            no_comment_close = end.is_none();
            end.map(|e| e + 3)
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // A start tag whose end is not found (no `>` outside quotes) is
            // not searched for again from a later `<`: linear on `<a "<a "…`.
            let end = (!no_close).then(|| start_tag_end(after)).flatten();
            no_close = end.is_none();
            end
        } else {
            let end = (!no_close).then(|| after.find('>')).flatten();
            no_close = end.is_none();
            end.map(|e| e + 1)
        };
        match (starts_tag, end) {
            (true, Some(e)) => rest = &after[e..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a start tag's `>` is (after it), as Python's HTMLParser finds it:
/// a `>` inside a quoted attribute value (`title="a > b"`) does not end it.
fn start_tag_end(after: &str) -> Option<usize> {
    let mut chars = after.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '>' => return Some(i + 1),
            '=' => {
                while chars
                    .peek()
                    .is_some_and(|(_, n)| n.is_whitespace() || *n == '=')
                {
                    chars.next();
                }
                if let Some(&(_, q @ ('"' | '\''))) = chars.peek() {
                    chars.next();
                    chars.find(|(_, n)| *n == q)?;
                }
            }
            _ => {}
        }
    }
    None
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
