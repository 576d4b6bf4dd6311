//! 公告 (R-A7) at the desktop core: the published announcements from the cache, with the ones
//! queued here on top (pending); publishing is queued, so it works offline.

use chrono::{DateTime, Utc};
use mr_domain::{Permission, Tier};
use mr_protocol::rows::AnnouncementRow;
use mr_protocol::sync::{AnnouncementFields, Command, Entity, SyncRow};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::admin::AdminOps;
use crate::error::CoreError;
use crate::{mirror, outbox, overlay};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnouncementView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// Absent = every operator.
    pub tier: Option<Tier>,
    pub published_by_name: Option<String>,
    pub published_at: DateTime<Utc>,
    /// Published on this device; not confirmed yet.
    pub pending: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnouncementInput {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tier: Option<Tier>,
}

fn view(r: AnnouncementRow) -> AnnouncementView {
    AnnouncementView {
        id: r.id,
        title: r.title,
        body: r.body,
        tier: r.audience_tier,
        published_by_name: r.published_by_name,
        published_at: r.published_at,
        pending: false,
    }
}

impl AdminOps {
    /// Every announcement, newest first.
    pub async fn announcements(&self) -> Result<Vec<AnnouncementView>, CoreError> {
        let mut tx = self.session().cache().pool().begin().await?;
        let rows = mirror::json_rows(&mut tx, Entity::Announcement).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        let mut out: Vec<AnnouncementView> = rows
            .into_iter()
            .filter_map(|r| match r {
                SyncRow::Announcement(a) => Some(view(a)),
                _ => None,
            })
            .collect();
        for q in &queued {
            if let Command::AnnouncementPublish(f) = &q.command {
                if out.iter().all(|a| a.id != f.announcement_id) {
                    out.push(AnnouncementView {
                        id: f.announcement_id,
                        title: f.title.clone(),
                        body: f.body.clone(),
                        tier: f.tier,
                        published_by_name: Some(self.me()),
                        published_at: q.at,
                        pending: true,
                    });
                }
            }
        }
        out.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    /// R-A7: publishes to every operator or to one tier (offline too).
    pub async fn publish_announcement(
        &self,
        input: AnnouncementInput,
    ) -> Result<AnnouncementView, CoreError> {
        self.may(Permission::PublishAnnouncements)?;
        let (title, body) = mr_domain::validate::announcement(&input.title, &input.body)
            .map_err(CoreError::from)?;
        let id = Uuid::now_v7();
        let _queue = self.session().lock_queue().await;
        self.session()
            .queue_locked(&Command::AnnouncementPublish(AnnouncementFields {
                announcement_id: id,
                title,
                body,
                tier: input.tier,
            }))
            .await?;
        self.announcements()
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| CoreError::Cache("the queued announcement vanished".into()))
    }
}
