//! Themes: message colours with a guaranteed text contrast, a background
//! (a colour, a gradient, an image, or layered parallax), and an emoji set.
//! What a client sends is a `ThemeSpec`; `ThemeSpec::checked` names the
//! field of the first value out of range.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EmojiId, ThemeId, UploadId, UserId};

/// WCAG AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;
pub const MAX_LAYERS: usize = 8;
pub const MAX_STOPS: usize = 5;
pub const MAX_EMOJI: usize = 50;
pub const MAX_NAME_CHARS: usize = 64;

/// A value out of range, by the path of its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct ThemeError {
    pub field: String,
    pub reason: String,
    /// The colours are valid but their contrast is too low.
    pub contrast: bool,
}

impl ThemeError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
            contrast: false,
        }
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    /// CSS `#rgb`, `#rrggbb`, `rgb(r, g, b)` or `rgb(r g b)` with 0-255
    /// components, case and spaces ignored. No alpha: contrast must hold.
    pub fn parse(s: &str) -> Option<Rgb> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(hex) = s.strip_prefix('#') {
            let digits: Vec<u8> = hex
                .chars()
                .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
                .collect::<Option<_>>()?;
            return match digits.as_slice() {
                [r, g, b] => Some(Rgb {
                    r: r * 17,
                    g: g * 17,
                    b: b * 17,
                }),
                [r1, r2, g1, g2, b1, b2] => Some(Rgb {
                    r: r1 * 16 + r2,
                    g: g1 * 16 + g2,
                    b: b1 * 16 + b2,
                }),
                _ => None,
            };
        }
        let inner = s.strip_prefix("rgb(")?.strip_suffix(')')?;
        let parts: Vec<u8> = inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        match parts.as_slice() {
            [r, g, b] => Some(Rgb {
                r: *r,
                g: *g,
                b: *b,
            }),
            _ => None,
        }
    }

    /// `#rrggbb`, the form themes keep.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// WCAG 2 contrast ratio, 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeColors {
    pub accent: String,
    pub own_bubble: String,
    pub own_text: String,
    pub other_bubble: String,
    pub other_text: String,
}

/// One layer of a parallax background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// A `background` upload of the theme's owner.
    pub upload_id: UploadId,
    /// How far the layer moves per pixel the chat scrolls: 0 stays put,
    /// 1 moves with the messages, negative moves against them.
    pub speed: f64,
    /// Where the layer starts, in CSS pixels.
    #[serde(default)]
    pub offset_x: f64,
    #[serde(default)]
    pub offset_y: f64,
    #[serde(default = "one")]
    pub opacity: f64,
    /// Gaussian blur radius in CSS pixels.
    #[serde(default)]
    pub blur: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Background {
    Color {
        color: String,
    },
    /// A linear gradient at `angle` degrees through 2-5 colours.
    Gradient {
        angle: f64,
        stops: Vec<String>,
    },
    Image {
        upload_id: UploadId,
        #[serde(default)]
        blur: f64,
    },
    /// Layers over a colour, drawn first to last (the last on top).
    Parallax {
        color: String,
        layers: Vec<Layer>,
    },
}

impl Background {
    /// Every upload the background shows.
    pub fn uploads(&self) -> Vec<UploadId> {
        match self {
            Background::Color { .. } | Background::Gradient { .. } => Vec::new(),
            Background::Image { upload_id, .. } => vec![*upload_id],
            Background::Parallax { layers, .. } => layers.iter().map(|l| l.upload_id).collect(),
        }
    }
}

impl Background {
    /// The same background showing other uploads (a copy's own files).
    pub fn with_uploads(self, mut f: impl FnMut(UploadId) -> UploadId) -> Background {
        match self {
            Background::Image { upload_id, blur } => Background::Image {
                upload_id: f(upload_id),
                blur,
            },
            Background::Parallax { color, layers } => Background::Parallax {
                color,
                layers: layers
                    .into_iter()
                    .map(|l| Layer {
                        upload_id: f(l.upload_id),
                        ..l
                    })
                    .collect(),
            },
            other => other,
        }
    }
}

/// A theme as a client writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeSpec {
    pub name: String,
    pub colors: ThemeColors,
    pub background: Background,
    /// Emoji the theme suggests in the picker.
    #[serde(default)]
    pub emoji: Vec<EmojiId>,
}

fn color(field: &str, value: &str) -> Result<(Rgb, String), ThemeError> {
    Rgb::parse(value).map(|c| (c, c.hex())).ok_or_else(|| {
        ThemeError::new(field, "must be a CSS colour: #rgb, #rrggbb or rgb(r, g, b)")
    })
}

fn within(field: &str, value: f64, lo: f64, hi: f64) -> Result<f64, ThemeError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(ThemeError::new(
            field,
            format!("must be between {lo} and {hi}"),
        ))
    }
}

impl ThemeSpec {
    /// The spec with colours in `#rrggbb` form, or the first field out of
    /// range. Text must contrast with its bubble by at least 4.5:1.
    pub fn checked(mut self) -> Result<ThemeSpec, ThemeError> {
        let name = self.name.trim();
        let n = name.chars().count();
        if !(1..=MAX_NAME_CHARS).contains(&n) || name.chars().any(char::is_control) {
            return Err(ThemeError::new(
                "name",
                "must be 1-64 characters without control characters",
            ));
        }
        self.name = name.to_owned();
        let c = &mut self.colors;
        let (_, accent) = color("colors.accent", &c.accent)?;
        let (own_bubble, own_bubble_hex) = color("colors.own_bubble", &c.own_bubble)?;
        let (own_text, own_text_hex) = color("colors.own_text", &c.own_text)?;
        let (other_bubble, other_bubble_hex) = color("colors.other_bubble", &c.other_bubble)?;
        let (other_text, other_text_hex) = color("colors.other_text", &c.other_text)?;
        for (field, text, bubble) in [
            ("colors.own_text", own_text, own_bubble),
            ("colors.other_text", other_text, other_bubble),
        ] {
            let ratio = text.contrast(bubble);
            if ratio < MIN_CONTRAST {
                return Err(ThemeError {
                    field: field.to_owned(),
                    reason: format!(
                        "contrasts {ratio:.2}:1 with its bubble; at least {MIN_CONTRAST}:1 is needed to read it"
                    ),
                    contrast: true,
                });
            }
        }
        *c = ThemeColors {
            accent,
            own_bubble: own_bubble_hex,
            own_text: own_text_hex,
            other_bubble: other_bubble_hex,
            other_text: other_text_hex,
        };
        match &mut self.background {
            Background::Color { color: value } => {
                *value = color("background.color", value)?.1;
            }
            Background::Gradient { angle, stops } => {
                within("background.angle", *angle, 0.0, 360.0)?;
                if !(2..=MAX_STOPS).contains(&stops.len()) {
                    return Err(ThemeError::new("background.stops", "must have 2-5 colours"));
                }
                for (i, stop) in stops.iter_mut().enumerate() {
                    *stop = color(&format!("background.stops[{i}]"), stop)?.1;
                }
            }
            Background::Image { blur, .. } => {
                within("background.blur", *blur, 0.0, 40.0)?;
            }
            Background::Parallax {
                color: value,
                layers,
            } => {
                *value = color("background.color", value)?.1;
                if layers.is_empty() || layers.len() > MAX_LAYERS {
                    return Err(ThemeError::new("background.layers", "must have 1-8 layers"));
                }
                for (i, l) in layers.iter().enumerate() {
                    let f = |name: &str| format!("background.layers[{i}].{name}");
                    within(&f("speed"), l.speed, -2.0, 2.0)?;
                    within(&f("offset_x"), l.offset_x, -4096.0, 4096.0)?;
                    within(&f("offset_y"), l.offset_y, -4096.0, 4096.0)?;
                    within(&f("opacity"), l.opacity, 0.0, 1.0)?;
                    within(&f("blur"), l.blur, 0.0, 40.0)?;
                }
            }
        }
        if self.emoji.len() > MAX_EMOJI {
            return Err(ThemeError::new("emoji", "may list at most 50 emoji"));
        }
        let mut seen = std::collections::HashSet::new();
        self.emoji.retain(|e| seen.insert(*e));
        Ok(self)
    }
}

/// A saved theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub theme_id: ThemeId,
    pub owner: UserId,
    #[serde(flatten)]
    pub spec: ThemeSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while it is in the market.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// How many users copied it from the market (each counted once).
    #[serde(default)]
    pub copies: u64,
    /// The market theme this one was copied from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<ThemeId>,
}

/// A theme as clients see it: the theme, and short-lived URLs of the
/// images its background shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeView {
    #[serde(flatten)]
    pub theme: Theme,
    /// Upload id -> a presigned GET of that image.
    pub images: std::collections::BTreeMap<UploadId, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images_expire_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ThemeSpec {
        ThemeSpec {
            name: " Dusk ".into(),
            colors: ThemeColors {
                accent: "#7C5CFF".into(),
                own_bubble: "#4f46e5".into(),
                own_text: "#FFF".into(),
                other_bubble: "rgb(255, 255, 255)".into(),
                other_text: "rgb(17 24 39)".into(),
            },
            background: Background::Parallax {
                color: "#0b1020".into(),
                layers: vec![Layer {
                    upload_id: UploadId::new(),
                    speed: 0.3,
                    offset_x: 0.0,
                    offset_y: -40.0,
                    opacity: 0.8,
                    blur: 2.0,
                }],
            },
            emoji: vec![],
        }
    }

    #[test]
    fn colours_parse_and_normalise() {
        assert_eq!(Rgb::parse("#FfF").map(Rgb::hex), Some("#ffffff".into()));
        assert_eq!(
            Rgb::parse("rgb(1,2,3)").map(Rgb::hex),
            Some("#010203".into())
        );
        assert_eq!(
            Rgb::parse(" rgb( 255 0 10 ) ").map(Rgb::hex),
            Some("#ff000a".into())
        );
        for bad in [
            "red",
            "#ff",
            "#gggggg",
            "rgb(256,0,0)",
            "rgba(0,0,0,0.5)",
            "url(x)",
            "#1234",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn contrast_follows_wcag() {
        let (black, white) = (Rgb::parse("#000").unwrap(), Rgb::parse("#fff").unwrap());
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        assert!((white.contrast(white) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Rgb::parse("#767676").unwrap();
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
    }

    #[test]
    fn a_good_spec_is_normalised() {
        let s = spec().checked().unwrap();
        assert_eq!(s.name, "Dusk");
        assert_eq!(s.colors.own_text, "#ffffff");
        assert_eq!(s.colors.other_text, "#111827");
    }

    #[test]
    fn bad_values_name_their_field() {
        let field = |s: ThemeSpec| s.checked().unwrap_err().field;
        let mut s = spec();
        s.colors.own_text = "#5a5aef".into();
        let e = s.checked().unwrap_err();
        assert_eq!((e.field.as_str(), e.contrast), ("colors.own_text", true));
        let mut s = spec();
        s.colors.accent = "blue".into();
        assert_eq!(field(s), "colors.accent");
        let mut s = spec();
        if let Background::Parallax { layers, .. } = &mut s.background {
            layers[0].opacity = 1.5;
        }
        assert_eq!(field(s), "background.layers[0].opacity");
        let mut s = spec();
        if let Background::Parallax { layers, .. } = &mut s.background {
            let l = layers[0].clone();
            layers.extend(std::iter::repeat_n(l, 8));
        }
        assert_eq!(field(s), "background.layers");
        let mut s = spec();
        s.background = Background::Gradient {
            angle: 90.0,
            stops: vec!["#fff".into(), "nope".into()],
        };
        assert_eq!(field(s), "background.stops[1]");
        let mut s = spec();
        s.background = Background::Image {
            upload_id: UploadId::new(),
            blur: f64::NAN,
        };
        assert_eq!(field(s), "background.blur");
        let mut s = spec();
        s.name = "\u{7}".into();
        assert_eq!(field(s), "name");
    }
}
