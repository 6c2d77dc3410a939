//! The words of the site's policy the console shows: category titles and outcome ids, read
//! from the widget's configuration. Only these fields are read (the rest of the policy, its
//! evidence rules and windows, is the server's and the widget's business), which keeps the
//! whole policy's decoder out of the console's download.

use std::collections::BTreeMap;

use helpcenter_core::CivilDate;
use serde::Deserialize;

/// `GET /v1/sites/{site}/widget-config`, as far as the console reads it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SiteWords {
    /// Today in the site's time zone.
    pub today: CivilDate,
    pub policy: PolicyWords,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PolicyWords {
    pub default_locale: String,
    pub categories: Vec<Named>,
    pub outcomes: Vec<Named>,
    /// locale → key → text.
    pub messages: BTreeMap<String, BTreeMap<String, String>>,
}

/// A category (with the key of its title) or an outcome (whose id is its name).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub title: String,
}

impl PolicyWords {
    /// The site's text for `key` in `locale`, else in its default language, else the key
    /// (helpcenter-core's `Policy::text`, on these fields).
    pub fn text<'p>(&'p self, locale: &str, key: &'p str) -> &'p str {
        [locale, self.default_locale.as_str()]
            .into_iter()
            .find_map(|l| self.messages.get(l)?.get(key))
            .map_or(key, String::as_str)
    }
}
