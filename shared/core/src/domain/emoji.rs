//! Custom emoji: a user's images with `:shortcode:` names, and the
//! references a message keeps to the ones its text used.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Dimensions, DomainError, EmojiId, MediaType, UploadId, UserId};

/// An emoji's name: 2-32 of A-Z a-z 0-9 _ (Discord's rule), written
/// between colons in messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Shortcode(String);

impl Shortcode {
    pub const MAX_LEN: usize = 32;

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim().trim_matches(':');
        if (2..=Self::MAX_LEN).contains(&s.len()) && s.bytes().all(is_shortcode_byte) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "shortcode",
                "must be 2-32 characters of A-Z, a-z, 0-9 and _",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_shortcode_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl fmt::Display for Shortcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Shortcode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Shortcode> for String {
    fn from(s: Shortcode) -> String {
        s.0
    }
}

/// The distinct `:shortcode:`s in a text, in order of first use, at most
/// `limit`. A colon closes one candidate and may open the next, so
/// `:a::b:` names `a` and `b`; anything that is not a valid name is text.
pub fn shortcodes_in(text: &str, limit: usize) -> Vec<Shortcode> {
    let mut out: Vec<Shortcode> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < limit {
        if bytes[i] != b':' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len()
            && is_shortcode_byte(bytes[end])
            && end - start <= Shortcode::MAX_LEN
        {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b':' {
            if let Ok(code) = Shortcode::parse(&text[start..end]) {
                // A repeat is still a name: its closing colon opens nothing.
                if !out.contains(&code) {
                    out.push(code);
                }
                i = end + 1;
                continue;
            }
            // Not a name: the closing colon may open the next one.
            i = end;
        } else {
            i = end.max(start);
        }
    }
    out
}

/// One emoji of one user's library. Its id is its upload's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emoji {
    pub emoji_id: EmojiId,
    pub owner: UserId,
    pub shortcode: Shortcode,
    pub content_type: MediaType,
    pub dimensions: Dimensions,
    pub created_at: DateTime<Utc>,
}

impl Emoji {
    pub fn upload_id(&self) -> UploadId {
        self.emoji_id.upload()
    }
}

/// An emoji a message used, by the name it had when the message was sent:
/// renaming the emoji later does not change what the message shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmojiRef {
    pub shortcode: Shortcode,
    pub emoji_id: EmojiId,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        shortcodes_in(text, 20)
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn names_follow_discords_rule() {
        assert!(Shortcode::parse("ok").is_ok());
        assert_eq!(
            Shortcode::parse(":party_parrot:").unwrap().as_str(),
            "party_parrot"
        );
        assert!(Shortcode::parse("a").is_err());
        assert!(Shortcode::parse(&"a".repeat(33)).is_err());
        assert!(Shortcode::parse("no-dash").is_err());
        assert!(Shortcode::parse("caf\u{e9}").is_err());
    }

    #[test]
    fn shortcodes_are_found_in_text() {
        assert_eq!(
            codes("hi :wave: and :party_parrot:!"),
            ["wave", "party_parrot"]
        );
        assert_eq!(codes(":a::bb::cc:"), ["bb", "cc"]);
        // Only a candidate: it stays text unless the sender has such an emoji.
        assert_eq!(codes("at 10:30:45 sharp"), ["30"]);
        assert_eq!(codes(":wave: :wave:"), ["wave"]);
        assert_eq!(codes(":ab: :ab:cd:"), ["ab"]);
        assert_eq!(codes("::: :: :x: :ok"), Vec::<String>::new());
        assert_eq!(codes(":nope no: :yes:"), ["yes"]);
        assert_eq!(codes("\u{1F600}:smile:\u{1F600}"), ["smile"]);
        assert_eq!(shortcodes_in(":aa: :bb: :cc:", 2).len(), 2);
    }
}
