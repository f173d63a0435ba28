//! Civil dates as days since the Unix epoch (proleptic Gregorian), for the
//! `date` filter and HTTP dates (`Retry-After`).

/// Days since 1970-01-01 of year `y`, month `m` (1–12), day `d`
/// (Howard Hinnant's days_from_civil).
///
/// ```
/// assert_eq!(passbridge::days_from_civil(1970, 1, 1), 0);
/// assert_eq!(passbridge::days_from_civil(2000, 3, 1), 11_017);
/// ```
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
