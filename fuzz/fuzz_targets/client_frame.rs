//! The WebSocket client frame parser: any text either parses or gets a
//! typed error whose frame is JSON; never a panic.

#![no_main]

use chitter_core::protocol::{ServerFrame, parse_client_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = parse_client_frame(text) {
        assert!(!e.message.is_empty(), "an error says what is wrong");
        let frame = ServerFrame::error(e.id, e.code, e.message).to_json();
        let value: serde_json::Value =
            serde_json::from_slice(&frame).expect("error frames are JSON");
        assert_eq!(value["type"], "error");
        assert_eq!(value["code"], e.code.as_str());
    }
});
