//! Batches shaped as Lambda's Kinesis event source mapping delivers them.

use aws_lambda_events::encodings::SecondTimestamp;
use aws_lambda_events::kinesis::{KinesisEvent, KinesisEventRecord, KinesisRecord};

use super::BatchRecord;
use crate::emulated::{ACCOUNT, REGION, STREAM_NAME};

pub fn stream_arn() -> String {
    format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{STREAM_NAME}")
}

/// A batch as Lambda's Kinesis event source mapping delivers it.
pub fn kinesis_event(records: &[BatchRecord]) -> KinesisEvent {
    let arn = stream_arn();
    let mut event = KinesisEvent::default();
    event.records = records
        .iter()
        .map(|r| {
            let mut k = KinesisRecord::default();
            k.approximate_arrival_timestamp = SecondTimestamp(r.arrival);
            *k.data = r.data.clone();
            k.partition_key = r.partition_key.clone();
            k.sequence_number = r.sequence_number.clone();
            k.kinesis_schema_version = Some("1.0".to_owned());
            let mut e = KinesisEventRecord::default();
            e.aws_region = Some(REGION.to_owned());
            e.event_id = Some(format!("{}:{}", r.shard_id, k.sequence_number));
            e.event_name = Some("aws:kinesis:record".to_owned());
            e.event_source = Some("aws:kinesis".to_owned());
            e.event_source_arn = Some(arn.clone());
            e.event_version = Some("1.0".to_owned());
            e.invoke_identity_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/chitter-persist"));
            e.kinesis = k;
            e
        })
        .collect();
    event
}
