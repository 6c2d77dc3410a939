//! Signing the Standard Webhooks way (<https://www.standardwebhooks.com>): HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the secret's bytes, sent as `v1,` + base64
//! in `webhook-signature`, one such signature per secret in use (space apart) while a
//! rotation's overlap lasts. Secrets are `whsec_` + base64, as the stock libraries take them.
//! Webhooks and the order lookup's requests to the store are signed here alike, so a store
//! verifies both with one stock library.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";

/// A new secret: 32 random bytes (the spec asks for 24 to 64).
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// `msg_` and 24 hex digits: a `webhook-id` (a delivery's, or an order lookup request's),
/// short enough to type into `admin webhooks resend`.
pub fn new_message_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    format!("msg_{}", hex::encode(bytes))
}

/// The key a secret stands for; `None` for text that is not `whsec_` + base64.
pub fn key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX)?;
    STANDARD.decode(encoded).ok().filter(|k| !k.is_empty())
}

/// What the admin API and the CLI show of a secret: enough to tell two apart, nothing to sign
/// with.
pub fn fingerprint(secret: &str) -> String {
    crate::auth::sha256_hex(secret)[..12].to_owned()
}

/// A `whsec_…` secret the operator sets in the environment (the order lookup's): checked to be
/// base64 of 24 to 64 bytes, as the specification advises, and never printed.
#[derive(Clone)]
pub struct ConfiguredSecret(Vec<u8>);

impl std::fmt::Debug for ConfiguredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfiguredSecret(…)")
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("a signing secret is `whsec_` followed by base64 of 24 to 64 random bytes")]
pub struct MalformedSecret;

impl ConfiguredSecret {
    pub fn parse(text: &str) -> Result<ConfiguredSecret, MalformedSecret> {
        key(text.trim())
            .filter(|key| (24..=64).contains(&key.len()))
            .map(ConfiguredSecret)
            .ok_or(MalformedSecret)
    }

    /// The HMAC key.
    pub fn key(&self) -> &[u8] {
        &self.0
    }
}

/// The three headers that sign a message: its id, its timestamp (Unix seconds) and
/// `signature` (one [`header`]).
pub fn headers(id: &str, timestamp: i64, signature: String) -> [(&'static str, String); 3] {
    [
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ]
}

/// One `v1,` signature.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// `webhook-signature`: a signature for each key, space apart.
pub fn header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|k| signature(k, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the Standard Webhooks libraries test themselves with.
    #[test]
    fn signs_as_the_specification_example() {
        let key = key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("a secret");
        assert_eq!(
            signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn new_secrets_are_prefixed_base64_of_32_bytes_and_each_key_signs() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(key(&a).map(|k| k.len()), Some(32));
        assert_eq!(key("whsec_"), None);
        assert_eq!(key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
        let keys = [key(&a).expect("a"), key(&b).expect("b")];
        let both = header(&keys, "msg_1", 1, "{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
        assert_eq!(fingerprint(&a).len(), 12);
    }

    #[test]
    fn configured_secrets_must_be_whsec_base64_of_enough_bytes() {
        assert!(ConfiguredSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
        assert!(ConfiguredSecret::parse(&new_secret()).is_ok());
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_c2hvcnQ=",
            "whsec_%%%",
            "whsec_",
        ] {
            assert_eq!(
                ConfiguredSecret::parse(bad).err(),
                Some(MalformedSecret),
                "{bad}"
            );
        }
        let shown = format!("{:?}", ConfiguredSecret::parse(&new_secret()));
        assert!(!shown.contains('['), "{shown}");
    }
}
