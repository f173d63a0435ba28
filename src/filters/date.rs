//! Django's `date` filter over the date text a JSON profile carries, in UTC.

use crate::calendar::days_from_civil;

/// A moment in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micro: i64,
    /// Days since 1970-01-01.
    days: i64,
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let s = b.get(at..at + n)?;
    s.iter()
        .all(u8::is_ascii_digit)
        .then(|| s.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
}

/// Reads ISO 8601 text (`2024-03-05`, `2024-03-05T10:00:00Z`,
/// `2024-03-05T10:00:00.5+02:00`) and Klaviyo's `2024-03-05 10:00:00`; a
/// time without an offset is UTC, a date alone is midnight UTC.
pub fn parse(text: &str) -> Option<DateTime> {
    let b = text.trim().as_bytes();
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || year < 1 {
        return None;
    }
    let (mut hour, mut minute, mut second, mut micro, mut offset) = (0, 0, 0, 0, 0);
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        hour = digits(b, i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        minute = digits(b, i + 4, 2)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            second = digits(b, i + 1, 2)?;
            i += 3;
            if matches!(b.get(i), Some(b'.' | b',')) {
                let start = i + 1;
                i = start;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == start || i - start > 9 {
                    return None;
                }
                let frac = &b[start..i];
                for k in 0..6 {
                    micro = micro * 10 + frac.get(k).map_or(0, |d| i64::from(d - b'0'));
                }
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&s @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)?;
                let om = match b.len() - i {
                    3 => 0,
                    5 => digits(b, i + 3, 2)?,
                    6 if b[i + 3] == b':' => digits(b, i + 4, 2)?,
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                offset = (oh * 60 + om) * if s == b'-' { -1 } else { 1 };
            }
            _ => return None,
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
    }
    let local = days_from_civil(year, month, day) * 1440 + hour * 60 + minute;
    let utc = local - offset;
    let days = utc.div_euclid(1440);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return None;
    }
    let m = utc.rem_euclid(1440);
    Some(DateTime {
        year,
        month,
        day,
        hour: m / 60,
        minute: m % 60,
        second,
        micro,
        days,
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_AP: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn pad(out: &mut String, n: i64, width: usize) {
    let s = n.to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

/// Django's named formats (English locale).
fn named(format: &str) -> &str {
    match format {
        "DATE_FORMAT" => "N j, Y",
        "DATETIME_FORMAT" => "N j, Y, P",
        "SHORT_DATE_FORMAT" => "m/d/Y",
        "SHORT_DATETIME_FORMAT" => "m/d/Y P",
        "TIME_FORMAT" => "P",
        "MONTH_DAY_FORMAT" => "F j",
        "YEAR_MONTH_FORMAT" => "F Y",
        other => other,
    }
}

impl DateTime {
    /// 0 = Sunday.
    fn weekday(&self) -> usize {
        (self.days + 4).rem_euclid(7) as usize
    }

    fn day_of_year(&self) -> i64 {
        self.days - days_from_civil(self.year, 1, 1) + 1
    }

    /// ISO 8601 week-numbering year and week.
    fn iso_week(&self) -> (i64, i64) {
        let iso_wd = (self.days + 3).rem_euclid(7) + 1;
        let thursday = self.days - iso_wd + 4;
        let (y, _, _) = civil_from_days(thursday);
        (y, (thursday - days_from_civil(y, 1, 1)) / 7 + 1)
    }

    fn hour12(&self) -> i64 {
        match self.hour % 12 {
            0 => 12,
            h => h,
        }
    }

    fn push_f(&self, out: &mut String) {
        pad(out, self.hour12(), 1);
        if self.minute != 0 {
            out.push(':');
            pad(out, self.minute, 2);
        }
    }

    fn push_iso(&self, out: &mut String) {
        pad(out, self.year, 4);
        out.push('-');
        pad(out, self.month, 2);
        out.push('-');
        pad(out, self.day, 2);
        out.push('T');
        pad(out, self.hour, 2);
        out.push(':');
        pad(out, self.minute, 2);
        out.push(':');
        pad(out, self.second, 2);
        if self.micro != 0 {
            out.push('.');
            pad(out, self.micro, 6);
        }
        out.push_str("+00:00");
    }

    /// Formats with Django's format characters, escaped as Django does: a
    /// character right after a `\` in the format is never a format character,
    /// and `\x` is `x` (so `\\Y` is `\Y`), except before a line break.
    pub fn format(&self, format: &str) -> String {
        let mut out = String::new();
        let chars: Vec<char> = named(format).chars().collect();
        let month = (self.month - 1) as usize;
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            i += 1;
            let after_backslash = i >= 2 && chars.get(i - 2) == Some(&'\\');
            match c {
                '\\' => match chars.get(i) {
                    Some(&n) if n != '\n' => {
                        out.push(n);
                        i += 1;
                    }
                    _ => out.push('\\'),
                },
                _ if after_backslash => out.push(c),
                'a' => out.push_str(if self.hour > 11 { "p.m." } else { "a.m." }),
                'A' => out.push_str(if self.hour > 11 { "PM" } else { "AM" }),
                'b' => out.push_str(&MONTHS[month][..3].to_ascii_lowercase()),
                'c' => self.push_iso(&mut out),
                'd' => pad(&mut out, self.day, 2),
                'D' => out.push_str(&DAYS[self.weekday()][..3]),
                'e' | 'T' => out.push_str("UTC"),
                'E' | 'F' => out.push_str(MONTHS[month]),
                'f' => self.push_f(&mut out),
                'g' => pad(&mut out, self.hour12(), 1),
                'G' => pad(&mut out, self.hour, 1),
                'h' => pad(&mut out, self.hour12(), 2),
                'H' => pad(&mut out, self.hour, 2),
                'i' => pad(&mut out, self.minute, 2),
                'I' => out.push('0'),
                'j' => pad(&mut out, self.day, 1),
                'l' => out.push_str(DAYS[self.weekday()]),
                'L' => out.push_str(if is_leap(self.year) { "True" } else { "False" }),
                'm' => pad(&mut out, self.month, 2),
                'M' => out.push_str(&MONTHS[month][..3]),
                'n' => pad(&mut out, self.month, 1),
                'N' => out.push_str(MONTHS_AP[month]),
                'o' => pad(&mut out, self.iso_week().0, 1),
                'O' => out.push_str("+0000"),
                'P' => match (self.hour, self.minute) {
                    (0, 0) => out.push_str("midnight"),
                    (12, 0) => out.push_str("noon"),
                    _ => {
                        self.push_f(&mut out);
                        out.push_str(if self.hour > 11 { " p.m." } else { " a.m." });
                    }
                },
                'r' => {
                    out.push_str(&DAYS[self.weekday()][..3]);
                    out.push_str(", ");
                    pad(&mut out, self.day, 2);
                    out.push(' ');
                    out.push_str(&MONTHS[month][..3]);
                    out.push(' ');
                    pad(&mut out, self.year, 4);
                    out.push(' ');
                    pad(&mut out, self.hour, 2);
                    out.push(':');
                    pad(&mut out, self.minute, 2);
                    out.push(':');
                    pad(&mut out, self.second, 2);
                    out.push_str(" +0000");
                }
                's' => pad(&mut out, self.second, 2),
                'S' => out.push_str(match (self.day, self.day % 10) {
                    (11..=13, _) => "th",
                    (_, 1) => "st",
                    (_, 2) => "nd",
                    (_, 3) => "rd",
                    _ => "th",
                }),
                't' => pad(&mut out, days_in_month(self.year, self.month), 1),
                'u' => pad(&mut out, self.micro, 6),
                'U' => {
                    let secs =
                        self.days * 86_400 + self.hour * 3600 + self.minute * 60 + self.second;
                    out.push_str(&secs.to_string());
                }
                'w' => pad(&mut out, self.weekday() as i64, 1),
                'W' => pad(&mut out, self.iso_week().1, 1),
                'y' => pad(&mut out, self.year % 100, 2),
                'Y' => pad(&mut out, self.year, 4),
                'z' => pad(&mut out, self.day_of_year(), 1),
                'Z' => out.push('0'),
                other => out.push(other),
            }
            // A long format stops growing once past the limit (the filter
            // refuses what is longer).
            if out.len() > crate::template::MAX_VALUE_BYTES {
                break;
            }
        }
        out
    }
}
