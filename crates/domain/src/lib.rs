//! Pure business rules shared by the server and the desktop core.
//!
//! No I/O, no async, no clock: time is passed in by callers, so every rule here is a plain
//! function that the server applies authoritatively and the desktop applies optimistically.

pub mod application;
pub mod error;
pub mod ids;
pub mod money;
pub mod payment;
pub mod role;
pub mod site;
pub mod time;
pub mod validate;

pub use error::{DomainError, ErrorCode};
pub use ids::{OperatorId, StaffId, UserId};
pub use money::{Money, MoneyError};
pub use role::{Permission, Role, Tier, Workspace};
