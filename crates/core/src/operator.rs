//! The operator workspace's use cases (R-O*). Handed out only for an operator's session.
//!
//! Sites (R-O5), messages (R-O12) and the profile (R-O1) are read from the local cache only:
//! the synced mirror with the queued commands laid over it ([`crate::overlay`]). Changes are
//! checked here with the server's own rules, queued in the outbox and shown at once as
//! `pending`; the sync engine delivers them, and a refusal lands in the conflicts panel.

use std::sync::Arc;

use mr_domain::site::{self, SiteDraft};
use mr_domain::{validate, ErrorCode};
use mr_protocol::home::OperatorHome;
use mr_protocol::sync::{Command, ProfileFields, SiteFields};
use uuid::Uuid;

use crate::api::paths;
use crate::cache::{snapshot_keys, Snapshot};
use crate::error::CoreError;
use crate::session::ActiveSession;
use crate::views::{MessagePage, MessageQuery, MessageView, ProfileView, SiteInput, SiteView};
use crate::{mirror, outbox, overlay};

#[derive(Debug, Clone)]
pub struct OperatorOps {
    session: Arc<ActiveSession>,
}

impl OperatorOps {
    pub(crate) fn new(session: Arc<ActiveSession>) -> Self {
        OperatorOps { session }
    }

    pub fn session(&self) -> &ActiveSession {
        &self.session
    }

    /// The dashboard (R-O13): from the server, or the cached copy while offline.
    pub async fn home(&self) -> Result<OperatorHome, CoreError> {
        self.session
            .fetch_cached(paths::OPERATOR_HOME, snapshot_keys::OPERATOR_HOME)
            .await
    }

    /// The last dashboard seen, without the network (R-D5).
    pub async fn cached_home(&self) -> Result<Option<Snapshot<OperatorHome>>, CoreError> {
        self.session.cached(snapshot_keys::OPERATOR_HOME).await
    }

    // ----- sites (R-O5) -----

    /// The operator's sites, newest first, with changes not yet confirmed marked `pending`.
    pub async fn sites(&self) -> Result<Vec<SiteView>, CoreError> {
        // One read transaction: the mirror and the outbox from the same snapshot.
        let mut tx = self.session.cache().pool().begin().await?;
        let rows = mirror::sites(&mut tx).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        Ok(overlay::sites(rows, &queued, self.session.user().id))
    }

    /// Creates a site (offline too): checked locally, queued, shown at once as pending.
    pub async fn create_site(&self, input: SiteInput) -> Result<SiteView, CoreError> {
        let fields = site_fields(Uuid::now_v7(), input)?;
        let _queue = self.session.lock_queue().await;
        self.check_name_free(&fields).await?;
        self.session
            .queue_locked(&Command::SiteCreate(fields.clone()))
            .await?;
        self.site(fields.site_id).await
    }

    /// Edits a site (all fields, as the form holds them).
    pub async fn update_site(
        &self,
        site_id: Uuid,
        input: SiteInput,
    ) -> Result<SiteView, CoreError> {
        let fields = site_fields(site_id, input)?;
        let _queue = self.session.lock_queue().await;
        self.site(site_id).await?;
        self.check_name_free(&fields).await?;
        self.session
            .queue_locked(&Command::SiteUpdate(fields))
            .await?;
        self.site(site_id).await
    }

    /// Deletes a site (logically, on the server); it leaves the list at once.
    pub async fn delete_site(&self, site_id: Uuid) -> Result<(), CoreError> {
        let _queue = self.session.lock_queue().await;
        self.site(site_id).await?;
        self.session
            .queue_locked(&Command::SiteDelete { site_id })
            .await?;
        Ok(())
    }

    async fn site(&self, site_id: Uuid) -> Result<SiteView, CoreError> {
        self.sites()
            .await?
            .into_iter()
            .find(|s| s.id == site_id)
            .ok_or_else(|| CoreError::not_cached("site_id", site_id))
    }

    /// Names are unique among the operator's sites that are not deleted, including the ones
    /// created or renamed here and not confirmed yet.
    async fn check_name_free(&self, fields: &SiteFields) -> Result<(), CoreError> {
        let taken = self
            .sites()
            .await?
            .iter()
            .any(|s| s.id != fields.site_id && s.name == fields.name);
        if taken {
            return Err(CoreError::Invalid {
                code: ErrorCode::SiteNameTaken,
                field: "name",
                reason: format!("a site named {:?} exists", fields.name),
            });
        }
        Ok(())
    }

    // ----- messages (R-O12) -----

    /// The message centre, newest first; messages marked read here read as read.
    pub async fn messages(&self) -> Result<Vec<MessageView>, CoreError> {
        let mut tx = self.session.cache().pool().begin().await?;
        let rows = mirror::messages(&mut tx).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        Ok(overlay::messages(rows, &queued))
    }

    /// One page of the message centre: the cache can hold many thousands of messages, and
    /// only a page of them ever crosses to the UI.
    pub async fn message_page(&self, q: MessageQuery) -> Result<MessagePage, CoreError> {
        if !(1..=200).contains(&q.limit) || q.offset < 0 {
            return Err(CoreError::Invalid {
                code: ErrorCode::ValidationFailed,
                field: "limit",
                reason: format!("offset {} / limit {} out of range", q.offset, q.limit),
            });
        }
        let mut tx = self.session.cache().pool().begin().await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let read_here = overlay::read_here(&queued);
        let rows =
            mirror::messages_page(&mut tx, q.offset, q.limit, q.unread_only, &read_here).await?;

        let (all, unread) = mirror::message_counts(&mut tx, &read_here).await?;
        tx.commit().await?;
        Ok(MessagePage {
            items: overlay::messages(rows, &queued),
            total: if q.unread_only { unread } else { all },
            unread,
        })
    }

    pub async fn unread_count(&self) -> Result<i64, CoreError> {
        let mut tx = self.session.cache().pool().begin().await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let (_, unread) = mirror::message_counts(&mut tx, &overlay::read_here(&queued)).await?;
        tx.commit().await?;
        Ok(unread)
    }

    /// "全部已读": queues a mark-read for every unread message; returns how many.
    pub async fn mark_all_messages_read(&self) -> Result<i64, CoreError> {
        let _queue = self.session.lock_queue().await;
        let mut tx = self.session.cache().pool().begin().await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let unread = mirror::unread_message_ids(&mut tx, &overlay::read_here(&queued)).await?;
        tx.commit().await?;
        for message_id in &unread {
            self.session
                .queue_locked(&Command::MessageMarkRead {
                    message_id: *message_id,
                })
                .await?;
        }
        Ok(i64::try_from(unread.len()).unwrap_or(i64::MAX))
    }

    /// Marks a message read; one that reads as read already queues nothing.
    pub async fn mark_message_read(&self, message_id: Uuid) -> Result<MessageView, CoreError> {
        let _queue = self.session.lock_queue().await;
        let message = self.message(message_id).await?;
        if message.is_read {
            return Ok(message);
        }
        self.session
            .queue_locked(&Command::MessageMarkRead { message_id })
            .await?;
        self.message(message_id).await
    }

    /// One message with this device's unconfirmed read applied (read by id, not by loading
    /// the whole message centre).
    async fn message(&self, id: Uuid) -> Result<MessageView, CoreError> {
        let mut tx = self.session.cache().pool().begin().await?;
        let row = mirror::message(&mut tx, id).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        let row = row.ok_or_else(|| CoreError::not_cached("message_id", id))?;
        overlay::messages(vec![row], &queued)
            .pop()
            .ok_or_else(|| CoreError::not_cached("message_id", id))
    }

    // ----- profile (R-O1) -----

    /// The operator's profile with an unconfirmed edit applied; `None` before the first sync.
    pub async fn profile(&self) -> Result<Option<ProfileView>, CoreError> {
        let mut tx = self.session.cache().pool().begin().await?;
        let row = mirror::operator(&mut tx, self.session.user().id).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        Ok(overlay::profile(row, &queued))
    }

    /// Edits the profile (checked with the registration rules) and returns the new view.
    pub async fn update_profile(
        &self,
        fields: ProfileFields,
    ) -> Result<Option<ProfileView>, CoreError> {
        let fields = profile_fields(fields)?;
        let _queue = self.session.lock_queue().await;
        self.session
            .queue_locked(&Command::ProfileUpdate(fields))
            .await?;
        self.profile().await
    }
}

/// The site form checked with the shared rules (`mr_domain::site`) and normalised as the
/// server stores it.
pub fn site_fields(site_id: Uuid, input: SiteInput) -> Result<SiteFields, CoreError> {
    let d = SiteDraft::parse(
        &input.name,
        input.address.as_deref(),
        input.contact_name.as_deref(),
        input.contact_phone.as_deref(),
        input.description.as_deref(),
    )?;
    Ok(SiteFields {
        site_id,
        name: d.name,
        address: d.address,
        contact_name: d.contact_name,
        contact_phone: d.contact_phone,
        description: d.description,
    })
}

/// The profile form checked with the registration rules.
pub fn profile_fields(f: ProfileFields) -> Result<ProfileFields, CoreError> {
    Ok(ProfileFields {
        display_name: validate::display_name(&f.display_name)?.to_owned(),
        contact_name: validate::optional_text(
            f.contact_name.as_deref(),
            site::CONTACT_NAME_MAX,
            "contact_name",
        )?,
        phone: validate::phone(&f.phone)?.to_owned(),
        email: validate::email(&f.email)?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_forms_follow_the_server_rules() {
        let id = Uuid::now_v7();
        let f = site_fields(
            id,
            SiteInput {
                name: "  一号店 ".into(),
                address: Some("  ".into()),
                contact_phone: Some("13800138000".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((f.site_id, f.name.as_str()), (id, "一号店"));
        assert_eq!(f.address, None, "blank = absent");
        let field = |input: SiteInput| match site_fields(id, input) {
            Err(CoreError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let named = |name: &str| SiteInput {
            name: name.into(),
            ..Default::default()
        };
        assert_eq!(field(named(" ")), "name");
        assert_eq!(field(named(&"店".repeat(65))), "name");
        assert!(site_fields(id, named(&"店".repeat(64))).is_ok());
        let bad_phone = SiteInput {
            contact_phone: Some("12345".into()),
            ..named("店")
        };
        assert_eq!(field(bad_phone), "phone");
        let long_contact = SiteInput {
            contact_name: Some("名".repeat(33)),
            ..named("店")
        };
        assert_eq!(field(long_contact), "contact_name");
    }

    #[test]
    fn profile_forms_use_the_registration_rules() {
        let ok = ProfileFields {
            display_name: " 星际乐园 ".into(),
            contact_name: Some("".into()),
            phone: "13800138000".into(),
            email: "ops@star-park.cn".into(),
        };
        let f = profile_fields(ok.clone()).unwrap();
        assert_eq!(f.display_name, "星际乐园");
        assert_eq!(f.contact_name, None);
        let bad = ProfileFields {
            email: "not-an-email".into(),
            ..ok
        };
        assert!(matches!(
            profile_fields(bad),
            Err(CoreError::Invalid { field: "email", .. })
        ));
    }
}
