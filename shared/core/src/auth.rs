//! Credentials: argon2id password hashes, HS256 access tokens, and the random
//! bearer secrets (refresh tokens, connect tickets) stored only by digest.

use std::sync::{LazyLock, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Argon2, Block, Params};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{Handle, Password, UserId};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token signing secret must be at least 32 bytes")]
    WeakSecret,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("token signing failed")]
    Signing(#[source] jsonwebtoken::errors::Error),
}

/// The access-token signing key: at least 32 bytes, never printed (its
/// `Debug` is redacted) and zeroed when dropped.
pub struct JwtSecret(SecretSlice<u8>);

impl JwtSecret {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: Vec<u8>) -> Result<Self, AuthError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(AuthError::WeakSecret);
        }
        Ok(Self(SecretSlice::from(bytes)))
    }
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret(***)")
    }
}

/// Token lifetimes and the names checked in every access token.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// At most 60 s: a ticket rides in a URL and may be logged.
    pub ticket_ttl: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: "chitter".into(),
            audience: "chitter-api".into(),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            ticket_ttl: Duration::from_secs(60),
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub handle: Handle,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks access tokens.
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub settings: AuthSettings,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Auth {
    pub fn new(secret: &JwtSecret, mut settings: AuthSettings) -> Self {
        let secret = secret.0.expose_secret();
        settings.ticket_ttl = settings.ticket_ttl.min(Duration::from_secs(60));
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the injected clock in `verify_access`.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            settings,
        }
    }

    pub fn issue_access(
        &self,
        user: UserId,
        handle: &Handle,
        now: DateTime<Utc>,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            sub: user,
            handle: handle.clone(),
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            iat: now.timestamp(),
            exp: now.timestamp() + secs(self.settings.access_ttl),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AuthError::Signing)
    }

    /// Checks signature, algorithm, issuer, audience and expiry. Any failure
    /// is `None`: callers answer 401 without saying which check failed.
    pub fn verify_access(&self, token: &str, now: DateTime<Utc>) -> Option<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let now = now.timestamp();
        // Not issued in the future either (a minute of clock difference).
        (data.claims.exp > now && data.claims.iat <= now + 60).then_some(data.claims)
    }
}

pub fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Hashes with argon2id at the crate's defaults (19 MiB, 2 passes), the
/// OWASP baseline. CPU-bound: call it from a blocking thread, through
/// [`HASHING`]'s permits so that memory stays bounded.
pub fn hash_password(password: &Password) -> Result<String, AuthError> {
    let hashing = |e: &dyn std::fmt::Display| AuthError::Hashing(e.to_string());
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let argon = Argon2::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(argon.params().block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.expose().as_bytes(), &salt, &mut out, blocks)
    })
    .map_err(|e| hashing(&e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| hashing(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|e| hashing(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| hashing(&e))?),
    };
    Ok(phc.to_string())
}

/// Verifies against a stored PHC string. With `None` it verifies against a
/// fixed hash anyway, so an unknown handle costs the same time as a wrong
/// password and sign-in does not reveal which handles exist.
pub fn verify_password(password: &Password, phc: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        Password::parse("chitter-timing-equaliser".into())
            .ok()
            .and_then(|p| hash_password(&p).ok())
            .unwrap_or_default()
    });
    // An account without a password (made by OpenID sign-in) is checked
    // against the fixed hash too, so its handle does not answer faster.
    let phc = phc.filter(|p| !p.is_empty());
    let known = phc.is_some();
    let Ok(parsed) = PasswordHash::new(phc.unwrap_or(dummy)) else {
        return false;
    };
    let ok = verify_parsed(password, &parsed).unwrap_or(false);
    ok && known
}

/// Recomputes the hash with the stored algorithm, version, parameters and
/// salt, and compares in constant time (`Output`'s equality).
fn verify_parsed(password: &Password, parsed: &PasswordHash<'_>) -> Option<bool> {
    let expected = parsed.hash?;
    let algorithm = argon2::Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed
        .version
        .map_or(Ok(argon2::Version::default()), argon2::Version::try_from)
        .ok()?;
    let params = Params::try_from(parsed).ok()?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    with_memory(argon.params().block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.expose().as_bytes(), salt, &mut out, blocks)
    })
    .ok()?;
    Some(Output::new(&out).ok()? == expected)
}

/// How many passwords are hashed at once: one per core. Each needs 19 MiB
/// of working memory, so this bounds it too.
static PERMITS: LazyLock<usize> =
    LazyLock::new(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
pub(crate) static HASHING: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(*PERMITS));

/// Argon2's working memory, kept for the next hash rather than freed: the
/// system allocator would keep most of it anyway, spread over per-thread
/// arenas, and a burst of sign-ups grew the process by hundreds of MiB.
/// Holds at most one block set per permit of [`HASHING`].
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let kept = MEMORY.lock().ok().and_then(|mut m| m.pop());
    let mut memory = match kept {
        Some(m) if m.len() == blocks => m,
        _ => vec![Block::default(); blocks],
    };
    let result = f(&mut memory);
    if let Ok(mut m) = MEMORY.lock()
        && m.len() < *PERMITS
    {
        m.push(memory);
    }
    result
}

/// A random bearer secret: 256 bits, URL-safe.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_client(s: &str) -> Option<Self> {
        // Anything longer or stranger than we issue cannot match; refusing
        // it early keeps junk out of the store lookups.
        (s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The store key: hex SHA-256 of the secret.
    pub fn digest(&self) -> String {
        let d = Sha256::digest(self.0.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> JwtSecret {
        JwtSecret::new(vec![byte; 32]).unwrap()
    }

    fn auth() -> Auth {
        Auth::new(&key(7), AuthSettings::default())
    }

    fn handle() -> Handle {
        Handle::parse("ada").unwrap()
    }

    #[test]
    fn weak_secrets_are_refused_and_ticket_ttl_is_capped() {
        assert!(matches!(
            JwtSecret::new(b"short".to_vec()),
            Err(AuthError::WeakSecret)
        ));
        assert_eq!(format!("{:?}", key(1)), "JwtSecret(***)");
        let a = Auth::new(
            &key(1),
            AuthSettings {
                ticket_ttl: Duration::from_secs(600),
                ..AuthSettings::default()
            },
        );
        assert_eq!(a.settings.ticket_ttl, Duration::from_secs(60));
    }

    #[test]
    fn access_tokens_verify_until_they_expire() {
        let a = auth();
        let now = Utc::now();
        let user = UserId::new();
        let t = a.issue_access(user, &handle(), now).unwrap();
        assert_eq!(a.verify_access(&t, now).unwrap().sub, user);
        let later = now + chrono::Duration::seconds(secs(a.settings.access_ttl));
        assert!(a.verify_access(&t, later).is_none());
    }

    #[test]
    fn forged_tokens_fail() {
        let a = auth();
        let now = Utc::now();
        let t = a.issue_access(UserId::new(), &handle(), now).unwrap();
        // Signed with another key.
        let other = Auth::new(&key(8), AuthSettings::default());
        let forged = other.issue_access(UserId::new(), &handle(), now).unwrap();
        assert!(a.verify_access(&forged, now).is_none());
        // Wrong audience, right key.
        let wrong_aud = Auth::new(
            &key(7),
            AuthSettings {
                audience: "elsewhere".into(),
                ..AuthSettings::default()
            },
        )
        .issue_access(UserId::new(), &handle(), now)
        .unwrap();
        assert!(a.verify_access(&wrong_aud, now).is_none());
        // Algorithm "none" with the original claims.
        let mut parts = t.split('.');
        let (_, body) = (parts.next().unwrap(), parts.next().unwrap());
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(
            a.verify_access(&format!("{none_header}.{body}."), now)
                .is_none()
        );
        // Tampered payload.
        assert!(a.verify_access(&t.replacen('.', ".x", 1), now).is_none());
        // Wrong issuer, right key.
        let wrong_iss = Auth::new(
            &key(7),
            AuthSettings {
                issuer: "elsewhere".into(),
                ..AuthSettings::default()
            },
        )
        .issue_access(UserId::new(), &handle(), now)
        .unwrap();
        assert!(a.verify_access(&wrong_iss, now).is_none());
        // Issued in the future (not valid yet).
        let early = a
            .issue_access(UserId::new(), &handle(), now + chrono::Duration::minutes(5))
            .unwrap();
        assert!(a.verify_access(&early, now).is_none());
        // Another algorithm in the header, same signature bytes.
        let (_, rest) = t.split_once('.').unwrap();
        let rs_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        assert!(
            a.verify_access(&format!("{rs_header}.{rest}"), now)
                .is_none()
        );
    }

    #[test]
    fn passwords_hash_and_verify() {
        let p = Password::parse("correct horse battery".into()).unwrap();
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&p, Some(&h)));
        let wrong = Password::parse("incorrect horse".into()).unwrap();
        assert!(!verify_password(&wrong, Some(&h)));
        assert!(!verify_password(&p, None));
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_format() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let p = Password::parse("correct horse battery".into()).unwrap();
        // Ours verifies with the crate's verifier...
        let ours = hash_password(&p).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        // ...and hashes stored by the crate's hasher (every account made
        // before hashing reused its memory) verify with ours.
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password(&p, Some(&theirs)));
        let wrong = Password::parse("correct horse battery!".into()).unwrap();
        assert!(!verify_password(&wrong, Some(&theirs)));
        // Other parameters (a future tuning) still verify.
        let cheap = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            Params::new(4096, 3, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
        assert!(verify_password(&p, Some(&cheap)));
        // Hashing many at once keeps at most one memory set per permit.
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| assert!(verify_password(&p, Some(&ours))));
            }
        });
        assert!(MEMORY.lock().unwrap().len() <= *PERMITS);
    }

    #[test]
    fn secret_tokens_are_random_and_stored_by_digest() {
        let a = SecretToken::generate();
        let b = SecretToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.digest().len(), 64);
        assert_ne!(a.digest(), a.expose());
        assert_eq!(
            SecretToken::from_client(a.expose()).unwrap().digest(),
            a.digest()
        );
        assert!(SecretToken::from_client("has space").is_none());
    }
}
