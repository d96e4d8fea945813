//! Uploads: what each kind may hold, the types we recognise from a file's
//! bytes, and the record of one upload.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DomainError, UploadId, UserId};

/// What an upload is for; each kind has its own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    Emoji,
    Background,
    Attachment,
}

impl UploadKind {
    /// The largest file of this kind, in bytes.
    pub fn max_bytes(self) -> u64 {
        match self {
            UploadKind::Emoji => 256 * 1024,
            UploadKind::Background => 5 * 1024 * 1024,
            UploadKind::Attachment => 10 * 1024 * 1024,
        }
    }

    /// The largest width or height of an image of this kind.
    pub fn max_side(self) -> u32 {
        match self {
            UploadKind::Emoji => 256,
            UploadKind::Background => 4096,
            UploadKind::Attachment => 16_384,
        }
    }

    /// The types this kind accepts.
    pub fn accepts(self, t: MediaType) -> bool {
        use MediaType::*;
        match self {
            UploadKind::Emoji => matches!(t, Png | Gif | Webp),
            UploadKind::Background => matches!(t, Png | Jpeg | Webp),
            UploadKind::Attachment => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::Emoji => "emoji",
            UploadKind::Background => "background",
            UploadKind::Attachment => "attachment",
        }
    }
}

/// A file type Chitter stores, recognised from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MediaType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Zip,
    Mp4,
    Webm,
    Mp3,
    Ogg,
    Text,
}

impl MediaType {
    pub const ALL: [MediaType; 11] = [
        MediaType::Png,
        MediaType::Jpeg,
        MediaType::Gif,
        MediaType::Webp,
        MediaType::Pdf,
        MediaType::Zip,
        MediaType::Mp4,
        MediaType::Webm,
        MediaType::Mp3,
        MediaType::Ogg,
        MediaType::Text,
    ];

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
            MediaType::Pdf => "application/pdf",
            MediaType::Zip => "application/zip",
            MediaType::Mp4 => "video/mp4",
            MediaType::Webm => "video/webm",
            MediaType::Mp3 => "audio/mpeg",
            MediaType::Ogg => "audio/ogg",
            MediaType::Text => "text/plain",
        }
    }

    /// A declared type such as `image/png` (parameters and case ignored).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let essence = s
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.mime() == essence)
            .ok_or(DomainError::invalid(
                "content_type",
                "is not a type Chitter stores (see the list in the docs)",
            ))
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            MediaType::Png | MediaType::Jpeg | MediaType::Gif | MediaType::Webp
        )
    }

    /// The type of a file from its bytes, whatever its name or declared
    /// type say. Text is valid UTF-8 with no NUL and no other signature.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        let found = infer::get(bytes).map(|t| t.mime_type());
        let by_signature = found.and_then(|m| match m {
            "image/png" => Some(MediaType::Png),
            "image/jpeg" => Some(MediaType::Jpeg),
            "image/gif" => Some(MediaType::Gif),
            "image/webp" => Some(MediaType::Webp),
            "application/pdf" => Some(MediaType::Pdf),
            "application/zip" => Some(MediaType::Zip),
            "video/mp4" => Some(MediaType::Mp4),
            "video/webm" => Some(MediaType::Webm),
            "audio/mpeg" => Some(MediaType::Mp3),
            "audio/ogg" => Some(MediaType::Ogg),
            _ => None,
        });
        match (found, by_signature) {
            (_, Some(t)) => Some(t),
            // Some other known format: not one we store.
            (Some(_), None) => None,
            (None, None) => (std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0))
                .then_some(MediaType::Text),
        }
    }
}

impl TryFrom<String> for MediaType {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<MediaType> for String {
    fn from(t: MediaType) -> String {
        t.mime().to_owned()
    }
}

/// An image's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    pub width: u32,
    pub height: u32,
}

impl Dimensions {
    /// Read from an image's header; `None` when the header is unreadable.
    pub fn of(bytes: &[u8]) -> Option<Dimensions> {
        let size = imagesize::blob_size(bytes).ok()?;
        Some(Dimensions {
            width: u32::try_from(size.width).ok()?,
            height: u32::try_from(size.height).ok()?,
        })
    }
}

/// Where an upload is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Presigned; the client may be sending it. Expires if never finalized.
    Pending,
    /// Checked and kept.
    Ready,
}

/// One upload of one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub upload_id: UploadId,
    pub owner: UserId,
    pub kind: UploadKind,
    /// Declared while pending; found from the bytes once ready.
    pub content_type: MediaType,
    /// Declared while pending; measured once ready.
    pub size: u64,
    pub state: UploadState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Dimensions>,
    pub created_at: DateTime<Utc>,
    /// A pending upload is forgotten after this (a ready one never is).
    pub expires_at: DateTime<Utc>,
}

/// A file's name as members see it: 1-200 characters, no control
/// characters and no path separators (it names a download, never a path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FileName(String);

impl FileName {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        let n = s.chars().count();
        if (1..=200).contains(&n)
            && !s.chars().any(|c| c.is_control() || c == '/' || c == '\\')
            && s != "."
            && s != ".."
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "name",
                "must be 1-200 characters without control characters, / or \\",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A `Content-Disposition` that names the download (RFC 6266, the name
    /// percent-encoded as UTF-8 so no character can break the header).
    /// `inline` lets a browser show it (images); otherwise it is saved.
    pub fn content_disposition(&self, inline: bool) -> String {
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
        // RFC 5987's attr-char, less nothing: everything else is encoded.
        const ATTR: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'!')
            .remove(b'#')
            .remove(b'$')
            .remove(b'&')
            .remove(b'+')
            .remove(b'-')
            .remove(b'.')
            .remove(b'^')
            .remove(b'_')
            .remove(b'`')
            .remove(b'|')
            .remove(b'~');
        let kind = if inline { "inline" } else { "attachment" };
        format!(
            "{kind}; filename*=UTF-8''{}",
            utf8_percent_encode(&self.0, ATTR)
        )
    }
}

impl TryFrom<String> for FileName {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<FileName> for String {
    fn from(n: FileName) -> String {
        n.0
    }
}

/// A finished attachment upload, as a message carries it. The file is the
/// sender's (`media/<sender>/<upload>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub upload_id: UploadId,
    pub name: FileName,
    pub content_type: MediaType,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl Attachment {
    /// The most files one message carries.
    pub const MAX_PER_MESSAGE: usize = 10;

    pub fn of(upload: &Upload, name: FileName) -> Self {
        Self {
            upload_id: upload.upload_id,
            name,
            content_type: upload.content_type,
            size: upload.size,
            width: upload.dimensions.map(|d| d.width),
            height: upload.dimensions.map(|d| d.height),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_name_a_download_and_never_a_path() {
        assert!(FileName::parse("plan (v2).pdf").is_ok());
        for bad in ["", "  ", "../etc/passwd", "a\\b", "a\nb", ".."] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
        let n = FileName::parse("Résumé \"final\";.pdf").unwrap();
        assert_eq!(
            n.content_disposition(false),
            "attachment; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%3B.pdf"
        );
        assert!(n.content_disposition(true).starts_with("inline; "));
    }

    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89,
    ];

    #[test]
    fn types_come_from_bytes() {
        assert_eq!(MediaType::sniff(PNG_1X1), Some(MediaType::Png));
        assert_eq!(
            MediaType::sniff(b"GIF89a\x01\x00\x01\x00"),
            Some(MediaType::Gif)
        );
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        assert_eq!(
            MediaType::sniff("plain words, ok".as_bytes()),
            Some(MediaType::Text)
        );
        assert_eq!(MediaType::sniff(b"\x00\x01\x02 binary"), None);
        // A known format that we do not store (an ELF executable).
        assert_eq!(MediaType::sniff(b"\x7fELF\x02\x01\x01\x00\x00\x00"), None);
    }

    #[test]
    fn dimensions_come_from_the_header() {
        assert_eq!(
            Dimensions::of(PNG_1X1),
            Some(Dimensions {
                width: 1,
                height: 2
            })
        );
        assert_eq!(Dimensions::of(b"not an image"), None);
    }

    #[test]
    fn kinds_accept_their_types() {
        assert!(UploadKind::Emoji.accepts(MediaType::Gif));
        assert!(!UploadKind::Emoji.accepts(MediaType::Jpeg));
        assert!(UploadKind::Background.accepts(MediaType::Jpeg));
        assert!(!UploadKind::Background.accepts(MediaType::Gif));
        assert!(UploadKind::Attachment.accepts(MediaType::Pdf));
    }

    #[test]
    fn declared_types_parse_loosely_and_print_exactly() {
        assert_eq!(MediaType::parse("Image/PNG; q=1"), Ok(MediaType::Png));
        assert!(MediaType::parse("text/html").is_err());
        assert_eq!(String::from(MediaType::Mp3), "audio/mpeg");
    }
}
