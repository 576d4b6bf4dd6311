//! What a failing command sends to the page: the `ErrorBody` `{code, message, details}`, with
//! the message in the UI language, so the JS promise rejects with that object.

use mr_core::{Core, CoreError};
use mr_domain::ErrorCode;
use mr_protocol::ErrorBody;
use serde::{Serialize, Serializer};

#[derive(Debug)]
pub struct CommandError(pub ErrorBody);

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

pub type CmdResult<T> = Result<T, CommandError>;

/// `result.or_body(&core)?` in every command.
pub trait OrBody<T> {
    fn or_body(self, core: &Core) -> CmdResult<T>;
}

impl<T> OrBody<T> for Result<T, CoreError> {
    fn or_body(self, core: &Core) -> CmdResult<T> {
        self.map_err(|e| {
            // The page gets the code and a user message; the log keeps the cause.
            tracing::warn!(code = e.code().as_str(), error = %e, "command failed");
            CommandError(core.error_body(&e))
        })
    }
}

impl<T> OrBody<T> for Result<T, tauri::Error> {
    fn or_body(self, core: &Core) -> CmdResult<T> {
        self.map_err(|e| {
            tracing::error!(error = %e, "window operation failed");
            let code = ErrorCode::InternalError;
            CommandError(ErrorBody::new(code, code.message(core.lang())))
        })
    }
}
