//! The store the widget serves, as every screen needs it: its configuration and policy, the
//! shopper's language, and where its server is.

use helpcenter_api::WidgetConfig;
use helpcenter_core::{CivilDate, Policy};
use leptos::prelude::*;

use crate::api::Api;
use crate::i18n::Locale;

/// Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Shop {
    pub locale: Locale,
    /// The site's today (from the server): claim windows count the site's days.
    pub today: CivilDate,
    /// The site's key.
    pub site: StoredValue<String>,
    pub api: StoredValue<Api>,
    pub config: StoredValue<WidgetConfig>,
}

impl Shop {
    pub fn new(config: WidgetConfig, locale: Locale, api: Api) -> Shop {
        Shop {
            locale,
            today: config.today,
            site: StoredValue::new(config.site.clone()),
            api: StoredValue::new(api),
            config: StoredValue::new(config),
        }
    }

    pub fn with_policy<R>(&self, f: impl FnOnce(&Policy) -> R) -> R {
        self.config.with_value(|c| f(&c.policy))
    }

    /// One of the policy's texts (a category's title, an outcome's message) in the shopper's
    /// language.
    pub fn policy_text(&self, key: &str) -> String {
        self.with_policy(|p| p.text(self.locale.tag(), key).to_owned())
    }
}
