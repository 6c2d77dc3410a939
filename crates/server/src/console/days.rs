//! The site's calendar: the day a stored timestamp falls on in the site's time zone, and the
//! conversions between the rulebook's dates and jiff's.

use helpcenter_core::CivilDate;

use crate::sites::Site;
use crate::store::timestamp;

/// The end of today in the site's time zone, as a stored timestamp.
pub(super) fn end_of_today(site: &Site) -> String {
    let now = jiff::Timestamp::now().to_zoned(site.time_zone.clone());
    let tomorrow = now
        .date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(site.time_zone.clone()).ok())
        .map(|z| z.timestamp())
        .unwrap_or_else(jiff::Timestamp::now);
    timestamp(tomorrow)
}

pub(super) fn civil(date: jiff::civil::Date) -> Option<CivilDate> {
    CivilDate::from_ymd(
        i32::from(date.year()),
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
    )
}

pub(super) fn jiff_date(date: CivilDate) -> Option<jiff::civil::Date> {
    let (y, m, d) = date.ymd();
    jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// The site's day a stored timestamp falls on.
pub(super) fn site_day(site: &Site, at: &str) -> Option<CivilDate> {
    let at: jiff::Timestamp = at.parse().ok()?;
    civil(at.to_zoned(site.time_zone.clone()).date())
}
