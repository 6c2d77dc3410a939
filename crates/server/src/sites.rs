//! The merchants this server works for. Until site configuration files exist, the server runs
//! the built-in demo site on the built-in policy.

use helpcenter_core::Policy;

/// A merchant's storefront, known by the key in its embed tag (`data-site="demo"`).
#[derive(Clone, Debug)]
pub struct Site {
    pub key: String,
    pub display_name: String,
    pub policy: Policy,
}

impl Site {
    /// The site `cargo xtask dev` serves: the built-in policy as written.
    pub fn demo() -> Site {
        Site {
            key: "demo".into(),
            display_name: "Demo Store".into(),
            policy: Policy::builtin(),
        }
    }
}

/// All sites of this server, looked up by key.
#[derive(Clone, Debug)]
pub struct Sites(Vec<Site>);

impl Sites {
    pub fn new(sites: Vec<Site>) -> Self {
        Self(sites)
    }

    pub fn get(&self, key: &str) -> Option<&Site> {
        self.0.iter().find(|s| s.key == key)
    }
}
