use mr_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The one error body of every failing request and every failing desktop command:
/// `{"code":"…","message":"…","details":{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// zh-CN or English, chosen by `Accept-Language` (server) or the UI language (desktop).
    pub message: String,
    #[ts(type = "Record<string, unknown>")]
    pub details: serde_json::Value,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}
