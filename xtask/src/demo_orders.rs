//! The demo store's order system: a working reference of what a store implements for
//! `[sites.order_lookup]` (see the README, "Order lookup"). It checks the Standard Webhooks
//! signature (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature` `v1,`
//! HMAC-SHA256 over `{id}.{timestamp}.{body}` with the base64 key after `whsec_`), reads
//! `{order_number, email}` and answers `{"found": false}` or `{"found": true, "order": {…}}`.
//! Dates count from today, so the demo's claim windows are open whenever it is tried.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpcenter_core::CivilDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// An order line: `(id, name, quantity)`.
type Line = (&'static str, &'static str, u32);

/// The demo orders, all placed with wei@example.com: `(number, placed days ago, delivered
/// days ago (none: not known yet), items)`.
const ORDERS: &[(&str, i32, Option<i32>, &[Line])] = &[
    (
        "10023456",
        6,
        Some(2),
        &[
            ("kettle-cu-17", "Copper kettle, 1.7 l", 1),
            ("descaler-250", "Kettle descaler, 250 ml", 2),
        ],
    ),
    // On its way, as far as the store knows: the shopper states the day.
    (
        "10023457",
        3,
        None,
        &[("teapot-cast", "Cast-iron teapot", 1)],
    ),
    // Delivered long ago: the transit-damage window is closed.
    (
        "10023458",
        60,
        Some(45),
        &[("mug-stone", "Stoneware mug", 4)],
    ),
];

pub const DEMO_EMAIL: &str = "wei@example.com";

/// A fresh `whsec_…` secret for a dev run.
pub fn new_secret() -> String {
    use std::hash::{BuildHasher, Hasher};
    // 32 bytes from the std's randomly keyed hashers: no rand crate in xtask for this.
    let mut key = Vec::with_capacity(32);
    while key.len() < 32 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(key.len());
        key.extend_from_slice(&h.finish().to_le_bytes());
    }
    format!("whsec_{}", STANDARD.encode(&key))
}

/// The status line and JSON body for a lookup with `headers` (lower-case names) and `body`.
pub fn answer(secret: &str, headers: &[(String, String)], body: &[u8]) -> (&'static str, String) {
    if let Err(why) = verify(secret, headers, body, now_seconds()) {
        return ("401 Unauthorized", format!("{{\"error\":\"{why}\"}}"));
    }
    let Ok(ask) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ("400 Bad Request", "{\"error\":\"not JSON\"}".into());
    };
    let number = ask["order_number"].as_str().unwrap_or("");
    let email = ask["email"].as_str().unwrap_or("").trim().to_lowercase();
    let found = ORDERS
        .iter()
        .find(|(n, ..)| *n == number)
        .filter(|_| email == DEMO_EMAIL);
    let Some((number, placed, delivered, items)) = found else {
        return ("200 OK", "{\"found\":false}".into());
    };
    let day = |ago: i32| today().add_days(-ago).map(|d| d.to_string());
    let items: Vec<_> = items
        .iter()
        .map(|(id, name, quantity)| serde_json::json!({"id": id, "name": name, "quantity": quantity}))
        .collect();
    let mut order = serde_json::json!({
        "order_number": number,
        "placed_on": day(*placed),
        "carrier": "SF Express",
        "tracking_number": format!("SF{number}0"),
        "items": items,
    });
    if let Some(ago) = delivered {
        order["delivered_on"] = day(*ago).into();
    }
    (
        "200 OK",
        serde_json::json!({"found": true, "order": order}).to_string(),
    )
}

/// Checks a Standard Webhooks signature as the stock libraries do.
pub fn verify(
    secret: &str,
    headers: &[(String, String)],
    body: &[u8],
    now: i64,
) -> Result<(), &'static str> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(id), Some(timestamp), Some(signatures)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        return Err("unsigned");
    };
    let at: i64 = timestamp.parse().map_err(|_| "bad timestamp")?;
    if (now - at).abs() > 300 {
        return Err("stale timestamp");
    }
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or("bad secret")?;
    let signed = |mac: &mut Hmac<Sha256>| {
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
    };
    for signature in signatures.split_whitespace() {
        let Some(Ok(given)) = signature.strip_prefix("v1,").map(|s| STANDARD.decode(s)) else {
            continue;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| "bad secret")?;
        signed(&mut mac);
        if mac.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err("bad signature")
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Today in UTC.
fn today() -> CivilDate {
    let epoch = CivilDate::from_ymd(1970, 1, 1).expect("the epoch is a day");
    epoch
        .add_days((now_seconds() / 86_400) as i32)
        .unwrap_or(epoch)
}
