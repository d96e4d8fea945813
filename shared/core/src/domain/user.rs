use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DomainError, UserId};

/// A unique, public user name: 3-32 of a-z 0-9 _, starting with a letter.
/// Input is folded to lower case so that `Ada` and `ada` are one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Handle(String);

impl Handle {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim().to_ascii_lowercase();
        let ok = (3..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::invalid(
                "handle",
                "must be 3-32 characters of a-z, 0-9 and _, starting with a letter",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Handle {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Handle> for String {
    fn from(h: Handle) -> String {
        h.0
    }
}

/// The name shown beside messages: 1-64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        let n = s.chars().count();
        if (1..=64).contains(&n) && !s.chars().any(char::is_control) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "display_name",
                "must be 1-64 characters without control characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DisplayName> for String {
    fn from(d: DisplayName) -> String {
        d.0
    }
}

/// A password as typed: 8-256 characters. Never logged, never serialised.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl Password {
    pub fn parse(s: String) -> Result<Self, DomainError> {
        let n = s.chars().count();
        if (8..=256).contains(&n) {
            Ok(Self(s))
        } else {
            Err(DomainError::invalid("password", "must be 8-256 characters"))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl TryFrom<String> for Password {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

/// A stored account, credentials included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub user_id: UserId,
    pub handle: Handle,
    pub display_name: DisplayName,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

impl UserRecord {
    pub fn profile(&self) -> UserProfile {
        UserProfile {
            user_id: self.user_id,
            handle: self.handle.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

/// What other users may see of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub user_id: UserId,
    pub handle: Handle,
    pub display_name: DisplayName,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_fold_case_and_check_characters() {
        assert_eq!(Handle::parse(" Ada_99 ").unwrap().as_str(), "ada_99");
        for bad in ["ab", "9lives", "a b", "ad\u{e9}", "a-b", &"a".repeat(33)] {
            assert!(Handle::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada L. ").unwrap().as_str(), "Ada L.");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
        assert!(DisplayName::parse(&"\u{e9}".repeat(64)).is_ok());
        assert!(DisplayName::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn passwords_are_bounded_and_hidden_from_debug() {
        assert!(Password::parse("short".into()).is_err());
        let p = Password::parse("correct horse".into()).unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}

/// Who someone is at an OpenID provider: the issuer and the subject it
/// names them by, kept as the SHA-256 of both, so the key has one length
/// and shape whatever the provider's ids look like.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalIdentity(String);

impl ExternalIdentity {
    pub fn new(issuer: &str, subject: &str) -> Self {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(format!("{issuer}\n{subject}").as_bytes());
        Self(d.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A handle for a new account from what a provider says about the user
/// (their preferred name, or the part of their email before the `@`):
/// folded to a-z 0-9 _, starting with a letter, 3-28 characters, so that
/// up to four digits can follow it when it is taken.
pub fn handle_base(hint: &str) -> String {
    let mut out: String = hint
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .skip_while(|c| !c.is_ascii_lowercase())
        .take(28)
        .collect();
    while out.ends_with('_') {
        out.pop();
    }
    while out.len() < 3 {
        out.push_str(if out.is_empty() { "user" } else { "_" });
    }
    out
}

#[cfg(test)]
mod identity_tests {
    use super::*;

    #[test]
    fn handle_bases_are_valid_handles_with_room_for_digits() {
        for (hint, want) in [
            ("Ada.Lovelace", "ada_lovelace"),
            ("42bob", "bob"),
            ("", "user"),
            ("Zoë", "zo_"),
            ("x", "x__"),
            ("élan", "lan"),
            (
                "a_very_long_name_that_goes_on_and_on",
                "a_very_long_name_that_goes_o",
            ),
        ] {
            let base = handle_base(hint);
            assert_eq!(base, want, "{hint}");
            assert!(Handle::parse(&format!("{base}9999")).is_ok(), "{base}");
        }
    }

    #[test]
    fn identities_differ_by_issuer_and_subject() {
        let a = ExternalIdentity::new("https://a.example", "1");
        assert_eq!(a, ExternalIdentity::new("https://a.example", "1"));
        assert_ne!(a, ExternalIdentity::new("https://b.example", "1"));
        assert_ne!(a, ExternalIdentity::new("https://a.example", "2"));
        assert_eq!(a.as_str().len(), 64);
    }
}
