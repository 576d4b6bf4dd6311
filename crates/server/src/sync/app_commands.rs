//! The application catalogue (应用管理, R-A3) and announcements (公告, R-A7) as administrators'
//! sync commands. Applications: create, edit
//! (a new price is kept in the price history and announced to every operator holding an active
//! authorization of it), deactivate and reactivate. Checked with the rules the desktop uses
//! (`mr_domain::application`); a launch reads the price at the moment it is charged, so a new
//! price applies from the next launch.

use mr_domain::application::{self, ApplicationDraft};
use mr_domain::{ErrorCode, Money};
use mr_protocol::sync::{ApplicationEdit, ApplicationFields};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::admin_commands::Step;
use super::commands::Rejection;

fn draft(
    name: &str,
    description: Option<&str>,
    price: Money,
    min: i32,
    max: i32,
) -> Result<ApplicationDraft, Rejection> {
    Ok(ApplicationDraft::parse(
        name,
        description,
        &price.to_string(),
        min,
        max,
    )?)
}

pub async fn create(conn: &mut PgConnection, admin: Uuid, f: &ApplicationFields) -> Step {
    let code = match application::code(&f.code) {
        Ok(c) => c.to_string(),
        Err(e) => return Ok(Err(e.into())),
    };
    let d = match draft(
        &f.name,
        f.description.as_deref(),
        f.unit_price,
        f.min_players,
        f.max_players,
    ) {
        Ok(d) => d,
        Err(r) => return Ok(Err(r)),
    };
    let taken: Option<Uuid> = sqlx::query_scalar("SELECT id FROM applications WHERE code = $1")
        .bind(&code)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = taken {
        return Ok(Err(Rejection {
            code: ErrorCode::ApplicationCodeTaken,
            details: json!({ "field": "code", "application_id": id }),
        }));
    }
    let inserted = sqlx::query(
        "INSERT INTO applications (id, code, name, description, unit_price, min_players,
                                   max_players, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(f.application_id)
    .bind(&code)
    .bind(&d.name)
    .bind(&d.description)
    .bind(d.unit_price.as_decimal())
    .bind(d.min_players)
    .bind(d.max_players)
    .bind(admin)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        // The code was taken a moment ago, or the id is in use.
        return Ok(Err(Rejection {
            code: ErrorCode::ApplicationCodeTaken,
            details: json!({ "field": "code" }),
        }));
    }
    sqlx::query(
        "INSERT INTO application_price_history (application_id, old_price, new_price, changed_by)
         VALUES ($1, NULL, $2, $3)",
    )
    .bind(f.application_id)
    .bind(d.unit_price.as_decimal())
    .bind(admin)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(()))
}

pub async fn update(conn: &mut PgConnection, admin: Uuid, f: &ApplicationEdit) -> Step {
    let d = match draft(
        &f.name,
        f.description.as_deref(),
        f.unit_price,
        f.min_players,
        f.max_players,
    ) {
        Ok(d) => d,
        Err(r) => return Ok(Err(r)),
    };
    // Locked: a launch charging meanwhile reads either the old price or the new one, whole.
    let old: Option<rust_decimal::Decimal> =
        sqlx::query_scalar("SELECT unit_price FROM applications WHERE id = $1 FOR UPDATE")
            .bind(f.application_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(old) = old.and_then(|d| Money::from_decimal(d).ok()) else {
        return Ok(Err(ErrorCode::NotFound.into()));
    };
    sqlx::query(
        "UPDATE applications SET name = $2, description = $3, unit_price = $4, min_players = $5,
                max_players = $6, updated_at = now(), version = version + 1
          WHERE id = $1",
    )
    .bind(f.application_id)
    .bind(&d.name)
    .bind(&d.description)
    .bind(d.unit_price.as_decimal())
    .bind(d.min_players)
    .bind(d.max_players)
    .execute(&mut *conn)
    .await?;
    if old != d.unit_price {
        sqlx::query(
            "INSERT INTO application_price_history (application_id, old_price, new_price, changed_by)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(f.application_id)
        .bind(old.as_decimal())
        .bind(d.unit_price.as_decimal())
        .bind(admin)
        .execute(&mut *conn)
        .await?;
        announce_price(conn, f.application_id, &d.name, old, d.unit_price).await?;
    }
    Ok(Ok(()))
}

/// A message to every operator that may launch the application now.
async fn announce_price(
    conn: &mut PgConnection,
    app: Uuid,
    name: &str,
    old: Money,
    new: Money,
) -> Result<(), sqlx::Error> {
    let title = format!("价格调整：{name}");
    let body = format!(
        "应用「{name}」的单价已由 ¥{old} 调整为 ¥{new}（每位玩家每次启动），自下一次启动起生效。"
    );
    sqlx::query(
        "INSERT INTO messages (operator_id, kind, title, body)
         SELECT DISTINCT a.operator_id, 'price_change', $2, $3
           FROM authorizations a JOIN operators o ON o.id = a.operator_id
          WHERE a.application_id = $1 AND a.status = 'active'
            AND (a.expires_at IS NULL OR a.expires_at > now()) AND o.status = 'active'",
    )
    .bind(app)
    .bind(title)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_active(conn: &mut PgConnection, app: Uuid, active: bool) -> Step {
    let n = sqlx::query(
        "UPDATE applications SET is_active = $2, updated_at = now(), version = version + 1
          WHERE id = $1",
    )
    .bind(app)
    .bind(active)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if n == 1 {
        Ok(())
    } else {
        Err(ErrorCode::NotFound.into())
    })
}

/// R-A7: the announcement and one message per addressed operator, in one transaction.
pub async fn announce(
    conn: &mut PgConnection,
    admin: Uuid,
    f: &mr_protocol::sync::AnnouncementFields,
) -> Step {
    let (title, body) = match mr_domain::validate::announcement(&f.title, &f.body) {
        Ok(tb) => tb,
        Err(e) => return Ok(Err(e.into())),
    };
    let tier = f.tier.map(|t| t.as_str());
    let inserted = sqlx::query(
        "INSERT INTO announcements (id, title, body, audience, audience_tier, published_by)
         VALUES ($1, $2, $3, CASE WHEN $4::text IS NULL THEN 'all' ELSE 'tier' END, $4, $5)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(f.announcement_id)
    .bind(&title)
    .bind(&body)
    .bind(tier)
    .bind(admin)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(Err(Rejection {
            code: ErrorCode::Conflict,
            details: json!({ "reason": "announcement id already used" }),
        }));
    }
    sqlx::query(
        "INSERT INTO messages (operator_id, kind, title, body, announcement_id)
         SELECT id, 'announcement', $2, $3, $1 FROM operators
          WHERE status = 'active' AND ($4::text IS NULL OR tier = $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(f.announcement_id)
    .bind(&title)
    .bind(&body)
    .bind(tier)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(()))
}
