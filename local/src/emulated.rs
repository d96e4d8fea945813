//! The account, region and names the emulation reports in events and ARNs,
//! shared by the API Gateway emulation and the event source mapping.

pub const REGION: &str = "local";
pub const ACCOUNT: &str = "000000000000";
pub const API_ID: &str = "chitter";
pub const STAGE: &str = "local";
pub const STREAM_NAME: &str = "chitter-messages";
