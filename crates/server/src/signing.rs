//! Signing what leaves the server the Standard Webhooks way
//! (<https://www.standardwebhooks.com>), so a store verifies it with the stock libraries
//! (`standardwebhooks` on npm and PyPI, `svix`, …): headers `webhook-id`, `webhook-timestamp`
//! and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, with a
//! `whsec_<base64>` secret. The order lookup signs its requests with it; webhooks can too.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A `whsec_…` secret, decoded: the HMAC key.
#[derive(Clone)]
pub struct SigningSecret(Vec<u8>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(…)")
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a signing secret is `whsec_` followed by base64 of at least 24 random bytes")]
    Malformed,
}

impl SigningSecret {
    /// Reads `whsec_<base64>` (24 to 64 bytes once decoded, as Standard Webhooks advises).
    pub fn parse(text: &str) -> Result<SigningSecret, SecretError> {
        let key = text
            .trim()
            .strip_prefix("whsec_")
            .and_then(|b64| STANDARD.decode(b64).ok())
            .filter(|key| (24..=64).contains(&key.len()))
            .ok_or(SecretError::Malformed)?;
        Ok(SigningSecret(key))
    }
}

/// The three headers that sign `body` sent as message `id` at `timestamp` (Unix seconds).
pub fn sign(
    secret: &SigningSecret,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret.0).expect("HMAC accepts any key");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    [
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", format!("v1,{signature}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries
    /// (standard-webhooks/libraries, javascript/src/index.test.ts).
    #[test]
    fn signs_like_the_reference_libraries() {
        let secret =
            SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let [id, timestamp, signature] = sign(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(id.1, "msg_p5jXN8AQM9LWM0D4loKWxJek");
        assert_eq!(timestamp.1, "1614265330");
        assert_eq!(
            signature.1,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_must_be_whsec_base64_of_enough_bytes() {
        assert_eq!(
            SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").err(),
            Some(SecretError::Malformed)
        );
        assert_eq!(
            SigningSecret::parse("whsec_c2hvcnQ=").err(),
            Some(SecretError::Malformed)
        );
        assert_eq!(
            SigningSecret::parse("whsec_%%%").err(),
            Some(SecretError::Malformed)
        );
    }
}
