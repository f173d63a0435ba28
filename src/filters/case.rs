//! Django's case filters: `title` (Python's `str.title()` with Django's fix-ups)
//! and `capfirst`.

use super::chars::is_decimal_digit;

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
