//! 应用管理 (R-A3) at the desktop core: the catalogue and its price history read from the
//! cache with queued changes laid over them; create, edit and (de)activate checked with the
//! server's rules (`mr_domain::application`) and queued, so they work offline.

use chrono::Utc;
use mr_domain::application::{self, ApplicationDraft};
use mr_domain::{ErrorCode, Permission};
use mr_protocol::sync::{ApplicationEdit, ApplicationFields, Command};
use uuid::Uuid;

use crate::admin::AdminOps;
use crate::admin_views::{ApplicationDetail, ApplicationInput, ApplicationView, PriceChangeView};
use crate::error::CoreError;
use crate::{admin_overlay, admin_read, outbox, overlay};

fn draft(input: &ApplicationInput) -> Result<ApplicationDraft, CoreError> {
    ApplicationDraft::parse(
        &input.name,
        input.description.as_deref(),
        &input.unit_price,
        input.min_players,
        input.max_players,
    )
    .map_err(CoreError::from)
}

impl AdminOps {
    /// The catalogue and the price history (of `only` or of all), queued changes included.
    async fn catalogue(
        &self,
        only: Option<Uuid>,
    ) -> Result<(Vec<ApplicationView>, Vec<PriceChangeView>), CoreError> {
        let mut tx = self.session().cache().pool().begin().await?;
        let apps = admin_read::applications(&mut tx).await?;
        let prices = admin_read::prices(&mut tx, only).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        let (apps, mut history) = admin_overlay::applications(apps, prices, &queued, &self.me());
        if let Some(id) = only {
            history.retain(|p| p.application_id == id);
        }
        Ok((apps, history))
    }

    /// 应用管理: every application, by name.
    pub async fn application_list(&self) -> Result<Vec<ApplicationView>, CoreError> {
        // No application has the nil id: the price history is not read for the list.
        Ok(self.catalogue(Some(Uuid::nil())).await?.0)
    }

    /// One application with its price history, newest first.
    pub async fn application_detail(&self, id: Uuid) -> Result<ApplicationDetail, CoreError> {
        let (apps, prices) = self.catalogue(Some(id)).await?;
        let application = apps
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| CoreError::not_cached("application_id", id))?;
        let mut conn = self.session().cache().pool().acquire().await?;
        let active_authorizations =
            admin_read::usable_authorizations_of(&mut conn, id, Utc::now()).await?;
        Ok(ApplicationDetail {
            application,
            prices,
            active_authorizations,
        })
    }

    async fn application(&self, id: Uuid) -> Result<ApplicationView, CoreError> {
        self.application_list()
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| CoreError::not_cached("application_id", id))
    }

    /// R-A3: adds an application (offline too); its code must be new.
    pub async fn create_application(
        &self,
        input: ApplicationInput,
    ) -> Result<ApplicationView, CoreError> {
        self.may(Permission::ManageApplications)?;
        let code = application::code(&input.code)
            .map_err(CoreError::from)?
            .to_string();
        let d = draft(&input)?;
        let id = Uuid::now_v7();
        let _queue = self.session().lock_queue().await;
        if self
            .application_list()
            .await?
            .iter()
            .any(|a| a.code == code)
        {
            return Err(CoreError::Invalid {
                code: ErrorCode::ApplicationCodeTaken,
                field: "code",
                reason: format!("{code} is in use"),
            });
        }
        self.session()
            .queue_locked(&Command::ApplicationCreate(ApplicationFields {
                application_id: id,
                code,
                name: d.name,
                description: d.description,
                unit_price: d.unit_price,
                min_players: d.min_players,
                max_players: d.max_players,
            }))
            .await?;
        self.application(id).await
    }

    /// R-A3: edits an application; a new price applies from the next launch once synced.
    pub async fn update_application(
        &self,
        id: Uuid,
        input: ApplicationInput,
    ) -> Result<ApplicationView, CoreError> {
        self.may(Permission::ManageApplications)?;
        let d = draft(&input)?;
        let _queue = self.session().lock_queue().await;
        self.application(id).await?;
        self.session()
            .queue_locked(&Command::ApplicationUpdate(ApplicationEdit {
                application_id: id,
                name: d.name,
                description: d.description,
                unit_price: d.unit_price,
                min_players: d.min_players,
                max_players: d.max_players,
            }))
            .await?;
        self.application(id).await
    }

    /// R-A3: deactivates (launches then fail) or reactivates an application.
    pub async fn set_application_active(
        &self,
        id: Uuid,
        active: bool,
    ) -> Result<ApplicationView, CoreError> {
        self.may(Permission::ManageApplications)?;
        let _queue = self.session().lock_queue().await;
        self.application(id).await?;
        self.session()
            .queue_locked(&Command::ApplicationSetActive {
                application_id: id,
                active,
            })
            .await?;
        self.application(id).await
    }
}

impl AdminOps {
    /// R-A2: an operator's API key in clear; the server audits every reveal. Needs the network.
    pub async fn reveal_api_key(
        &self,
        operator_id: Uuid,
    ) -> Result<mr_protocol::auth::ApiKeyShown, CoreError> {
        self.api_key_call(operator_id, "reveal").await
    }

    /// R-A2: a new key for the operator; the old one fails from the next request and the
    /// operator is told. The new key is shown once. Needs the network.
    pub async fn reset_api_key(
        &self,
        operator_id: Uuid,
    ) -> Result<mr_protocol::auth::ApiKeyShown, CoreError> {
        self.api_key_call(operator_id, "reset").await
    }

    async fn api_key_call(
        &self,
        operator_id: Uuid,
        action: &str,
    ) -> Result<mr_protocol::auth::ApiKeyShown, CoreError> {
        self.may(Permission::ManageApiKeys)?;
        let path = format!("/api/v1/operators/{operator_id}/api-key/{action}");
        self.session()
            .authed(|api, token| {
                let path = path.clone();
                async move {
                    api.post_json(&path, &serde_json::json!({}), Some(&token))
                        .await
                }
            })
            .await
    }
}
