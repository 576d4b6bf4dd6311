//! Accounts run from the admin workspace, online (the server hashes passwords, issues API keys
//! and ends sessions): operators created, edited, re-tiered, locked and unlocked (R-A1); staff
//! listed, created, given a new password, disabled and re-enabled by a super admin (R-A9).
//! The operator list itself stays a cache read; the changed row arrives with the next pull.

use mr_domain::Permission;
use mr_protocol::auth::{
    CreateOperatorRequest, CreateStaffRequest, LockRequest, RegisterOperatorResponse,
    ResetPasswordRequest, StaffAccount, StaffStatusRequest, UpdateOperatorRequest,
};
use mr_protocol::home::OperatorProfile;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::admin::AdminOps;
use crate::error::CoreError;

impl AdminOps {
    async fn post<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        path: String,
        body: &B,
    ) -> Result<T, CoreError> {
        self.session()
            .authed(|api, token| {
                let path = path.clone();
                async move { api.post_json(&path, body, Some(&token)).await }
            })
            .await
    }

    pub async fn create_operator(
        &self,
        input: CreateOperatorRequest,
    ) -> Result<RegisterOperatorResponse, CoreError> {
        self.may(Permission::ManageOperators)?;
        self.post("/api/v1/operators".into(), &input).await
    }

    pub async fn update_operator(
        &self,
        id: Uuid,
        input: UpdateOperatorRequest,
    ) -> Result<OperatorProfile, CoreError> {
        self.may(Permission::ManageOperators)?;
        let path = format!("/api/v1/operators/{id}");
        self.session()
            .authed(|api, token| {
                let path = path.clone();
                let input = &input;
                async move { api.put_json(&path, input, Some(&token)).await }
            })
            .await
    }

    /// Locks (`lock` true) or unlocks an operator, with the reason the audit log keeps.
    pub async fn set_operator_locked(
        &self,
        id: Uuid,
        lock: bool,
        reason: String,
    ) -> Result<OperatorProfile, CoreError> {
        self.may(Permission::ManageOperators)?;
        let action = if lock { "lock" } else { "unlock" };
        self.post(
            format!("/api/v1/operators/{id}/{action}"),
            &LockRequest { reason },
        )
        .await
    }

    pub async fn staff(&self) -> Result<Vec<StaffAccount>, CoreError> {
        self.may(Permission::ManageStaff)?;
        self.session()
            .authed(|api, token| async move { api.get_json("/api/v1/staff", Some(&token)).await })
            .await
    }

    pub async fn create_staff(&self, input: CreateStaffRequest) -> Result<StaffAccount, CoreError> {
        self.may(Permission::ManageStaff)?;
        self.post("/api/v1/staff".into(), &input).await
    }

    pub async fn reset_staff_password(
        &self,
        id: Uuid,
        password: String,
    ) -> Result<StaffAccount, CoreError> {
        self.may(Permission::ManageStaff)?;
        self.post(
            format!("/api/v1/staff/{id}/password"),
            &ResetPasswordRequest { password },
        )
        .await
    }

    pub async fn set_staff_disabled(
        &self,
        id: Uuid,
        disabled: bool,
    ) -> Result<StaffAccount, CoreError> {
        self.may(Permission::ManageStaff)?;
        self.post(
            format!("/api/v1/staff/{id}/status"),
            &StaffStatusRequest { disabled },
        )
        .await
    }
}
