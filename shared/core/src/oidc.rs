//! OpenID Connect ID tokens: the one check of a token against its
//! provider's keys. Only asymmetric algorithms are accepted, so a token
//! cannot be "signed" with `none` or with a public key used as an HMAC
//! secret; the key must be the one the header names and fit its algorithm.

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The algorithms providers sign ID tokens with (Google, Cognito: RS256).
pub const ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Clock difference tolerated between the provider and us.
pub const LEEWAY_SECS: i64 = 60;

/// The claims of an ID token that sign-in reads.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub exp: i64,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nbf: Option<i64>,
    #[serde(default)]
    pub nonce: Option<String>,
    /// One audience or several.
    pub aud: Audience,
    /// The party the token was issued to, when the audience has several.
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// The header names a key the set does not have (yet: refetch once).
    #[error("the token names an unknown key")]
    UnknownKey,
    #[error("the ID token is invalid: {0}")]
    Invalid(&'static str),
}

/// Checks the signature with the named key, the algorithm, the issuer,
/// the audience (and `azp`), and the times against `now`. The nonce is
/// the caller's to check.
pub fn verify(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<IdClaims, IdTokenError> {
    use IdTokenError::Invalid;
    let header = jsonwebtoken::decode_header(token).map_err(|_| Invalid("malformed"))?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(Invalid("algorithm not allowed"));
    }
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or(IdTokenError::UnknownKey)?;
    if let Some(alg) = jwk.common.key_algorithm
        && alg.to_string() != format!("{:?}", header.alg)
    {
        return Err(Invalid("the key is for another algorithm"));
    }
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return Err(Invalid("the key is not for signatures"));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|_| Invalid("unusable key"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Times are checked against the injected clock below.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
        .map_err(|_| Invalid("signature, issuer or audience"))?
        .claims;
    let now = now.timestamp();
    if claims.exp + LEEWAY_SECS <= now {
        return Err(Invalid("expired"));
    }
    if claims.nbf.is_some_and(|t| t - LEEWAY_SECS > now)
        || claims.iat.is_some_and(|t| t - LEEWAY_SECS > now)
    {
        return Err(Invalid("not valid yet"));
    }
    // OpenID Connect Core 3.1.3.7: with several audiences the token must
    // say it was issued to us; `azp`, when present, must be us.
    let several = matches!(&claims.aud, Audience::Many(a) if a.len() > 1);
    match claims.azp.as_deref() {
        Some(azp) if azp != client_id => return Err(Invalid("issued to another party")),
        None if several => return Err(Invalid("several audiences and no authorized party")),
        _ => {}
    }
    if claims.sub.is_empty() || claims.sub.len() > 255 {
        return Err(Invalid("subject"));
    }
    Ok(claims)
}
