//! Emoji and file checks: the shortcode resolver on any text, shortcode
//! names, and the file sniffing and image header reading that decide what
//! an upload is.

#![no_main]

use chitter_core::domain::{Dimensions, MediaType, Shortcode, shortcodes_in};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let limit = data.first().map_or(0, |b| usize::from(*b % 40));
        let found = shortcodes_in(text, limit);
        assert!(found.len() <= limit);
        for (i, code) in found.iter().enumerate() {
            assert!(
                text.contains(&format!(":{}:", code.as_str())),
                "{code:?} is in the text"
            );
            assert!(!found[..i].contains(code), "each shortcode once");
            assert_eq!(Shortcode::parse(code.as_str()).ok().as_ref(), Some(code));
        }
        if let Ok(code) = Shortcode::parse(text) {
            assert!(code.as_str().len() <= Shortcode::MAX_LEN);
        }
    }
    if let Some(kind) = MediaType::sniff(data) {
        assert_eq!(MediaType::parse(kind.mime()).ok(), Some(kind));
    }
    let _ = Dimensions::of(data);
});
