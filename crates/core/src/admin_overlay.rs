//! The admin's queued decisions laid over the pages read from the mirror (the admin side of
//! [`crate::overlay`]): a grant or approval made offline shows at once as a pending
//! authorization, a revoke as a pending revoked row, a decided request as pending with its
//! decision. Pure functions over what the caller read, so the rules are tested without a cache.

use chrono::{DateTime, Duration, Utc};
use mr_protocol::sync::Command;
use uuid::Uuid;

use crate::admin_views::{
    ApplicationView, AuthorizationCounts, AuthorizationPage, AuthorizationQuery,
    AuthorizationState, AuthorizationView, PriceChangeView, RequestView,
};
use crate::overlay::Queued;
use mr_domain::Money;
use mr_protocol::rows::{ApplicationPriceRow, ApplicationRow};

/// A queued grant or approval: the authorization it will create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGrant {
    pub authorization_id: Uuid,
    /// For an approval: the request (its operator and application are read from the mirror).
    pub request_id: Option<Uuid>,
    /// For a direct grant: the pair.
    pub pair: Option<(Uuid, Uuid)>,
    pub expires_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// A queued revoke, with the row as the mirror has it (absent: granted here, or unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Revoke {
    pub authorization_id: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub before: Option<(AuthorizationState, Option<DateTime<Utc>>)>,
}

/// A queued decision on a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub request_id: Uuid,
    pub approve: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

pub fn new_grants(queued: &[Queued]) -> Vec<NewGrant> {
    queued
        .iter()
        .filter_map(|q| match &q.command {
            Command::AuthorizationGrant(f) => Some(NewGrant {
                authorization_id: f.authorization_id,
                request_id: None,
                pair: Some((f.operator_id, f.application_id)),
                expires_at: f.expires_at,
                at: q.at,
            }),
            Command::RequestApprove {
                request_id,
                authorization_id,
                expires_at,
            } => Some(NewGrant {
                authorization_id: *authorization_id,
                request_id: Some(*request_id),
                pair: None,
                expires_at: *expires_at,
                at: q.at,
            }),
            _ => None,
        })
        .collect()
}

/// The revokes, without the mirror's view of their rows (the caller fills `before`).
pub fn revokes(queued: &[Queued]) -> Vec<Revoke> {
    queued
        .iter()
        .filter_map(|q| match &q.command {
            Command::AuthorizationRevoke {
                authorization_id,
                reason,
            } => Some(Revoke {
                authorization_id: *authorization_id,
                reason: reason.clone(),
                at: q.at,
                before: None,
            }),
            _ => None,
        })
        .collect()
}

pub fn decisions(queued: &[Queued]) -> Vec<Decision> {
    queued
        .iter()
        .filter_map(|q| match &q.command {
            Command::RequestApprove {
                request_id,
                expires_at,
                ..
            } => Some(Decision {
                request_id: *request_id,
                approve: true,
                expires_at: *expires_at,
                note: None,
                at: q.at,
            }),
            Command::RequestReject { request_id, reason } => Some(Decision {
                request_id: *request_id,
                approve: false,
                expires_at: None,
                note: Some(reason.clone()),
                at: q.at,
            }),
            _ => None,
        })
        .collect()
}

fn revoke_view(v: &mut AuthorizationView, r: &Revoke, me: &str) {
    v.state = AuthorizationState::Revoked;
    v.revoked_at = Some(r.at);
    v.revoked_by_name = Some(me.to_string());
    v.revoke_reason = Some(r.reason.clone());
    v.pending = true;
}

fn soon(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    matches!(expires_at, Some(t) if t > now && t <= now + Duration::days(7))
}

fn count(
    c: &mut AuthorizationCounts,
    state: AuthorizationState,
    expires: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    delta: i64,
) {
    match state {
        AuthorizationState::Active => {
            c.active += delta;
            if soon(expires, now) {
                c.expiring_soon += delta;
            }
        }
        AuthorizationState::Expired => c.expired += delta,
        AuthorizationState::Revoked => c.revoked += delta,
    }
}

fn matches(v: &AuthorizationView, q: &AuthorizationQuery, now: DateTime<Utc>) -> bool {
    q.operator_id.is_none_or(|o| o == v.operator_id)
        && q.application_id.is_none_or(|a| a == v.application_id)
        && q.state.is_none_or(|s| s == v.state)
        && q.expiring_within_days.is_none_or(|d| {
            v.state == AuthorizationState::Active
                && matches!(v.expires_at, Some(t) if t <= now + Duration::days(d))
        })
}

/// Lays the queued grants (`created`: built by the caller as pending views, newest last) and
/// revokes over one page read from the mirror.
pub fn authorization_page(
    mut page: AuthorizationPage,
    mut created: Vec<AuthorizationView>,
    revokes: &[Revoke],
    q: &AuthorizationQuery,
    now: DateTime<Utc>,
    me: &str,
) -> AuthorizationPage {
    for r in revokes {
        if let Some(v) = created.iter_mut().find(|v| v.id == r.authorization_id) {
            revoke_view(v, r, me);
        } else if let Some((state, expires)) = r.before {
            if state != AuthorizationState::Revoked {
                count(&mut page.counts, state, expires, now, -1);
                page.counts.revoked += 1;
            }
        }
        if let Some(v) = page.items.iter_mut().find(|v| v.id == r.authorization_id) {
            revoke_view(v, r, me);
        }
    }
    for v in &created {
        count(&mut page.counts, v.state, v.expires_at, now, 1);
    }
    created.retain(|v| matches(v, q, now));
    page.total += created.len() as i64;
    if q.offset == 0 {
        created.reverse();
        created.append(&mut page.items);
        page.items = created;
    }
    page
}

/// Lays the queued decisions over a page of requests.
pub fn requests(items: &mut [RequestView], decisions: &[Decision], me: &str) {
    for d in decisions {
        if let Some(v) = items.iter_mut().find(|v| v.id == d.request_id) {
            v.status = if d.approve { "approved" } else { "rejected" }.to_string();
            v.decided_by_name = Some(me.to_string());
            v.decided_at = Some(d.at);
            v.decision_note = d.note.clone();
            v.approved_expires_at = d.expires_at;
            v.pending = true;
        }
    }
}

/// The catalogue as 应用管理 shows it: the mirror's applications with the queued creates, edits
/// and (de)activations replayed in order, and the price changes those make (pending), newest
/// first. `prices` are the mirror's price history rows.
pub fn applications(
    mirror: Vec<ApplicationRow>,
    prices: Vec<ApplicationPriceRow>,
    queued: &[Queued],
    me: &str,
) -> (Vec<ApplicationView>, Vec<PriceChangeView>) {
    let mut apps: Vec<ApplicationView> = mirror
        .into_iter()
        .map(|r| ApplicationView {
            id: r.id,
            code: r.code,
            name: r.name,
            description: r.description,
            unit_price: r.unit_price,
            min_players: r.min_players,
            max_players: r.max_players,
            is_active: r.is_active,
            created_at: r.created_at,
            updated_at: r.updated_at,
            pending: false,
        })
        .collect();
    let mut history: Vec<PriceChangeView> = prices
        .into_iter()
        .map(|p| PriceChangeView {
            id: p.id,
            application_id: p.application_id,
            old_price: p.old_price,
            new_price: p.new_price,
            changed_by_name: p.changed_by_name,
            changed_at: p.changed_at,
            pending: false,
        })
        .collect();
    let pending_price = |app: Uuid, old: Option<Money>, new: Money, q: &Queued| PriceChangeView {
        id: Uuid::from_u64_pair(0, q.seq as u64),
        application_id: app,
        old_price: old,
        new_price: new,
        changed_by_name: Some(me.to_string()),
        changed_at: q.at,
        pending: true,
    };
    for q in queued {
        match &q.command {
            Command::ApplicationCreate(f) => {
                if apps.iter().any(|a| a.id == f.application_id) {
                    continue;
                }
                apps.push(ApplicationView {
                    id: f.application_id,
                    code: f.code.clone(),
                    name: f.name.clone(),
                    description: f.description.clone(),
                    unit_price: f.unit_price,
                    min_players: f.min_players,
                    max_players: f.max_players,
                    is_active: true,
                    created_at: q.at,
                    updated_at: q.at,
                    pending: true,
                });
                history.push(pending_price(f.application_id, None, f.unit_price, q));
            }
            Command::ApplicationUpdate(f) => {
                if let Some(a) = apps.iter_mut().find(|a| a.id == f.application_id) {
                    if a.unit_price != f.unit_price {
                        history.push(pending_price(a.id, Some(a.unit_price), f.unit_price, q));
                    }
                    a.name = f.name.clone();
                    a.description = f.description.clone();
                    a.unit_price = f.unit_price;
                    a.min_players = f.min_players;
                    a.max_players = f.max_players;
                    a.updated_at = q.at;
                    a.pending = true;
                }
            }
            Command::ApplicationSetActive {
                application_id,
                active,
            } => {
                if let Some(a) = apps.iter_mut().find(|a| a.id == *application_id) {
                    a.is_active = *active;
                    a.updated_at = q.at;
                    a.pending = true;
                }
            }
            _ => {}
        }
    }
    apps.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    history.sort_by(|a, b| b.changed_at.cmp(&a.changed_at).then(b.id.cmp(&a.id)));
    (apps, history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use mr_protocol::sync::GrantFields;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, h, 0, 0).unwrap()
    }

    fn view(id: Uuid, op: Uuid, app: Uuid, state: AuthorizationState) -> AuthorizationView {
        AuthorizationView {
            id,
            operator_id: op,
            operator_name: Some("运营商".into()),
            operator_username: Some("op".into()),
            application_id: app,
            application_name: Some("应用".into()),
            application_code: Some("app".into()),
            state,
            expires_at: None,
            granted_by_name: Some("管理员".into()),
            granted_at: at(1),
            request_id: None,
            revoked_by_name: None,
            revoked_at: None,
            revoke_reason: None,
            pending: false,
        }
    }

    fn q(seq: i64, command: Command) -> Queued {
        Queued {
            seq,
            command,
            at: at(2 + seq as u32),
        }
    }

    #[test]
    fn grants_and_approvals_become_new_authorizations_and_revokes_are_listed() {
        let (a, r, op, app) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let queued = [
            q(
                1,
                Command::AuthorizationGrant(GrantFields {
                    authorization_id: a,
                    operator_id: op,
                    application_id: app,
                    expires_at: Some(at(20)),
                }),
            ),
            q(
                2,
                Command::RequestApprove {
                    request_id: r,
                    authorization_id: Uuid::nil(),
                    expires_at: None,
                },
            ),
            q(
                3,
                Command::AuthorizationRevoke {
                    authorization_id: a,
                    reason: "合同到期".into(),
                },
            ),
            q(
                4,
                Command::RequestReject {
                    request_id: r,
                    reason: "资料不全".into(),
                },
            ),
        ];
        let g = new_grants(&queued);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].pair, Some((op, app)));
        assert_eq!(g[1].request_id, Some(r));
        assert_eq!(revokes(&queued)[0].reason, "合同到期");
        let d = decisions(&queued);
        assert!(d[0].approve && !d[1].approve);
        assert_eq!(d[1].note.as_deref(), Some("资料不全"));
    }

    #[test]
    fn a_queued_grant_tops_the_first_page_and_a_revoke_marks_its_row() {
        let (op, app, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let old = view(Uuid::now_v7(), op, app, AuthorizationState::Active);
        let page = AuthorizationPage {
            items: vec![old.clone()],
            total: 1,
            counts: AuthorizationCounts {
                active: 1,
                ..Default::default()
            },
        };
        let mut new = view(Uuid::now_v7(), op, other, AuthorizationState::Active);
        new.pending = true;
        let revoke = Revoke {
            authorization_id: old.id,
            reason: "违规".into(),
            at: at(5),
            before: Some((AuthorizationState::Active, None)),
        };
        let all = AuthorizationQuery {
            limit: 20,
            ..Default::default()
        };
        let out = authorization_page(
            page.clone(),
            vec![new.clone()],
            std::slice::from_ref(&revoke),
            &all,
            at(6),
            "我",
        );
        assert_eq!(out.total, 2);
        assert_eq!(out.items[0].id, new.id);
        assert!(out.items[0].pending);
        assert_eq!(out.items[1].state, AuthorizationState::Revoked);
        assert_eq!(out.items[1].revoked_by_name.as_deref(), Some("我"));
        assert!(out.items[1].pending);
        assert_eq!(
            out.counts,
            AuthorizationCounts {
                active: 1,
                expired: 0,
                revoked: 1,
                expiring_soon: 0
            }
        );

        // Filtered to another application: the new grant does not show, nor count in total.
        let other_app = AuthorizationQuery {
            application_id: Some(app),
            limit: 20,
            ..Default::default()
        };
        let out = authorization_page(
            page.clone(),
            vec![new.clone()],
            &[],
            &other_app,
            at(6),
            "我",
        );
        assert_eq!(out.total, 1);
        assert_eq!(out.items.len(), 1);

        // A later page does not repeat it, but the total counts it.
        let second = AuthorizationQuery {
            offset: 20,
            limit: 20,
            ..Default::default()
        };
        let out = authorization_page(
            AuthorizationPage {
                items: vec![],
                ..page
            },
            vec![new],
            &[],
            &second,
            at(6),
            "我",
        );
        assert_eq!((out.total, out.items.len()), (2, 0));
    }

    #[test]
    fn queued_catalogue_changes_replay_with_their_price_history() {
        use mr_protocol::sync::{ApplicationEdit, ApplicationFields};
        let (old_id, new_id) = (Uuid::now_v7(), Uuid::now_v7());
        let mirror = vec![ApplicationRow {
            id: old_id,
            code: "deep_sea".into(),
            name: "深海探险".into(),
            description: None,
            unit_price: "20.00".parse().unwrap(),
            min_players: 1,
            max_players: 4,
            is_active: true,
            created_at: at(0),
            updated_at: at(0),
        }];
        let prices = vec![ApplicationPriceRow {
            id: Uuid::now_v7(),
            application_id: old_id,
            old_price: None,
            new_price: "20.00".parse().unwrap(),
            changed_by_name: Some("王".into()),
            changed_at: at(0),
        }];
        let edit = |price: &str| ApplicationEdit {
            application_id: old_id,
            name: "深海探险 2".into(),
            description: Some("升级版".into()),
            unit_price: price.parse().unwrap(),
            min_players: 2,
            max_players: 6,
        };
        let queued = [
            q(
                1,
                Command::ApplicationCreate(ApplicationFields {
                    application_id: new_id,
                    code: "sky_race".into(),
                    name: "天空竞速".into(),
                    description: None,
                    unit_price: "30.00".parse().unwrap(),
                    min_players: 1,
                    max_players: 8,
                }),
            ),
            q(2, Command::ApplicationUpdate(edit("25.00"))),
            q(3, Command::ApplicationUpdate(edit("25.00"))),
            q(
                4,
                Command::ApplicationSetActive {
                    application_id: new_id,
                    active: false,
                },
            ),
        ];
        let (apps, history) = applications(mirror, prices, &queued, "我");
        let names: Vec<_> = apps
            .iter()
            .map(|a| (a.name.as_str(), a.pending, a.is_active))
            .collect();
        assert_eq!(
            names,
            [("天空竞速", true, false), ("深海探险 2", true, true)]
        );
        assert_eq!(apps[1].unit_price.to_string(), "25.00");
        // The first price of the new one, one change of the old one (the repeated edit with
        // the same price changes nothing), and the mirror's first price.
        let h: Vec<_> = history
            .iter()
            .map(|p| {
                (
                    p.old_price.map(|m| m.to_string()),
                    p.new_price.to_string(),
                    p.pending,
                )
            })
            .collect();
        assert_eq!(
            h,
            [
                (Some("20.00".into()), "25.00".into(), true),
                (None, "30.00".into(), true),
                (None, "20.00".into(), false),
            ]
        );
    }

    #[test]
    fn granted_then_revoked_here_shows_revoked() {
        let (op, app) = (Uuid::now_v7(), Uuid::now_v7());
        let mut new = view(Uuid::now_v7(), op, app, AuthorizationState::Active);
        new.pending = true;
        let r = Revoke {
            authorization_id: new.id,
            reason: "授错了".into(),
            at: at(7),
            before: None,
        };
        let page = AuthorizationPage {
            items: vec![],
            total: 0,
            counts: AuthorizationCounts::default(),
        };
        let q = AuthorizationQuery {
            limit: 20,
            ..Default::default()
        };
        let out = authorization_page(page, vec![new], &[r], &q, at(8), "我");
        assert_eq!(out.items[0].state, AuthorizationState::Revoked);
        assert_eq!(out.counts.revoked, 1);
        assert_eq!(out.counts.active, 0);
    }
}
