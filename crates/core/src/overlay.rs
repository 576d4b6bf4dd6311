//! Optimistic state: the mirror with the outbox laid over it.
//!
//! The mirror only ever holds what the server sent. What a page shows is `mirror ⊕ outbox`:
//! every queued command (pending, or accepted but not pulled yet) replayed in seq order over
//! the mirror rows. A rejected command leaves the outbox, so its effect vanishes on the next
//! read; an accepted one leaves once the pull brought its effect into the mirror, so the row
//! never flickers. Pure functions, so the rules are tested without a database.

use chrono::{DateTime, Utc};
use mr_protocol::home::OperatorProfile;
use mr_protocol::sync::{Command, MessageRow, SiteFields, SiteRow};
use uuid::Uuid;

use crate::outbox::Entry;
use crate::views::{MessageView, ProfileView, SiteView};

/// A queued command, typed, with the time it was queued.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub seq: i64,
    pub command: Command,
    pub at: DateTime<Utc>,
}

/// The outbox entries this version understands, in seq order.
pub fn queued(entries: &[Entry]) -> Vec<Queued> {
    let mut q: Vec<Queued> = entries
        .iter()
        .filter_map(|e| {
            e.command().map(|command| Queued {
                seq: e.seq,
                command,
                at: e.created_at,
            })
        })
        .collect();
    q.sort_by_key(|q| q.seq);
    q
}

fn set_fields(v: &mut SiteView, f: &SiteFields) {
    v.name = f.name.clone();
    v.address = f.address.clone();
    v.contact_name = f.contact_name.clone();
    v.contact_phone = f.contact_phone.clone();
    v.description = f.description.clone();
}

/// Sites as the list shows them, newest first. `operator_id` is the owner of new sites.
pub fn sites(mirror: Vec<SiteRow>, queued: &[Queued], operator_id: Uuid) -> Vec<SiteView> {
    let mut out: Vec<SiteView> = mirror.into_iter().map(SiteView::from_row).collect();
    for q in queued {
        match &q.command {
            Command::SiteCreate(f) => match out.iter_mut().find(|s| s.id == f.site_id) {
                Some(v) => {
                    set_fields(v, f);
                    v.pending = true;
                }
                None => out.push(SiteView {
                    id: f.site_id,
                    operator_id,
                    name: f.name.clone(),
                    address: f.address.clone(),
                    contact_name: f.contact_name.clone(),
                    contact_phone: f.contact_phone.clone(),
                    description: f.description.clone(),
                    created_at: q.at,
                    updated_at: q.at,
                    pending: true,
                }),
            },
            // An edit of a site that is gone (deleted elsewhere) has nothing to show; the
            // server will reject it and it lands in the conflicts panel.
            Command::SiteUpdate(f) => {
                if let Some(v) = out.iter_mut().find(|s| s.id == f.site_id) {
                    set_fields(v, f);
                    v.updated_at = q.at;
                    v.pending = true;
                }
            }
            Command::SiteDelete { site_id } => out.retain(|s| s.id != *site_id),
            _ => {}
        }
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out
}

/// Messages, newest first; one marked read here reads as read.
pub fn messages(mirror: Vec<MessageRow>, queued: &[Queued]) -> Vec<MessageView> {
    let mut out: Vec<MessageView> = mirror.into_iter().map(MessageView::from_row).collect();
    for q in queued {
        if let Command::MessageMarkRead { message_id } = &q.command {
            if let Some(m) = out.iter_mut().find(|m| m.id == *message_id && !m.is_read) {
                m.is_read = true;
                m.read_at = Some(q.at);
                m.pending = true;
            }
        }
    }
    out
}

/// Messages marked read by queued commands.
pub fn read_here(queued: &[Queued]) -> Vec<Uuid> {
    queued
        .iter()
        .filter_map(|q| match &q.command {
            Command::MessageMarkRead { message_id } => Some(*message_id),
            _ => None,
        })
        .collect()
}

/// The operator's profile with a queued edit applied. `None` before the first pull.
pub fn profile(mirror: Option<OperatorProfile>, queued: &[Queued]) -> Option<ProfileView> {
    let mut view = ProfileView {
        profile: mirror?,
        pending: false,
    };
    for q in queued {
        if let Command::ProfileUpdate(f) = &q.command {
            view.profile.display_name = f.display_name.clone();
            view.profile.contact_name = f.contact_name.clone();
            view.profile.phone = f.phone.clone();
            view.profile.email = f.email.clone();
            view.pending = true;
        }
    }
    Some(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use mr_protocol::sync::ProfileFields;

    fn at(min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 8, min, 0).unwrap()
    }

    fn row(id: Uuid, name: &str, min: u32) -> SiteRow {
        SiteRow {
            id,
            operator_id: Uuid::nil(),
            name: name.into(),
            address: None,
            contact_name: None,
            contact_phone: None,
            description: None,
            created_at: at(min),
            updated_at: at(min),
        }
    }

    fn fields(id: Uuid, name: &str) -> SiteFields {
        SiteFields {
            site_id: id,
            name: name.into(),
            address: Some("上海".into()),
            contact_name: None,
            contact_phone: None,
            description: None,
        }
    }

    fn q(seq: i64, command: Command) -> Queued {
        Queued {
            seq,
            command,
            at: at(30 + seq as u32),
        }
    }

    #[test]
    fn queued_site_commands_replay_in_order_over_the_mirror() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mirror = vec![row(a, "一号店", 1), row(b, "二号店", 2)];
        let queued = [
            q(1, Command::SiteCreate(fields(c, "三号店"))),
            q(2, Command::SiteUpdate(fields(a, "一号旗舰店"))),
            q(3, Command::SiteDelete { site_id: b }),
            q(4, Command::SiteUpdate(fields(c, "三号店(新)"))),
            q(5, Command::SiteUpdate(fields(Uuid::now_v7(), "不存在"))),
        ];
        let view = sites(mirror.clone(), &queued, Uuid::nil());
        let names: Vec<_> = view.iter().map(|s| (s.name.as_str(), s.pending)).collect();
        assert_eq!(names, [("三号店(新)", true), ("一号旗舰店", true)]);
        assert_eq!(view[0].created_at, at(31));
        assert_eq!(view[0].updated_at, at(34));
        assert_eq!(view[1].address.as_deref(), Some("上海"));

        // Nothing queued: the mirror as it is, newest first, nothing pending.
        let plain = sites(mirror, &[], Uuid::nil());
        assert_eq!(plain.iter().map(|s| s.id).collect::<Vec<_>>(), [b, a]);
        assert!(plain.iter().all(|s| !s.pending));
    }

    #[test]
    fn a_create_already_in_the_mirror_does_not_duplicate() {
        let a = Uuid::now_v7();
        let view = sites(
            vec![row(a, "一号店", 1)],
            &[q(1, Command::SiteCreate(fields(a, "一号店")))],
            Uuid::nil(),
        );
        assert_eq!(view.len(), 1);
    }

    #[test]
    fn mark_read_and_profile_edits_show_as_pending() {
        let (m1, m2) = (Uuid::now_v7(), Uuid::now_v7());
        let msg = |id, read: bool| MessageRow {
            id,
            operator_id: Uuid::nil(),
            kind: "system".into(),
            title: "t".into(),
            body: "b".into(),
            is_read: read,
            read_at: read.then(|| at(0)),
            created_at: at(0),
        };
        let queued = [
            q(1, Command::MessageMarkRead { message_id: m1 }),
            q(2, Command::MessageMarkRead { message_id: m2 }),
        ];
        let view = messages(vec![msg(m1, false), msg(m2, true)], &queued);
        assert!(view[0].is_read && view[0].pending);
        assert_eq!(view[0].read_at, Some(at(31)));
        assert!(
            view[1].is_read && !view[1].pending,
            "already read: nothing pending"
        );

        assert_eq!(profile(None, &queued), None);
    }

    #[test]
    fn profile_edit_is_laid_over() {
        let p = OperatorProfile {
            id: Uuid::nil(),
            username: "u".into(),
            display_name: "旧名".into(),
            contact_name: None,
            phone: "13800138000".into(),
            email: "a@b.cn".into(),
            tier: mr_domain::Tier::Trial,
            status: "active".into(),
            balance: mr_domain::Money::ZERO,
            is_locked: false,
            api_key_masked: "…abcd".into(),
            created_at: at(0),
        };
        let edit = ProfileFields {
            display_name: "新名".into(),
            contact_name: Some("李四".into()),
            phone: "13900139000".into(),
            email: "c@d.cn".into(),
        };
        let v = profile(Some(p.clone()), &[q(1, Command::ProfileUpdate(edit))]).unwrap();
        assert!(v.pending);
        assert_eq!(v.profile.display_name, "新名");
        assert_eq!(v.profile.username, "u");
        assert!(!profile(Some(p), &[]).unwrap().pending);
    }
}
