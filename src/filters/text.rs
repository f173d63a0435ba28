//! Text filters with Django's exact rules: truncation, word count, slugify, striptags.

use super::chars::{is_combining, is_py_space};

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

/// The ASCII characters of `s`'s NFKD form (Python's `unicodedata.normalize`
/// then `encode("ascii", "ignore")`): the host's `normalize("NFKD")` in the
/// wasm builds, else the table generated from Python's `unicodedata`.
fn nfkd_ascii(s: &str) -> String {
    match crate::host::nfkd(s) {
        Some(normal) => normal.chars().filter(char::is_ascii).collect(),
        #[cfg(not(target_arch = "wasm32"))]
        None => s
            .chars()
            .fold(String::with_capacity(s.len()), |mut out, c| {
                nfkd_ascii_char(c, &mut out);
                out
            }),
        // The wasm builds' host always answers: no table in their wasm.
        #[cfg(target_arch = "wasm32")]
        None => String::new(),
    }
}

/// Appends the ASCII characters of `c`'s NFKD decomposition (ASCII has
/// combining class 0, so canonical reordering never moves it).
#[cfg(not(target_arch = "wasm32"))]
fn nfkd_ascii_char(c: char, out: &mut String) {
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
    let folded = nfkd_ascii(s);
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
