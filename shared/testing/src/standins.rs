//! The AWS adapters against stand-ins (moto, s3s-fs), as `make test` runs
//! them: it exports `AWS_ENDPOINT_URL_DYNAMODB`, `..._KINESIS`, `..._S3`.

use async_trait::async_trait;
use aws_sdk_kinesis::types::ShardIteratorType;

use crate::conformance::StreamProbe;
use chitter_aws::{AwsClients, Resources, clients, provision};

pub struct AwsWorld {
    pub clients: AwsClients,
    pub resources: Resources,
}

/// Whether stand-ins are configured. Without them a test is skipped,
/// unless `CHITTER_REQUIRE_STANDINS` is set (as in `make test`), which
/// makes their absence a failure.
pub fn configured() -> bool {
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CHITTER_REQUIRE_STANDINS").is_none(),
        "stand-ins are required but AWS_ENDPOINT_URL_DYNAMODB is not set"
    );
    eprintln!("skipped: no AWS stand-ins configured (run `make test`)");
    false
}

/// A short random suffix that names one test's resources.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Fresh, uniquely named resources on the stand-ins, or `None` (the test
/// is skipped) per `configured`.
pub async fn world(callback_url: &str) -> Option<AwsWorld> {
    if !configured() {
        return None;
    }
    let suffix = unique_suffix();
    let resources = Resources {
        table: format!("chitter-test-{suffix}"),
        stream: format!("chitter-test-{suffix}"),
        bucket: format!("chitter-test-{suffix}"),
    };
    let clients = AwsClients::new(&clients::sdk_config().await, true, callback_url);
    provision(&clients, &resources, 2)
        .await
        .expect("stand-in resources");
    Some(AwsWorld { clients, resources })
}

#[async_trait]
impl StreamProbe for AwsWorld {
    async fn records(&self) -> Vec<(String, Vec<u8>)> {
        let k = &self.clients.kinesis;
        let shards = k
            .list_shards()
            .stream_name(&self.resources.stream)
            .send()
            .await
            .unwrap()
            .shards
            .unwrap_or_default();
        let mut out = Vec::new();
        for shard in shards {
            let mut iterator = k
                .get_shard_iterator()
                .stream_name(&self.resources.stream)
                .shard_id(shard.shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .unwrap()
                .shard_iterator;
            while let Some(it) = iterator {
                let page = k.get_records().shard_iterator(it).send().await.unwrap();
                if page.records.is_empty() {
                    break;
                }
                for r in page.records {
                    out.push((r.partition_key.unwrap_or_default(), r.data.into_inner()));
                }
                iterator = page.next_shard_iterator;
            }
        }
        out
    }
}
