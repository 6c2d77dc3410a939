//! Secrets and who may do what: shopper access tokens, merchant-signed identity tokens, admin
//! keys. Only hashes of tokens and keys are stored; comparisons are constant-time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 256 random bits, URL-safe: ticket access tokens, upload ids, generated keys.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `secret` hashes to `expected_sha256_hex`, in constant time.
pub fn matches_hash(secret: &str, expected_sha256_hex: &str) -> bool {
    constant_time_eq(&sha256_hex(secret), expected_sha256_hex)
}

/// Equality that takes as long whatever the first difference: secrets and the facts that
/// stand in for one (order number + email) are compared this way.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A secret generated on first use and kept in `path`, readable by its owner only.
pub fn kept_secret(path: &std::path::Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(secret) if !secret.trim().is_empty() => return Ok(secret.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let secret = new_secret();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, &secret)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret)
}

/// This server's own key, for values it must be able to make again without storing them (a
/// retried create's access token, the link in a mail). Every instance on one database must
/// hold the same one: a claim retried through another instance gets the same token, and a
/// mail planned on one and sent by another carries a link that opens.
#[derive(Debug)]
pub struct ServerSecret(String);

impl ServerSecret {
    /// On SQLite, the data directory's `server-secret` (made on first start; backups copy
    /// it). On PostgreSQL, the database's: the first instance to start stores its own, or
    /// the data directory's file when one is there (a deployment that ran one instance on
    /// PostgreSQL before keeps its tokens and links working), and every other reads it.
    pub async fn open(
        store: &crate::store::Store,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let path = data_dir.join("server-secret");
        if store.engine() == crate::store::Engine::Sqlite {
            return Ok(Self(kept_secret(&path)?));
        }
        let here = match std::fs::read_to_string(&path) {
            Ok(secret) if !secret.trim().is_empty() => Some(secret.trim().to_owned()),
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
        };
        let shared = store
            .shared_server_secret(here.as_deref().unwrap_or(&new_secret()))
            .await?;
        if here.is_some_and(|here| here != shared) {
            tracing::warn!(
                file = %path.display(),
                "this data directory's server-secret differs from the database's, which every instance uses: the file is not used (delete it)"
            );
        }
        Ok(Self(shared))
    }

    /// An unguessable value for `purpose`, the same every time for the same purpose.
    pub fn derive(&self, purpose: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.as_bytes()).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// A shopper the merchant vouches for, from an identity token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
    pub email: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "the identity token is neither in the v1 format nor a JWT signed with HS256 carrying exp, aud, sub and email"
    )]
    Malformed,
    #[error("the identity token's signature is not valid for this site")]
    BadSignature,
    #[error("the identity token has expired")]
    Expired,
    #[error(
        "the identity token is valid for longer than this site accepts ({0} s at most): sign tokens that expire sooner"
    )]
    LifetimeTooLong(i64),
}

impl IdentityError {
    pub fn code(self) -> helpcenter_api::ErrorCode {
        use helpcenter_api::ErrorCode;
        match self {
            IdentityError::Malformed => ErrorCode::IdentityMalformed,
            IdentityError::BadSignature => ErrorCode::IdentityBadSignature,
            IdentityError::Expired => ErrorCode::IdentityExpired,
            IdentityError::LifetimeTooLong(_) => ErrorCode::IdentityLifetimeTooLong,
        }
    }
}

/// How a site checks the identity tokens its backend signs.
#[derive(Clone, Copy, Debug)]
pub struct IdentityCheck<'a> {
    pub secret: &'a str,
    pub site: &'a str,
    /// Unix seconds.
    pub now: i64,
    /// The longest a token may be valid for, in seconds: one expiring later than `now` plus
    /// this (or, for a JWT with `iat`, issued for longer) is refused.
    pub max_lifetime: i64,
}

impl IdentityCheck<'_> {
    /// Either format: `v1.…` or a JWT (three base64url parts).
    pub fn verify(&self, token: &str) -> Result<Customer, IdentityError> {
        if token.starts_with("v1.") {
            let (customer, expires) = verify_v1(self.secret, self.site, token, self.now)?;
            self.within_lifetime(self.now, expires)?;
            Ok(customer)
        } else if token.split('.').count() == 3 {
            self.verify_jwt(token)
        } else {
            Err(IdentityError::Malformed)
        }
    }

    fn within_lifetime(&self, from: i64, expires: i64) -> Result<(), IdentityError> {
        if expires.saturating_sub(from) > self.max_lifetime {
            return Err(IdentityError::LifetimeTooLong(self.max_lifetime));
        }
        Ok(())
    }

    /// A JWT as the store's backend signs it with any stock library: HS256 with the site's
    /// identity secret; `exp` required, `aud` the site's key, `sub` the customer id, `email`.
    fn verify_jwt(&self, token: &str) -> Result<Customer, IdentityError> {
        use jsonwebtoken::errors::ErrorKind;
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};

        #[derive(serde::Deserialize)]
        struct Claims {
            sub: String,
            email: String,
            exp: i64,
            iat: Option<i64>,
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[self.site]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        // Expiry is checked below against `now`, exactly as for v1 tokens.
        validation.validate_exp = false;
        validation.leeway = 0;
        let decoded = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(self.secret.as_bytes()),
            &validation,
        )
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature | ErrorKind::InvalidAudience => IdentityError::BadSignature,
            _ => IdentityError::Malformed,
        })?;
        let claims = decoded.claims;
        let field = |value: String| {
            (!value.is_empty() && value.len() <= helpcenter_core::limits::MAX_IDENTITY_FIELD_BYTES)
                .then_some(value)
                .ok_or(IdentityError::Malformed)
        };
        let customer = Customer {
            id: field(claims.sub)?,
            email: field(claims.email)?,
        };
        if claims.exp < self.now {
            return Err(IdentityError::Expired);
        }
        self.within_lifetime(self.now, claims.exp)?;
        if let Some(issued) = claims.iat {
            self.within_lifetime(issued, claims.exp)?;
        }
        Ok(customer)
    }
}

/// What the merchant's backend signs, so a token for one site never works on another.
fn signed_text(site: &str, customer_id: &str, email: &str, expires: i64) -> String {
    format!("helpcenter-identity-v1\n{site}\n{customer_id}\n{email}\n{expires}")
}

/// Makes an identity token, as a merchant's backend does:
/// `v1.<base64url customer id>.<base64url email>.<expiry, unix seconds>.<hex HMAC-SHA256>`,
/// the HMAC keyed with the site's identity secret over
/// `"helpcenter-identity-v1\n{site}\n{customer id}\n{email}\n{expiry}"`.
pub fn sign_identity(secret: &str, site: &str, customer: &Customer, expires: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(signed_text(site, &customer.id, &customer.email, expires).as_bytes());
    format!(
        "v1.{}.{}.{expires}.{}",
        URL_SAFE_NO_PAD.encode(&customer.id),
        URL_SAFE_NO_PAD.encode(&customer.email),
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a v1 identity token for `site` at `now` (unix seconds); answers the customer and
/// the token's expiry.
fn verify_v1(
    secret: &str,
    site: &str,
    token: &str,
    now: i64,
) -> Result<(Customer, i64), IdentityError> {
    let mut parts = token.split('.');
    let (Some("v1"), Some(id), Some(email), Some(expires), Some(signature), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(IdentityError::Malformed);
    };
    let text = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|s| {
                !s.is_empty() && s.len() <= helpcenter_core::limits::MAX_IDENTITY_FIELD_BYTES
            })
            .ok_or(IdentityError::Malformed)
    };
    let (id, email) = (text(id)?, text(email)?);
    let expires: i64 = expires.parse().map_err(|_| IdentityError::Malformed)?;
    let signature = hex::decode(signature).map_err(|_| IdentityError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| IdentityError::BadSignature)?;
    mac.update(signed_text(site, &id, &email, expires).as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| IdentityError::BadSignature)?;
    if expires < now {
        return Err(IdentityError::Expired);
    }
    Ok((Customer { id, email }, expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site that takes tokens valid for up to a day.
    fn verify_identity(
        secret: &str,
        site: &str,
        token: &str,
        now: i64,
    ) -> Result<Customer, IdentityError> {
        IdentityCheck {
            secret,
            site,
            now,
            max_lifetime: 86_400,
        }
        .verify(token)
    }

    fn jwt(secret: &str, claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("encode")
    }

    #[test]
    fn a_jwt_names_the_customer_for_its_audience_until_it_expires() {
        let claims = serde_json::json!({"sub": "cust-42", "email": "wei@example.com", "aud": "demo", "exp": 1_000});
        let token = jwt("s3cret", &claims);
        assert_eq!(verify_identity("s3cret", "demo", &token, 1_000), Ok(wei()));
        assert_eq!(
            verify_identity("s3cret", "demo", &token, 1_001),
            Err(IdentityError::Expired)
        );
        assert_eq!(
            verify_identity("other", "demo", &token, 0),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(
            verify_identity("s3cret", "shop2", &token, 0),
            Err(IdentityError::BadSignature),
            "another site's audience"
        );
        for (missing, _) in claims.as_object().expect("object") {
            let mut without = claims.clone();
            without.as_object_mut().expect("object").remove(missing);
            assert_eq!(
                verify_identity("s3cret", "demo", &jwt("s3cret", &without), 0),
                Err(IdentityError::Malformed),
                "without {missing}"
            );
        }
        // Another algorithm than HS256 (here HS512, same secret): refused.
        let hs512 = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"s3cret"),
        )
        .expect("encode");
        assert_eq!(
            verify_identity("s3cret", "demo", &hs512, 0),
            Err(IdentityError::Malformed)
        );
    }

    #[test]
    fn tokens_valid_for_longer_than_the_site_accepts_are_refused() {
        let now = 1_000_000;
        let v1 = sign_identity("s3cret", "demo", &wei(), now + 86_401);
        assert_eq!(
            verify_identity("s3cret", "demo", &v1, now),
            Err(IdentityError::LifetimeTooLong(86_400))
        );
        let v1 = sign_identity("s3cret", "demo", &wei(), now + 86_400);
        assert_eq!(verify_identity("s3cret", "demo", &v1, now), Ok(wei()));
        let far = jwt(
            "s3cret",
            &serde_json::json!({"sub": "cust-42", "email": "wei@example.com", "aud": "demo", "exp": now + 90_000}),
        );
        assert_eq!(
            verify_identity("s3cret", "demo", &far, now),
            Err(IdentityError::LifetimeTooLong(86_400))
        );
        // Issued a year ago for a year and a day: still refused in its last hour.
        let issued_long = jwt(
            "s3cret",
            &serde_json::json!({"sub": "cust-42", "email": "wei@example.com", "aud": "demo", "iat": now - 365 * 86_400, "exp": now + 3_600}),
        );
        assert_eq!(
            verify_identity("s3cret", "demo", &issued_long, now),
            Err(IdentityError::LifetimeTooLong(86_400))
        );
    }

    fn wei() -> Customer {
        Customer {
            id: "cust-42".into(),
            email: "wei@example.com".into(),
        }
    }

    #[test]
    fn a_signed_token_is_accepted_until_it_expires() {
        let token = sign_identity("s3cret", "demo", &wei(), 1_000);
        assert_eq!(verify_identity("s3cret", "demo", &token, 1_000), Ok(wei()));
        assert_eq!(
            verify_identity("s3cret", "demo", &token, 1_001),
            Err(IdentityError::Expired)
        );
    }

    #[test]
    fn forged_or_other_site_tokens_are_refused() {
        let token = sign_identity("s3cret", "demo", &wei(), 1_000);
        assert_eq!(
            verify_identity("other", "demo", &token, 0),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(
            verify_identity("s3cret", "shop2", &token, 0),
            Err(IdentityError::BadSignature)
        );
        let later = token.replace(".1000.", ".9999.");
        assert_eq!(
            verify_identity("s3cret", "demo", &later, 0),
            Err(IdentityError::BadSignature)
        );
        let someone_else = sign_identity(
            "s3cret",
            "demo",
            &Customer {
                id: "cust-43".into(),
                ..wei()
            },
            1_000,
        );
        let spliced = format!(
            "{}.{}",
            &someone_else[..someone_else.rfind('.').unwrap_or(0)],
            token.rsplit('.').next().unwrap_or("")
        );
        assert_eq!(
            verify_identity("s3cret", "demo", &spliced, 0),
            Err(IdentityError::BadSignature)
        );
        for junk in [
            "",
            "v1",
            "v2.a.b.1.00",
            "v1.!!.b.1.00",
            "v1.YQ.Yg.x.00",
            "v1.YQ.Yg.1.zz",
            "v1.YQ.Yg.1.00.extra",
        ] {
            assert_eq!(
                verify_identity("s3cret", "demo", junk, 0),
                Err(IdentityError::Malformed),
                "{junk}"
            );
        }
    }

    #[test]
    fn secrets_are_unguessable_and_only_their_hash_matches() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(matches_hash(&a, &sha256_hex(&a)));
        assert!(!matches_hash(&b, &sha256_hex(&a)));
    }
}
