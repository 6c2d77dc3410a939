//! Claim windows: how long after receipt a shopper can still report a problem (§III: transit
//! damage must be evidenced "within a specified timeframe following receipt of the goods").

use serde::{Deserialize, Serialize};

use crate::date::CivilDate;

/// Reporting is open on the delivery day and the `days_after_delivery` days after it, counted in
/// the site's time zone; it closes at the end of the last of those days.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimWindow {
    pub days_after_delivery: u16,
    /// Where a late report goes instead (an outcome id), e.g. a goodwill review rather than a
    /// carrier claim. Without one, a late report cannot be filed under this outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_outcome: Option<String>,
}

/// Where `today` falls against a window.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WindowStatus {
    /// Still open; `days_left` is 0 on the last day.
    Open {
        last_day: CivilDate,
        days_left: u16,
    },
    Closed {
        last_day: CivilDate,
    },
    /// The delivery day given is after today.
    DeliveryInFuture,
}

impl ClaimWindow {
    /// The last day a report is accepted for a parcel received on `delivered_on`.
    pub fn last_day(&self, delivered_on: CivilDate) -> Option<CivilDate> {
        delivered_on.add_days(i32::from(self.days_after_delivery))
    }

    pub fn status(&self, delivered_on: CivilDate, today: CivilDate) -> WindowStatus {
        if delivered_on > today {
            return WindowStatus::DeliveryInFuture;
        }
        // Past year 9999 the window never closes in practice.
        let Some(last_day) = self.last_day(delivered_on) else {
            return WindowStatus::Open {
                last_day: today,
                days_left: u16::MAX,
            };
        };
        let days_left = today.days_until(last_day);
        match u16::try_from(days_left) {
            Ok(days_left) => WindowStatus::Open {
                last_day,
                days_left,
            },
            Err(_) => WindowStatus::Closed { last_day },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> CivilDate {
        s.parse().expect("test date")
    }

    #[test]
    fn open_through_the_last_day_then_closed() {
        let window = ClaimWindow {
            days_after_delivery: 7,
            late_outcome: None,
        };
        let delivered = date("2026-02-25");
        assert_eq!(
            window.status(delivered, delivered),
            WindowStatus::Open {
                last_day: date("2026-03-04"),
                days_left: 7
            }
        );
        assert_eq!(
            window.status(delivered, date("2026-03-04")),
            WindowStatus::Open {
                last_day: date("2026-03-04"),
                days_left: 0
            }
        );
        assert_eq!(
            window.status(delivered, date("2026-03-05")),
            WindowStatus::Closed {
                last_day: date("2026-03-04")
            }
        );
        assert_eq!(
            window.status(date("2026-03-06"), date("2026-03-05")),
            WindowStatus::DeliveryInFuture
        );
    }

    proptest! {
        #[test]
        fn exact_at_day_n_and_n_plus_one(n in 0u16..=365, start in 0i32..2_900_000) {
            let window = ClaimWindow { days_after_delivery: n, late_outcome: None };
            let delivered = date("1970-01-01").add_days(start).expect("in range");
            let day_n = delivered.add_days(i32::from(n)).expect("in range");
            let day_after = day_n.add_days(1).expect("in range");
            prop_assert!(
                matches!(window.status(delivered, day_n), WindowStatus::Open { days_left: 0, .. }),
                "day N must still be open"
            );
            prop_assert_eq!(window.status(delivered, day_after), WindowStatus::Closed { last_day: day_n });
        }
    }
}
