//! Calendar days without a time zone.
//!
//! Claim windows count whole days in the site's time zone; the caller decides which day "today"
//! is there (the server from its tz database, the browser from `Intl`). Keeping dates as plain
//! day numbers makes the window rule exact and keeps a tz database out of the wasm.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day in the proleptic Gregorian calendar, years 1 to 9999, written `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct CivilDate {
    /// Days since 1970-01-01.
    days: i32,
}

/// Why a text is not a calendar day.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum DateError {
    #[error("expected a date written YYYY-MM-DD")]
    Format,
    #[error("no such day in the calendar")]
    NoSuchDay,
}

const MIN_YEAR: i32 = 1;
const MAX_YEAR: i32 = 9999;

impl CivilDate {
    /// The day `year-month-day`, if the calendar has it.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self {
            days: days_from_civil(year, month, day),
        })
    }

    /// Year, month (1-12) and day of month (1-31).
    pub fn ymd(self) -> (i32, u8, u8) {
        civil_from_days(self.days)
    }

    /// The day `n` days later (earlier when negative), if it is still within years 1 to 9999.
    pub fn add_days(self, n: i32) -> Option<Self> {
        let days = self.days.checked_add(n)?;
        let (year, ..) = civil_from_days(days);
        (MIN_YEAR..=MAX_YEAR)
            .contains(&year)
            .then_some(Self { days })
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Self) -> i32 {
        later.days - self.days
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil` / `civil_from_days`: exact for every Gregorian day.
fn days_from_civil(year: i32, month: u8, day: u8) -> i32 {
    let (m, d) = (i32::from(month), i32::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i32) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i32::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (year, month as u8, day as u8)
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for CivilDate {
    type Err = DateError;

    /// Strict `YYYY-MM-DD`, as an `<input type="date">` gives it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Format);
        }
        let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
            return Err(DateError::Format);
        };
        // y < 10_000, m < 100, d < 100: the casts cannot truncate.
        Self::from_ymd(y as i32, m as u8, d as u8).ok_or(DateError::NoSuchDay)
    }
}

impl Serialize for CivilDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// On the wire a `YYYY-MM-DD` string (see the serde impls above), so its schema says so.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CivilDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some(
                "A calendar day, written `YYYY-MM-DD` (years 1 to 9999).",
            ))
            .examples(["2026-11-24"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CivilDate {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> CivilDate {
        s.parse().expect("test date")
    }

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(date("1970-01-01").days, 0);
        assert_eq!(date("2000-03-01").days, 11_017);
        assert_eq!(date("2026-11-24").to_string(), "2026-11-24");
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        assert!(CivilDate::from_ymd(2024, 2, 29).is_some());
        assert!(CivilDate::from_ymd(2000, 2, 29).is_some());
        assert_eq!("2100-02-29".parse::<CivilDate>(), Err(DateError::NoSuchDay));
        assert_eq!("2026-02-29".parse::<CivilDate>(), Err(DateError::NoSuchDay));
    }

    #[test]
    fn rejects_anything_but_yyyy_mm_dd() {
        for bad in [
            "",
            "2026-1-05",
            "26-01-05",
            "2026/01/05",
            "2026-01-05T00:00",
            "２０２６-01-05",
            "+026-01-05",
        ] {
            assert_eq!(bad.parse::<CivilDate>(), Err(DateError::Format), "{bad:?}");
        }
        assert_eq!("2026-13-01".parse::<CivilDate>(), Err(DateError::NoSuchDay));
        assert_eq!("0000-01-01".parse::<CivilDate>(), Err(DateError::NoSuchDay));
    }

    #[test]
    fn adding_days_crosses_months_and_years() {
        assert_eq!(date("2026-12-31").add_days(1), Some(date("2027-01-01")));
        assert_eq!(date("2024-02-28").add_days(1), Some(date("2024-02-29")));
        assert_eq!(date("9999-12-31").add_days(1), None);
        assert_eq!(date("2026-01-10").days_until(date("2026-01-03")), -7);
    }

    proptest! {
        #[test]
        fn text_round_trips(y in 1i32..=9999, m in 1u8..=12, d in 1u8..=31) {
            if let Some(day) = CivilDate::from_ymd(y, m, d) {
                prop_assert_eq!(day.ymd(), (y, m, d));
                prop_assert_eq!(day.to_string().parse::<CivilDate>(), Ok(day));
            }
        }

        #[test]
        fn consecutive_days_are_one_apart(days in -719_162i32..2_932_896) {
            let day = CivilDate { days };
            if let Some(next) = day.add_days(1) {
                prop_assert_eq!(day.days_until(next), 1);
                prop_assert!(next > day);
            }
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,12}") {
            let _ = s.parse::<CivilDate>();
        }
    }
}
