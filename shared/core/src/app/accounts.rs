//! Sign-up, sign-in (by password or OpenID), token refresh and connect
//! tickets.

use std::sync::Arc;

use jsonwebtoken::jwk::JwkSet;
use serde::{Deserialize, Serialize};

use super::error::{AppError, AppResult};
use super::limits;
use super::services::{Services, hashing};
use crate::auth::{SecretToken, hash_password, secs, verify_password};
use crate::domain::{
    Caller, DisplayName, ExternalIdentity, Handle, Password, UserId, UserProfile, UserRecord,
    handle_base,
};
use crate::oidc::{self, IdTokenError};
use crate::ports::{
    IdentityProvider, NewIdentity, ProviderInfo, Spend, StoreError, TokenGrant, TokenKind,
};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user: UserProfile,
    pub access_token: String,
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ticket {
    pub ticket: String,
    pub expires_in: i64,
}

pub async fn signup(
    svc: &Services,
    handle: Handle,
    password: Password,
    display_name: Option<DisplayName>,
) -> AppResult<Session> {
    // Before any write: a process that cannot sign tokens must not create
    // an account it cannot start a session for.
    svc.access_tokens()?;
    let password_hash = hashing(move || hash_password(&password)).await??;
    let display_name = match display_name {
        Some(d) => d,
        None => DisplayName::parse(handle.as_str())?,
    };
    let user = UserRecord {
        user_id: UserId::new(),
        handle,
        display_name,
        password_hash,
        created_at: svc.clock.now(),
    };
    match svc.users.create_user(&user).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists) => return Err(AppError::HandleTaken),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user_id = %user.user_id, "account created");
    start_session(svc, &user).await
}

/// Any malformed input is reported as wrong credentials, like a wrong
/// password, so sign-in reveals nothing about which handles exist.
pub async fn signin(svc: &Services, handle: &str, password: String) -> AppResult<Session> {
    let (Ok(handle), Ok(password)) = (Handle::parse(handle), Password::parse(password)) else {
        return Err(AppError::InvalidCredentials);
    };
    limits::check(svc, limits::SIGN_INS, handle.as_str()).await?;
    let user = svc.users.user_by_handle(&handle).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let ok = hashing(move || verify_password(&password, phc.as_deref())).await?;
    match user {
        Some(user) if ok => start_session(svc, &user).await,
        _ => Err(AppError::InvalidCredentials),
    }
}

/// A spent refresh token presented again this soon after is taken for a
/// twin of the request that spent it (two tabs, a retry), not a copy: it is
/// refused without revoking the family.
pub const REUSE_GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// Exchanges a refresh token for a new session. Refresh tokens rotate:
/// each works once, and the new one joins the old one's family. A token
/// presented again after its exchange was copied (RFC 9700, 4.14.2): its
/// whole family is revoked, so whoever holds the newest token loses it too.
pub async fn refresh(svc: &Services, refresh_token: &str) -> AppResult<Session> {
    // Before the token is spent (see `signup`).
    svc.access_tokens()?;
    let refused = AppError::Unauthorized("refresh token is invalid, expired or used");
    let now = svc.clock.now();
    let grant = match spend(svc, refresh_token, now).await? {
        Spend::Fresh(grant) if grant.expires_at > now => grant,
        Spend::AlreadySpent(grant) => {
            let twin = grant.spent_at.is_some_and(|at| now - at < REUSE_GRACE);
            if let (false, Some(family)) = (twin, &grant.family) {
                tracing::warn!(user_id = %grant.user_id, "a refresh token was used twice: its family is revoked");
                revoke_family(svc, &grant, family).await?;
            }
            return Err(refused);
        }
        _ => return Err(refused),
    };
    if let Some(f) = &grant.family
        && svc
            .tokens
            .token(TokenKind::RevokedFamily, f)
            .await?
            .is_some()
    {
        return Err(refused);
    }
    let user = svc
        .users
        .user(grant.user_id)
        .await?
        .ok_or(AppError::Unauthorized("account no longer exists"))?;
    let family = grant.family.map(|f| (f, grant.family_since.unwrap_or(now)));
    session_in_family(svc, &user, family).await
}

/// Spends a refresh token as presented; `Unknown` for anything malformed.
async fn spend(svc: &Services, presented: &str, now: DateTime<Utc>) -> AppResult<Spend> {
    let Some(secret) = SecretToken::from_client(presented) else {
        return Ok(Spend::Unknown);
    };
    Ok(svc.tokens.spend_refresh(&secret.digest(), now).await?)
}

async fn revoke_family(svc: &Services, grant: &TokenGrant, family: &str) -> AppResult<()> {
    let auth = svc.access_tokens()?;
    let marker = TokenGrant {
        user_id: grant.user_id,
        // Outlives every token of the family.
        expires_at: svc.clock.now() + auth.settings.refresh_ttl,
        family: None,
        family_since: None,
        spent_at: None,
    };
    svc.tokens
        .put_token(TokenKind::RevokedFamily, family, &marker)
        .await?;
    Ok(())
}

/// Ends the session: its whole family, so a newer token that someone
/// already rotated out of this one (a copy, another tab) stops working too.
pub async fn signout(svc: &Services, refresh_token: &str) -> AppResult<()> {
    let now = svc.clock.now();
    if let Spend::Fresh(grant) | Spend::AlreadySpent(grant) = spend(svc, refresh_token, now).await?
        && let Some(family) = &grant.family
    {
        revoke_family(svc, &grant, family).await?;
    }
    Ok(())
}

/// A new sign-in: a new family of refresh tokens.
async fn start_session(svc: &Services, user: &UserRecord) -> AppResult<Session> {
    session_in_family(svc, user, None).await
}

/// The longest a sign-in lasts, however often it is refreshed: then the
/// password (or the provider) is asked again.
pub const SESSION_MAX: chrono::TimeDelta = chrono::TimeDelta::days(90);

/// Issues tokens in `family` (with when it began), or a new family.
async fn session_in_family(
    svc: &Services,
    user: &UserRecord,
    family: Option<(String, DateTime<Utc>)>,
) -> AppResult<Session> {
    let auth = svc.access_tokens()?;
    let now = svc.clock.now();
    let access_token = auth.issue_access(user.user_id, &user.handle, now)?;
    let refresh = SecretToken::generate();
    let (family, since) = family.unwrap_or_else(|| (SecretToken::generate().digest(), now));
    let grant = TokenGrant {
        user_id: user.user_id,
        // Each rotation adds `refresh_ttl`, but never past the session's end.
        expires_at: (now + auth.settings.refresh_ttl).min(since + SESSION_MAX),
        family: Some(family),
        family_since: Some(since),
        spent_at: None,
    };
    svc.tokens
        .put_token(TokenKind::Refresh, &refresh.digest(), &grant)
        .await?;
    Ok(Session {
        user: user.profile(),
        access_token,
        token_type: "Bearer".into(),
        expires_in: secs(auth.settings.access_ttl),
        refresh_token: refresh.expose().to_owned(),
    })
}

/// How long an OpenID sign-in may take, from its nonce to its ID token.
pub const NONCE_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// ID tokens are a few KB; anything far larger is not one.
const ID_TOKEN_MAX: usize = 16 * 1024;

/// What a client needs to start an OpenID sign-in: where to send the user,
/// and a nonce for the authorization request.
#[derive(Debug, Clone, Serialize)]
pub struct OidcStart {
    #[serde(flatten)]
    pub provider: ProviderInfo,
    /// Single use: the ID token must carry it, and sign-in spends it, so a
    /// token that leaks cannot be replayed.
    pub nonce: String,
    pub expires_in: i64,
}

fn identity_provider(svc: &Services) -> AppResult<&Arc<dyn IdentityProvider>> {
    svc.identity
        .as_ref()
        .ok_or(AppError::NotFound("OpenID sign-in"))
}

/// The configured provider, for the client's sign-in button.
pub async fn oidc_provider(svc: &Services) -> AppResult<ProviderInfo> {
    Ok(identity_provider(svc)?.info().await?)
}

pub async fn oidc_start(svc: &Services) -> AppResult<OidcStart> {
    let provider = identity_provider(svc)?.info().await?;
    let nonce = SecretToken::generate();
    let grant = TokenGrant {
        // A nonce belongs to no account yet; the id is a placeholder.
        user_id: UserId::new(),
        expires_at: svc.clock.now() + NONCE_TTL,
        family: None,
        family_since: None,
        spent_at: None,
    };
    svc.tokens
        .put_token(TokenKind::Nonce, &nonce.digest(), &grant)
        .await?;
    Ok(OidcStart {
        provider,
        nonce: nonce.expose().to_owned(),
        expires_in: secs(NONCE_TTL),
    })
}

/// Signs in with an ID token from the configured provider: verified
/// against its keys (fetched afresh once if the token names a new one),
/// its nonce spent. The first sign-in of an identity creates an account
/// (true), with a handle made from what the provider says of the user.
pub async fn oidc_sign_in(svc: &Services, id_token: &str) -> AppResult<(Session, bool)> {
    svc.access_tokens()?;
    let provider = identity_provider(svc)?;
    if id_token.len() > ID_TOKEN_MAX {
        return Err(AppError::Unauthorized("the ID token is invalid: too long"));
    }
    let now = svc.clock.now();
    let check =
        |keys: &JwkSet| oidc::verify(id_token, keys, provider.issuer(), provider.client_id(), now);
    let claims = match check(&*provider.keys(false).await?) {
        Err(IdTokenError::UnknownKey) => check(&*provider.keys(true).await?),
        other => other,
    }
    .map_err(|e| match e {
        IdTokenError::UnknownKey => AppError::Unauthorized("the ID token names an unknown key"),
        IdTokenError::Invalid(why) => AppError::Unauthorized(why),
    })?;
    let nonce = claims
        .nonce
        .as_deref()
        .ok_or(AppError::Unauthorized("the ID token has no nonce"))?;
    take_valid(svc, TokenKind::Nonce, nonce)
        .await?
        .ok_or(AppError::Unauthorized(
            "the nonce is unknown, expired or used",
        ))?;
    let identity = ExternalIdentity::new(&claims.iss, &claims.sub);
    if let Some(user) = svc.users.user_by_identity(&identity).await? {
        return Ok((start_session(svc, &user).await?, false));
    }
    let hint = claims
        .preferred_username
        .as_deref()
        .or_else(|| claims.email.as_deref().and_then(|e| e.split('@').next()))
        .or(claims.name.as_deref())
        .unwrap_or("user");
    let base = handle_base(hint);
    let display_name = claims
        .name
        .as_deref()
        .map(|n| n.chars().take(64).collect::<String>())
        .and_then(|n| DisplayName::parse(&n).ok());
    for attempt in 0..8u32 {
        let handle = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}{}", rand::random_range(10..10_000))
        };
        let handle = Handle::parse(&handle)?;
        let user = UserRecord {
            user_id: UserId::new(),
            display_name: match &display_name {
                Some(d) => d.clone(),
                None => DisplayName::parse(handle.as_str())?,
            },
            handle,
            // No password: this account signs in through its provider.
            password_hash: String::new(),
            created_at: now,
        };
        match svc
            .users
            .create_user_with_identity(&user, &identity)
            .await?
        {
            NewIdentity::Created => {
                tracing::info!(user_id = %user.user_id, "account created by OpenID sign-in");
                return Ok((start_session(svc, &user).await?, true));
            }
            NewIdentity::HandleTaken => continue,
            NewIdentity::IdentityTaken => {
                let user = svc
                    .users
                    .user_by_identity(&identity)
                    .await?
                    .ok_or(AppError::Internal("identity linked to no account"))?;
                return Ok((start_session(svc, &user).await?, false));
            }
        }
    }
    Err(AppError::Conflict("no free handle was found; try again"))
}

/// Checks an `Authorization: Bearer <access token>` header.
pub fn authenticate(svc: &Services, authorization: Option<&str>) -> AppResult<Caller> {
    // The scheme is case-insensitive (RFC 9110, section 11.1).
    let token = authorization
        .and_then(|h| h.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
        .ok_or(AppError::Unauthorized("missing bearer token"))?;
    let claims = svc
        .access_tokens()?
        .verify_access(token.trim(), svc.clock.now())
        .ok_or(AppError::Unauthorized("access token is invalid or expired"))?;
    Ok(Caller {
        user_id: claims.sub,
        handle: claims.handle,
    })
}

/// A one-time ticket for the WebSocket handshake (`/ws?ticket=`), so that no
/// long-lived token appears in a URL.
pub async fn issue_ticket(svc: &Services, caller: &Caller) -> AppResult<Ticket> {
    let ttl = svc.access_tokens()?.settings.ticket_ttl;
    let ticket = SecretToken::generate();
    let grant = TokenGrant {
        user_id: caller.user_id,
        expires_at: svc.clock.now() + ttl,
        family: None,
        family_since: None,
        spent_at: None,
    };
    svc.tokens
        .put_token(TokenKind::Ticket, &ticket.digest(), &grant)
        .await?;
    Ok(Ticket {
        ticket: ticket.expose().to_owned(),
        expires_in: secs(ttl),
    })
}

/// Spends a ticket. `None` for unknown, forged, expired or already used.
pub async fn redeem_ticket(svc: &Services, ticket: &str) -> AppResult<Option<UserProfile>> {
    let Some(grant) = take_valid(svc, TokenKind::Ticket, ticket).await? else {
        return Ok(None);
    };
    Ok(svc.users.user(grant.user_id).await?.map(|u| u.profile()))
}

async fn take_valid(
    svc: &Services,
    kind: TokenKind,
    secret: &str,
) -> AppResult<Option<TokenGrant>> {
    let Some(secret) = SecretToken::from_client(secret) else {
        return Ok(None);
    };
    let grant = svc.tokens.take_token(kind, &secret.digest()).await?;
    Ok(grant.filter(|g| g.expires_at > svc.clock.now()))
}

pub async fn profile(svc: &Services, user: UserId) -> AppResult<UserProfile> {
    svc.users
        .user(user)
        .await?
        .map(|u| u.profile())
        .ok_or(AppError::NotFound("user"))
}

/// The most profiles one call looks up.
pub const PROFILES_MAX: usize = 100;

/// The profiles of the users among `ids` who exist, in no set order.
pub async fn profiles(svc: &Services, ids: &[UserId]) -> AppResult<Vec<UserProfile>> {
    if ids.is_empty() || ids.len() > PROFILES_MAX {
        return Err(AppError::bad_request(
            crate::protocol::ErrorCode::InvalidRequest,
            format!("ids must name 1-{PROFILES_MAX} users"),
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(svc.users.profiles(&ids).await?)
}

pub async fn find_by_handle(svc: &Services, handle: &str) -> AppResult<UserProfile> {
    let handle = Handle::parse(handle).map_err(|_| AppError::NotFound("user"))?;
    svc.users
        .user_by_handle(&handle)
        .await?
        .map(|u| u.profile())
        .ok_or(AppError::NotFound("user"))
}

/// A page of users whose handle starts with a prefix.
#[derive(Debug, Clone, Serialize)]
pub struct UserPage {
    pub users: Vec<UserProfile>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub const SEARCH_DEFAULT: usize = 20;
pub const SEARCH_MAX: usize = 50;

/// Users by handle prefix (handles fold case), in handle order, a page at
/// a time. `cursor` is the last handle of the previous page.
pub async fn search(
    svc: &Services,
    prefix: &str,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> AppResult<UserPage> {
    let prefix = prefix.trim().to_lowercase();
    let allowed = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if prefix.is_empty() || prefix.chars().count() > 32 || !allowed(&prefix) {
        return Err(AppError::bad_request(
            crate::protocol::ErrorCode::InvalidRequest,
            "prefix must be 1-32 characters of a-z, 0-9 and _",
        ));
    }
    let mut cursor = cursor.map(str::to_lowercase).filter(|c| allowed(c));
    // A cursor outside the prefix's handles: past them all (nothing more),
    // or before them all (start at the first).
    if let Some(c) = cursor.as_deref()
        && !c.starts_with(&prefix)
    {
        if c > prefix.as_str() {
            return Ok(UserPage {
                users: Vec::new(),
                next_cursor: None,
            });
        }
        cursor = None;
    }
    let limit = limit.unwrap_or(SEARCH_DEFAULT).clamp(1, SEARCH_MAX);
    let users = svc
        .users
        .search_handles(&prefix, cursor.as_deref(), limit + 1)
        .await?;
    let more = users.len() > limit;
    let mut users = users;
    users.truncate(limit);
    let next_cursor = more
        .then(|| users.last().map(|u| u.handle.as_str().to_owned()))
        .flatten();
    Ok(UserPage { users, next_cursor })
}
