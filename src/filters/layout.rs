//! Django's filters that shape text or cut a value: `center`, `ljust`, `rjust`,
//! `escape`, `linebreaksbr`, `slice`, `make_list` and `get_digit`. A filter
//! that grows text computes the size first and refuses past
//! [`MAX_VALUE_BYTES`] before it allocates.

use super::number::{py_int_text, to_int};
use crate::template::{cat, RenderError, Scope, MAX_LIST_ITEMS, MAX_VALUE_BYTES};
use crate::value::{Val, Value};

fn too_big(filter: &str) -> RenderError {
    RenderError::limit(cat(&[
        filter,
        " would build a text longer than 65536 bytes",
    ]))
}

/// Python's `int(arg)` for a filter that raises without one (`center`, …).
fn int_arg(filter: &str, arg: Option<&Value>) -> Result<i64, RenderError> {
    arg.and_then(to_int)
        .map(|n| n.clamp(-1e15, 1e15) as i64)
        .ok_or_else(|| RenderError::value(cat(&[filter, " needs an integer argument"])))
}

/// Python's `str.center`, `str.ljust`, `str.rjust` with spaces.
pub fn justify(filter: &str, s: &str, arg: Option<&Value>) -> Result<String, RenderError> {
    let width = int_arg(filter, arg)?;
    let len = s.chars().count() as i64;
    if width <= len {
        return Ok(s.to_string());
    }
    let marg = width - len;
    if s.len() as i64 + marg > MAX_VALUE_BYTES as i64 {
        return Err(too_big(filter));
    }
    let left = match filter {
        "ljust" => 0,
        "rjust" => marg,
        // CPython's pad(): the odd space goes left when both are odd.
        _ => marg / 2 + (marg & width & 1),
    } as usize;
    let mut out = String::with_capacity(s.len() + marg as usize);
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', marg as usize - left));
    Ok(out)
}

/// Python's `html.escape(s)`: `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(s: &str) -> Result<String, RenderError> {
    let entity = |c: char| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#x27;"),
        _ => None,
    };
    let size: usize = s
        .chars()
        .map(|c| entity(c).map_or(c.len_utf8(), str::len))
        .sum();
    if size > MAX_VALUE_BYTES {
        return Err(too_big("escape"));
    }
    let mut out = String::with_capacity(size);
    for c in s.chars() {
        match entity(c) {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
    Ok(out)
}

/// Django's `linebreaksbr` (autoescape off, as pass fields are): `\r\n` and
/// `\r` become `\n`, then every `\n` is `<br>`.
pub fn linebreaksbr(s: &str) -> Result<String, RenderError> {
    let breaks = s.matches(['\n', '\r']).count();
    if s.len() + 3 * breaks > MAX_VALUE_BYTES {
        return Err(too_big("linebreaksbr"));
    }
    let mut out = String::with_capacity(s.len() + 3 * breaks);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Django's `make_list`: the characters of the value's text, as a list.
pub fn make_list(s: &str) -> Result<Val, RenderError> {
    if s.chars().nth(MAX_LIST_ITEMS).is_some() {
        return Err(RenderError::limit(
            "make_list would build a list of more than 1000 items".to_string(),
        ));
    }
    Ok(Val::Seq(
        s.chars().map(|c| Val::str(c.to_string())).collect(),
    ))
}

/// The indices Python's `seq[slice(*bits)]` takes from a sequence of `len`.
fn slice_indices(bits: &[Option<i64>], len: usize) -> Option<Vec<usize>> {
    let (start, stop, step) = match bits {
        [stop] => (None, *stop, None),
        [start, stop] => (*start, *stop, None),
        [start, stop, step] => (*start, *stop, *step),
        _ => return None,
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let n = len as i64;
    let clamp = |i: Option<i64>, forward_default: i64, backward_default: i64| match i {
        None if step > 0 => forward_default,
        None => backward_default,
        Some(i) if i < 0 && i + n < 0 => {
            if step > 0 {
                0
            } else {
                -1
            }
        }
        Some(i) if i < 0 => i + n,
        Some(i) if i >= n => {
            if step > 0 {
                n
            } else {
                n - 1
            }
        }
        Some(i) => i,
    };
    let (mut i, stop) = (clamp(start, 0, n - 1), clamp(stop, n, -1));
    let mut out = Vec::new();
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    Some(out)
}

/// Django's `slice`: Python's slicing of a text or a list by `"start:stop:step"`;
/// any other value, or an argument Python cannot read, gives the value unchanged.
pub fn slice(v: Val, arg: Option<&Value>, scope: &Scope) -> Result<Val, RenderError> {
    let spec = match arg {
        Some(Value::Number(n)) if n.fract() == 0.0 => crate::value::js_number(*n),
        Some(Value::Str(s)) => s.clone(),
        _ => return Ok(v),
    };
    let mut bits = Vec::new();
    for part in spec.split(':') {
        if part.is_empty() {
            bits.push(None);
        } else {
            match py_int_text(part) {
                Some(n) => bits.push(Some(n.clamp(-1e15, 1e15) as i64)),
                None => return Ok(v),
            }
        }
    }
    Ok(match &v {
        Val::V(Value::Str(s)) => {
            let chars: Vec<char> = s.chars().collect();
            match slice_indices(&bits, chars.len()) {
                Some(ix) => Val::str(ix.iter().filter_map(|i| chars.get(*i)).collect::<String>()),
                None => v,
            }
        }
        Val::Seq(_) | Val::At(_, _, Value::List(_)) => {
            let items = scope.items(&v, "slice")?;
            match slice_indices(&bits, items.len()) {
                Some(ix) => Val::Seq(ix.iter().filter_map(|i| items.get(*i).cloned()).collect()),
                None => v,
            }
        }
        _ => v,
    })
}

/// Python's `int(v)`: `Ok(None)` where it raises ValueError (text that is
/// not an integer; a missing variable is Django's ""), `Err` for TypeError.
fn py_int(v: &Value) -> Result<Option<f64>, ()> {
    match v {
        Value::Missing => Ok(None),
        Value::Str(_) | Value::Number(_) | Value::Bool(_) => Ok(to_int(v)),
        _ => Err(()),
    }
}

/// Django's `get_digit`: the `arg`-th digit from the right of an integer (1
/// is the last), 0 past the first; the value unchanged when either is not an
/// integer, and the integer when `arg` is below 1.
pub fn get_digit(v: Val, arg: Option<&Value>) -> Result<Val, RenderError> {
    let fails = || RenderError::value("get_digit needs an integer value and argument");
    let Some(a) = py_int(arg.unwrap_or(&Value::Missing)).map_err(|()| fails())? else {
        return Ok(v);
    };
    let Some(n) = py_int(&v.value()).map_err(|()| fails())? else {
        return Ok(v);
    };
    if a < 1.0 {
        return Ok(Val::num(n));
    }
    if n.abs() >= 1e38 {
        return Err(fails());
    }
    let digits = (n as i128).to_string();
    match digits.chars().rev().nth(a.min(1e6) as usize - 1) {
        None => Ok(Val::num(0.0)),
        // Python's int('-') raises for the sign of a negative number.
        Some(d) => d
            .to_digit(10)
            .map(|d| Val::num(f64::from(d)))
            .ok_or_else(fails),
    }
}

/// Python's `str.splitlines()` (without the line ends).
fn splitlines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(
            c,
            '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) {
            lines.push(&s[start..i]);
            start = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                chars.next();
                start += 1;
            }
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

/// Python's `textwrap.TextWrapper(width, break_long_words=False,
/// break_on_hyphens=False, replace_whitespace=False).wrap(line)`: tabs
/// expanded, chunks split at runs of ASCII whitespace, whitespace dropped at
/// line ends and (after the first line) at line starts; a long word stays whole.
fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let mut expanded = String::with_capacity(line.len());
    let mut col = 0;
    for c in line.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                expanded.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                expanded.push(c);
                col = 0;
            }
            _ => {
                expanded.push(c);
                col += 1;
            }
        }
    }
    let is_ws = |c: char| matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ');
    let mut chunks: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in expanded.char_indices() {
        let prev_ws = expanded[..i].chars().next_back().is_some_and(is_ws);
        if i > 0 && is_ws(c) != prev_ws {
            chunks.push(&expanded[start..i]);
            start = i;
        }
    }
    if start < expanded.len() {
        chunks.push(&expanded[start..]);
    }
    let blank = |s: &str| s.chars().all(super::chars::is_py_space);
    let mut lines: Vec<String> = Vec::new();
    let mut rest = chunks.into_iter().peekable();
    while rest.peek().is_some() {
        if !lines.is_empty() && rest.peek().is_some_and(|c| blank(c)) {
            rest.next();
        }
        let mut cur: Vec<&str> = Vec::new();
        let mut len = 0;
        while let Some(c) = rest.peek() {
            let l = c.chars().count();
            if len + l > width {
                break;
            }
            cur.push(c);
            len += l;
            rest.next();
        }
        if cur.is_empty() {
            if let Some(c) = rest.next() {
                cur.push(c);
            }
        }
        if cur.last().is_some_and(|c| blank(c)) {
            cur.pop();
        }
        if !cur.is_empty() {
            lines.push(cur.concat());
        }
    }
    lines
}

/// Django's `wordwrap`: each line wrapped at `width` characters, existing
/// line breaks kept.
pub fn wordwrap(s: &str, arg: Option<&Value>) -> Result<String, RenderError> {
    let width = int_arg("wordwrap", arg)?;
    let lines = splitlines(s);
    if width <= 0 && !lines.is_empty() {
        return Err(RenderError::value("wordwrap needs a width above 0"));
    }
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let wrapped = wrap_line(line, width as usize);
        if wrapped.is_empty() {
            out.push(line.to_string());
        } else {
            out.extend(wrapped);
        }
    }
    if s.ends_with('\n') {
        out.push(String::new());
    }
    let text = out.join("\n");
    if text.len() > MAX_VALUE_BYTES {
        return Err(too_big("wordwrap"));
    }
    Ok(text)
}
