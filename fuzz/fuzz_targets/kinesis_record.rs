//! The persist function's input: any Kinesis event JSON either fails to
//! parse or decodes record by record, a bad record skipped, never a panic.

#![no_main]

use aws_lambda_events::kinesis::KinesisEvent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The whole event as Lambda delivers it...
    if let Ok(event) = serde_json::from_slice::<KinesisEvent>(data) {
        for record in &event.records {
            let _ = chitter_persist::decode(record);
        }
    }
    // ...and one record's data, as the message function writes it.
    let _ = chitter_persist::decode_data(data);
});
