//! Times as the agent reads them, in the browser's own time zone: "14:02" today, "3 Dec,
//! 14:02" another day. The server sends RFC 3339 in UTC.

use js_sys::Date;
use wasm_bindgen::JsValue;

use crate::i18n::Locale;

/// Milliseconds since the epoch, or `None` for text that is not a time.
pub fn millis(rfc3339: &str) -> Option<f64> {
    let ms = Date::parse(rfc3339);
    (!ms.is_nan()).then_some(ms)
}

pub fn now() -> f64 {
    Date::now()
}

/// Whether a promised time has passed.
pub fn is_past(rfc3339: &str) -> bool {
    millis(rfc3339).is_some_and(|ms| ms < now())
}

/// "14:02" when today, else the day and the time in the agent's language.
pub fn short(rfc3339: &str, locale: Locale) -> String {
    let Some(ms) = millis(rfc3339) else {
        return rfc3339.to_owned();
    };
    let date = Date::new(&JsValue::from_f64(ms));
    let today = Date::new_0();
    let clock = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    let same_day = date.get_full_year() == today.get_full_year()
        && date.get_month() == today.get_month()
        && date.get_date() == today.get_date();
    if same_day {
        return clock;
    }
    let day = date.get_date();
    let month = date.get_month() as usize;
    match locale {
        Locale::En => {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let month = MONTHS.get(month).copied().unwrap_or("");
            if date.get_full_year() == today.get_full_year() {
                format!("{day} {month}, {clock}")
            } else {
                format!("{day} {month} {}, {clock}", date.get_full_year())
            }
        }
        Locale::ZhCn => {
            if date.get_full_year() == today.get_full_year() {
                format!("{}月{day}日 {clock}", month + 1)
            } else {
                format!("{}年{}月{day}日 {clock}", date.get_full_year(), month + 1)
            }
        }
    }
}
