//! Python's Unicode character classes the filters rely on: decimal digits,
//! `str.isspace()`, combining marks.

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
pub fn is_combining(c: char) -> bool {
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
