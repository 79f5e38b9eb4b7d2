//! Wall-clock time in France (Europe/Paris), without a time-zone database: French schools
//! live on one zone whose rule is the EU one (UTC+1, UTC+2 from the last Sunday of March
//! 01:00 UTC to the last Sunday of October 01:00 UTC). Used where the establishment's clock
//! matters: grade publication ("every day at 18:00"), dates shown to families.

use crate::DomainError;

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, month, day)
}

/// Day count of the last Sunday of a month (1970-01-01 was a Thursday).
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month + 1, 1) - 1;
    let weekday = (last + 4).rem_euclid(7); // 0 = Sunday
    last - weekday
}

/// Paris's offset from UTC at this instant, in milliseconds.
pub fn offset_ms(utc_ms: i64) -> i64 {
    let (year, _, _) = civil_from_days(utc_ms.div_euclid(MS_PER_DAY));
    let summer_starts = last_sunday(year, 3) * MS_PER_DAY + MS_PER_HOUR;
    let summer_ends = last_sunday(year, 10) * MS_PER_DAY + MS_PER_HOUR;
    if (summer_starts..summer_ends).contains(&utc_ms) { 2 * MS_PER_HOUR } else { MS_PER_HOUR }
}

/// Paris wall-clock parts of an instant: (year, month, day, hour, minute).
pub fn local_parts(utc_ms: i64) -> (i64, u32, u32, u32, u32) {
    let local = utc_ms + offset_ms(utc_ms);
    let (y, m, d) = civil_from_days(local.div_euclid(MS_PER_DAY));
    let in_day = local.rem_euclid(MS_PER_DAY);
    (y, m, d, (in_day / MS_PER_HOUR) as u32, ((in_day % MS_PER_HOUR) / MS_PER_MINUTE) as u32)
}

/// The UTC instant of a Paris wall-clock time (the first one when the clock goes back).
fn instant_of(year: i64, month: u32, day: u32, hour: u32) -> i64 {
    let naive = days_from_civil(year, month, day) * MS_PER_DAY + i64::from(hour) * MS_PER_HOUR;
    // Try the winter offset first, then the summer one: whichever maps back is right.
    let winter = naive - MS_PER_HOUR;
    if offset_ms(winter) == MS_PER_HOUR { winter } else { naive - 2 * MS_PER_HOUR }
}

/// The first instant at or after `now` when the Paris clock shows `hour`:00.
pub fn next_daily(now_ms: i64, hour: u32) -> i64 {
    let (y, m, d, _, _) = local_parts(now_ms);
    let today = instant_of(y, m, d, hour);
    if today >= now_ms {
        return today;
    }
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + 1);
    instant_of(y, m, d, hour)
}

/// "23/11/2026 à 18:00", Paris time.
pub fn format_datetime(utc_ms: i64) -> String {
    let (y, m, d, h, min) = local_parts(utc_ms);
    format!("{d:02}/{m:02}/{y} à {h:02}:{min:02}")
}

const WEEKDAYS: [&str; 7] = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "mardi 1 décembre 2026 à 14:05", Paris time: an instant in words, for a page that names
/// one moment among many (a pad's versions).
pub fn format_datetime_long(utc_ms: i64) -> String {
    let (y, m, d, h, min) = local_parts(utc_ms);
    let weekday = WEEKDAYS[(days_from_civil(y, m, d) + 4).rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!("{weekday} {d} {month} {y} à {h:02}:{min:02}")
}

/// "2026-11-23" → "23/11/2026".
pub fn format_date(iso: &str) -> String {
    match parse_date(iso) {
        Ok((y, m, d)) => format!("{d:02}/{m:02}/{y}"),
        Err(_) => iso.to_string(),
    }
}

/// Today's date in Paris, as "2026-11-23".
pub fn today_iso(now_ms: i64) -> String {
    let (y, m, d, _, _) = local_parts(now_ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Reads a date as a browser's date field sends it ("2026-11-23") or as typed in France
/// ("23/11/2026"), and checks that the day exists.
pub fn parse_date(raw: &str) -> Result<(i64, u32, u32), DomainError> {
    let bad = || DomainError::new("date", "La date doit être un jour du calendrier, par exemple 23/11/2026.");
    let t = raw.trim();
    let parts: Vec<&str> = if t.contains('/') { t.split('/').rev().collect() } else { t.split('-').collect() };
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (y, m, d): (i64, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return Err(bad());
    }
    let (_, m2, d2) = civil_from_days(days_from_civil(y, m, d));
    if (m2, d2) != (m, d) {
        return Err(bad());
    }
    Ok((y, m, d))
}

/// Reads a time of day as a browser's time field sends it ("17:30") or as typed ("17h30",
/// "17h").
pub fn parse_time(raw: &str) -> Result<(u32, u32), DomainError> {
    let bad = || DomainError::new("heure", "L'heure s'écrit comme 17:30 ou 17h30.");
    let t = raw.trim().to_lowercase();
    let (h, m) = t.split_once([':', 'h']).unwrap_or((&t, ""));
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    let m: u32 = if m.trim().is_empty() { 0 } else { m.trim().parse().map_err(|_| bad())? };
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok((h, m))
}

/// The UTC instant when the Paris clock shows this date and time.
pub fn instant_at(date: (i64, u32, u32), hour: u32, minute: u32) -> i64 {
    instant_of(date.0, date.1, date.2, hour) + i64::from(minute) * MS_PER_MINUTE
}

/// "17:30", Paris time.
pub fn format_time(utc_ms: i64) -> String {
    let (_, _, _, h, m) = local_parts(utc_ms);
    format!("{h:02}:{m:02}")
}

/// The ISO form of a parsed date ("2026-11-23"), which sorts like the calendar.
pub fn iso(date: (i64, u32, u32)) -> String {
    format!("{:04}-{:02}-{:02}", date.0, date.1, date.2)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_instant_in_words_names_the_paris_weekday_day_month_and_time() {
        // 2026-12-01 13:05 UTC is 14:05 in Paris (winter time), a Tuesday.
        let ms = days_from_civil(2026, 12, 1) * MS_PER_DAY + 13 * MS_PER_HOUR + 5 * MS_PER_MINUTE;
        assert_eq!(format_datetime_long(ms), "mardi 1 décembre 2026 à 14:05");
        // 2026-07-14 22:30 UTC is already Wednesday 15 July, 00:30, in summer time.
        let ms = days_from_civil(2026, 7, 14) * MS_PER_DAY + 22 * MS_PER_HOUR + 30 * MS_PER_MINUTE;
        assert_eq!(format_datetime_long(ms), "mercredi 15 juillet 2026 à 00:30");
    }
    use super::*;

    #[test]
    fn times_of_day_are_read_as_typed_in_france_and_placed_on_paris_clocks() {
        assert_eq!(parse_time("17:30").ok(), Some((17, 30)));
        assert_eq!(parse_time(" 8h05 ").ok(), Some((8, 5)));
        assert_eq!(parse_time("18h").ok(), Some((18, 0)));
        assert!(parse_time("25:00").is_err() && parse_time("midi").is_err() && parse_time("17:75").is_err());
        // 1 December is winter time (UTC+1), 1 June summer time (UTC+2).
        assert_eq!(instant_at((2026, 12, 1), 17, 30), utc(2026, 12, 1, 16, 30));
        assert_eq!(instant_at((2027, 6, 1), 17, 30), utc(2027, 6, 1, 15, 30));
        assert_eq!(format_time(utc(2026, 12, 1, 16, 30)), "17:30");
    }

    fn utc(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
        days_from_civil(y, m, d) * MS_PER_DAY + h * MS_PER_HOUR + min * MS_PER_MINUTE
    }

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-1000, 0, 11_016, 11_017, 20_000, 20_415, 25_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn summer_time_follows_the_eu_rule() {
        // 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
        assert_eq!(offset_ms(utc(2026, 3, 29, 0, 59)), MS_PER_HOUR);
        assert_eq!(offset_ms(utc(2026, 3, 29, 1, 0)), 2 * MS_PER_HOUR);
        assert_eq!(offset_ms(utc(2026, 10, 25, 0, 59)), 2 * MS_PER_HOUR);
        assert_eq!(offset_ms(utc(2026, 10, 25, 1, 0)), MS_PER_HOUR);
        assert_eq!(local_parts(utc(2026, 11, 23, 8, 0)), (2026, 11, 23, 9, 0));
        assert_eq!(local_parts(utc(2026, 6, 15, 22, 30)), (2026, 6, 16, 0, 30));
    }

    #[test]
    fn next_publication_is_the_next_time_the_clock_shows_the_hour() {
        // Winter: 18:00 Paris = 17:00 UTC.
        assert_eq!(next_daily(utc(2026, 11, 23, 9, 0), 18), utc(2026, 11, 23, 17, 0));
        assert_eq!(next_daily(utc(2026, 11, 23, 17, 0), 18), utc(2026, 11, 23, 17, 0));
        assert_eq!(next_daily(utc(2026, 11, 23, 17, 1), 18), utc(2026, 11, 24, 17, 0));
        // Summer: 18:00 Paris = 16:00 UTC.
        assert_eq!(next_daily(utc(2026, 6, 2, 9, 0), 18), utc(2026, 6, 2, 16, 0));
        // Across the change of clock: Saturday evening, next is Sunday 18:00 winter time.
        assert_eq!(next_daily(utc(2026, 10, 24, 17, 0), 18), utc(2026, 10, 25, 17, 0));
        assert_eq!(format_datetime(utc(2026, 11, 23, 17, 0)), "23/11/2026 à 18:00");
    }

    #[test]
    fn dates_are_read_in_both_forms_and_must_exist() {
        assert_eq!(parse_date("2026-11-23").ok(), Some((2026, 11, 23)));
        assert_eq!(parse_date(" 23/11/2026 ").ok(), Some((2026, 11, 23)));
        assert_eq!(parse_date("2028-02-29").ok(), Some((2028, 2, 29)));
        for bad in ["2026-02-29", "31/04/2026", "2026-13-01", "hier", "", "2026-11", "1850-01-01"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(format_date("2026-11-03"), "03/11/2026");
        assert_eq!(today_iso(utc(2026, 11, 23, 23, 30)), "2026-11-24");
    }
}
