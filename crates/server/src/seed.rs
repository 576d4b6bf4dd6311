//! Demo data set (`mr-server seed-demo`): staff, operators with sites and API keys, the game
//! catalogue with price history, authorizations and requests, 90 days of usage with the
//! matching ledger and payment orders, refunds, invoices, announcements, messages and a few
//! audit rows.
//!
//! Idempotent: the `system_settings` key `demo.seeded` (or an existing demo account) marks a
//! database that already holds the demo data, and a second run changes nothing. Everything is
//! written in one transaction. The content is drawn from a fixed-seed RNG, relative to `now`,
//! so the demo looks the same every time it is loaded (only ids and API keys differ).
//!
//! Money is integer cents in Rust (`i64`), turned into `Decimal` with scale 2 at the edge.
//! Each operator's events are walked in time order with a running balance, so every ledger row
//! has a correct `balance_before`/`balance_after`, the balance never goes negative (a recharge
//! always precedes the spending it funds) and `operators.balance` equals the ledger sum.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};
use rand::distributions::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::crypto::{issue_api_key, MasterKey};

/// Password of every demo account (staff and operators).
pub const DEMO_PASSWORD: &str = "Demo@123456";
/// `system_settings` key marking a database that holds the demo data.
pub const MARKER_KEY: &str = "demo.seeded";
/// Seed of the demo RNG: the same data every time.
const RNG_SEED: u64 = 2026;
/// Days of usage history, ending at `now`.
const HISTORY_DAYS: i64 = 90;
/// Low-balance alert threshold (the schema's default for every tier), in cents.
const LOW_BALANCE_CENTS: i64 = y(100);
/// Rows per bulk `INSERT … SELECT * FROM UNNEST(…)`.
const CHUNK: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoReport {
    /// false when the demo data was already there and nothing was written.
    pub created: bool,
    /// Row counts of the tables after the call (whole tables, not only demo rows).
    pub operators: i64,
    pub sites: i64,
    pub applications: i64,
    pub game_sessions: i64,
    pub ledger_entries: i64,
}

// ---------------------------------------------------------------------------------------
// The fixed content
// ---------------------------------------------------------------------------------------

struct StaffSpec {
    username: &'static str,
    display_name: &'static str,
    role: &'static str,
}

const STAFF: [StaffSpec; 4] = [
    StaffSpec {
        username: "demo_admin",
        display_name: "王建国",
        role: "admin",
    },
    StaffSpec {
        username: "demo_accountant",
        display_name: "李静",
        role: "accountant",
    },
    StaffSpec {
        username: "demo_auditor",
        display_name: "张敏",
        role: "auditor",
    },
    StaffSpec {
        username: "demo_analyst",
        display_name: "陈晓明",
        role: "analyst",
    },
];

struct AppSpec {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    /// Current unit price (cents).
    price: i64,
    /// Price before the change 30 days ago, for the apps whose price changed (cents).
    old_price: Option<i64>,
    min_players: i32,
    max_players: i32,
    active: bool,
    /// Relative popularity when a venue picks a game.
    weight: u32,
}

const APP_SPACE: usize = 0;
const APP_ZOMBIE: usize = 1;
const APP_HAUNTED: usize = 4;
const APP_CYBER: usize = 5;
const APP_DRAGON: usize = 6;

const APPS: [AppSpec; 8] = [
    AppSpec {
        code: "space_adventure",
        name: "太空探险",
        description: "驾驶飞船穿越小行星带，与队友协作完成空间站救援任务。",
        price: y(38),
        old_price: Some(y(35)),
        min_players: 1,
        max_players: 4,
        active: true,
        weight: 30,
    },
    AppSpec {
        code: "zombie_escape",
        name: "丧尸逃生",
        description: "废弃医院中的多人生存射击，限时找到出口逃离丧尸包围。",
        price: y(45),
        old_price: Some(y(48)),
        min_players: 2,
        max_players: 6,
        active: true,
        weight: 25,
    },
    AppSpec {
        code: "dino_safari",
        name: "恐龙狩猎",
        description: "穿越回侏罗纪，乘坐越野车近距离观察并躲避恐龙。",
        price: y(32),
        old_price: None,
        min_players: 1,
        max_players: 4,
        active: true,
        weight: 22,
    },
    AppSpec {
        code: "ocean_quest",
        name: "深海寻宝",
        description: "潜入珊瑚礁与沉船遗迹，寻找失落的宝藏，适合亲子体验。",
        price: y(28),
        old_price: None,
        min_players: 1,
        max_players: 4,
        active: true,
        weight: 18,
    },
    AppSpec {
        code: "haunted_mansion",
        name: "鬼屋惊魂",
        description: "深夜古宅解谜逃脱，沉浸式恐怖氛围，建议12岁以上体验。",
        price: y(35),
        old_price: None,
        min_players: 2,
        max_players: 5,
        active: true,
        weight: 15,
    },
    AppSpec {
        code: "cyber_racing",
        name: "赛博飞车",
        description: "霓虹都市中的双人竞速，支持单人挑战与双人对战。",
        price: y(15),
        old_price: None,
        min_players: 1,
        max_players: 2,
        active: true,
        weight: 20,
    },
    AppSpec {
        code: "dragon_legend",
        name: "龙之传说",
        description: "大空间多人奇幻冒险，2-8人组队讨伐巨龙，适合团建。",
        price: y(68),
        old_price: None,
        min_players: 2,
        max_players: 8,
        active: true,
        weight: 10,
    },
    AppSpec {
        code: "pirate_treasure",
        name: "海盗宝藏",
        description: "加勒比海盗主题寻宝（已下架，内容升级中）。",
        price: y(22),
        old_price: None,
        min_players: 1,
        max_players: 4,
        active: false,
        weight: 0,
    },
];

struct OperatorSpec {
    username: &'static str,
    display_name: &'static str,
    contact_name: &'static str,
    email: &'static str,
    tier: &'static str,
    /// Applications authorized from the start (indices into `APPS`).
    apps: &'static [usize],
    sites: usize,
    created_days_ago: i64,
    /// Business volume relative to the tier's base, in percent.
    volume_pct: u64,
}

const OP_XINGJI: usize = 0;
const OP_HUANJING: usize = 1;
const OP_WEILAI: usize = 2;
const OP_JIGUANG: usize = 3;
const OP_QIDIAN: usize = 4;
const OP_YINHE: usize = 5;
const OP_LANHAI: usize = 6;
const OP_YUNDUAN: usize = 7;
const OP_CIYUAN: usize = 8;
const OP_LIANGZI: usize = 9;
const OP_MENGXIANG: usize = 10;
const OP_JIUCHENG: usize = 11;

const OPERATORS: [OperatorSpec; 12] = [
    OperatorSpec {
        username: "op_xingji",
        display_name: "星际乐园娱乐有限公司",
        contact_name: "刘志强",
        email: "contact@xingji-park.cn",
        tier: "vip",
        apps: &[0, 1, 2, 4, 6],
        sites: 4,
        created_days_ago: 150,
        volume_pct: 110,
    },
    OperatorSpec {
        username: "op_huanjing",
        display_name: "幻境VR体验馆",
        contact_name: "陈婷",
        email: "service@huanjingvr.com",
        tier: "vip",
        apps: &[0, 1, 3, 5],
        sites: 3,
        created_days_ago: 140,
        volume_pct: 95,
    },
    OperatorSpec {
        username: "op_weilai",
        display_name: "未来空间科技有限公司",
        contact_name: "赵磊",
        email: "admin@weilaispace.cn",
        tier: "standard",
        apps: &[0, 2, 3],
        sites: 2,
        created_days_ago: 130,
        volume_pct: 100,
    },
    OperatorSpec {
        username: "op_jiguang",
        display_name: "极光互动娱乐有限公司",
        contact_name: "孙悦",
        email: "ops@jiguang-fun.com",
        tier: "standard",
        apps: &[1, 2, 5, 6],
        sites: 2,
        created_days_ago: 125,
        volume_pct: 90,
    },
    OperatorSpec {
        username: "op_qidian",
        display_name: "奇点元宇宙乐园",
        contact_name: "周洋",
        email: "hello@qidianmeta.cn",
        tier: "standard",
        apps: &[0, 3, 4],
        sites: 2,
        created_days_ago: 120,
        volume_pct: 105,
    },
    OperatorSpec {
        username: "op_yinhe",
        display_name: "银河探索MR主题馆",
        contact_name: "吴昊",
        email: "info@yinhe-mr.com",
        tier: "vip",
        apps: &[0, 1, 2, 3, 6],
        sites: 3,
        created_days_ago: 135,
        volume_pct: 100,
    },
    OperatorSpec {
        username: "op_lanhai",
        display_name: "蓝海数字娱乐有限公司",
        contact_name: "郑丽",
        email: "finance@lanhai-digital.cn",
        tier: "standard",
        apps: &[2, 3, 5],
        sites: 2,
        created_days_ago: 110,
        volume_pct: 85,
    },
    OperatorSpec {
        username: "op_yunduan",
        display_name: "云端竞技馆",
        contact_name: "王磊",
        email: "yunduan_arena@163.com",
        tier: "trial",
        apps: &[0, 3, 5],
        sites: 1,
        created_days_ago: 95,
        volume_pct: 100,
    },
    OperatorSpec {
        username: "op_ciyuan",
        display_name: "次元工坊",
        contact_name: "黄静",
        email: "ciyuan_studio@qq.com",
        tier: "trial",
        apps: &[2, 3, 5],
        sites: 1,
        created_days_ago: 40,
        volume_pct: 120,
    },
    OperatorSpec {
        username: "op_liangzi",
        display_name: "量子玩家俱乐部",
        contact_name: "林峰",
        email: "club@liangziplayer.com",
        tier: "standard",
        apps: &[0, 1, 4],
        sites: 2,
        created_days_ago: 115,
        volume_pct: 95,
    },
    OperatorSpec {
        username: "op_mengxiang",
        display_name: "梦想岛亲子乐园",
        contact_name: "何芳",
        email: "mengxiangdao@126.com",
        tier: "trial",
        apps: &[2, 3, 5],
        sites: 1,
        created_days_ago: 60,
        volume_pct: 110,
    },
    OperatorSpec {
        username: "op_jiucheng",
        display_name: "旧城VR体验店",
        contact_name: "马超",
        email: "jiucheng_vr@163.com",
        tier: "trial",
        apps: &[0, 2, 3],
        sites: 1,
        created_days_ago: 100,
        volume_pct: 90,
    },
];

/// Venue names and addresses, handed out in order (24 = the sum of `OperatorSpec::sites`).
const SITES: [(&str, &str); 24] = [
    ("北京朝阳大悦城店", "北京市朝阳区朝阳北路101号朝阳大悦城6层"),
    (
        "上海徐汇万象城店",
        "上海市徐汇区漕溪北路1111号徐汇万象城5层",
    ),
    (
        "深圳南山海岸城店",
        "深圳市南山区文心五路33号海岸城购物中心4层",
    ),
    ("广州天河正佳广场店", "广州市天河区天河路228号正佳广场7层"),
    (
        "上海浦东正大广场店",
        "上海市浦东新区陆家嘴西路168号正大广场8层",
    ),
    (
        "杭州湖滨银泰in77店",
        "杭州市上城区东坡路7号湖滨银泰in77 C区3层",
    ),
    (
        "苏州园区圆融时代店",
        "苏州市工业园区旺墩路268号圆融时代广场B1层",
    ),
    (
        "成都春熙路IFS店",
        "成都市锦江区红星路三段1号成都IFS国际金融中心L5",
    ),
    ("重庆解放碑WFC店", "重庆市渝中区民族路188号环球金融中心4层"),
    (
        "南京新街口德基广场店",
        "南京市玄武区中山路18号德基广场二期8层",
    ),
    ("合肥天鹅湖万达店", "合肥市蜀山区潜山路188号万达广场4层"),
    (
        "武汉光谷步行街店",
        "武汉市洪山区珞喻路766号光谷步行街C区3层",
    ),
    (
        "长沙五一广场IFS店",
        "长沙市芙蓉区解放西路188号长沙IFS国金中心L6",
    ),
    ("西安曲江大悦城店", "西安市雁塔区慈恩西路66号曲江大悦城5层"),
    (
        "北京海淀五道口店",
        "北京市海淀区成府路28号五道口购物中心4层",
    ),
    ("天津滨江道伊势丹店", "天津市和平区南京路108号伊势丹百货6层"),
    (
        "深圳福田COCO Park店",
        "深圳市福田区福华三路268号星河COCO Park L3",
    ),
    ("广州番禺万达店", "广州市番禺区汉溪大道东390号万达广场3层"),
    ("厦门中山路店", "厦门市思明区中山路158号3层"),
    ("郑州二七万达店", "郑州市二七区航海中路96号万达广场4层"),
    ("青岛万象城店", "青岛市市南区山东路6号华润万象城5层"),
    ("宁波天一广场店", "宁波市海曙区中山东路188号天一广场3层"),
    ("昆明南屏街店", "昆明市五华区南屏街88号世纪广场5层"),
    ("沈阳中街大悦城店", "沈阳市沈河区小东路6号中街大悦城B馆6层"),
];

const SITE_CONTACTS: [&str; 12] = [
    "张伟", "李娜", "王芳", "刘洋", "杨帆", "赵敏", "黄磊", "周杰", "吴倩", "徐鹏", "孙丽", "胡斌",
];

/// Launch volume by hour of the (Shanghai) day: afternoons and evenings are busy.
const HOUR_WEIGHTS: [(u32, u32); 13] = [
    (10, 2),
    (11, 3),
    (12, 3),
    (13, 4),
    (14, 6),
    (15, 7),
    (16, 7),
    (17, 6),
    (18, 6),
    (19, 8),
    (20, 8),
    (21, 5),
    (22, 2),
];

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

/// Loads the demo data set, unless it is already there. See the module documentation.
pub async fn seed_demo(
    pool: &PgPool,
    master: &MasterKey,
    now: DateTime<Utc>,
) -> anyhow::Result<DemoReport> {
    let mut tx = pool.begin().await?;
    // Serialises concurrent seeders; the loser then sees the marker and does nothing.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('mr-server.seed_demo')::bigint)")
        .execute(&mut *tx)
        .await?;
    if already_seeded(&mut tx).await? {
        tx.rollback().await?;
        return report(pool, false).await;
    }

    // Argon2 is slow: one hash, shared by every demo account.
    let password_hash =
        tokio::task::spawn_blocking(|| crate::auth::password::hash(DEMO_PASSWORD)).await??;

    let mut plan = Plan::build(now);
    plan.write(&mut tx, master, &password_hash).await?;
    tx.commit().await?;
    report(pool, true).await
}

async fn already_seeded(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let usernames: Vec<String> = STAFF
        .iter()
        .map(|s| s.username.to_string())
        .chain(OPERATORS.iter().map(|o| o.username.to_string()))
        .collect();
    let seeded: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM system_settings WHERE key = $1)
             OR EXISTS (SELECT 1 FROM operators WHERE lower(username) = ANY($2))
             OR EXISTS (SELECT 1 FROM staff_users WHERE lower(username) = ANY($2))",
    )
    .bind(MARKER_KEY)
    .bind(&usernames)
    .fetch_one(conn)
    .await?;
    Ok(seeded)
}

async fn report(pool: &PgPool, created: bool) -> anyhow::Result<DemoReport> {
    let (operators, sites, applications, game_sessions, ledger_entries): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM operators), (SELECT count(*) FROM sites),
                    (SELECT count(*) FROM applications), (SELECT count(*) FROM game_sessions),
                    (SELECT count(*) FROM ledger_entries)",
        )
        .fetch_one(pool)
        .await?;
    Ok(DemoReport {
        created,
        operators,
        sites,
        applications,
        game_sessions,
        ledger_entries,
    })
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

type Ts = DateTime<Utc>;

/// Whole yuan, in cents.
const fn y(yuan: i64) -> i64 {
    yuan * 100
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn yuan(c: i64) -> String {
    cents(c).to_string()
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

use mr_domain::time::business_tz as shanghai;

fn business_date(t: Ts) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// `date` at `secs_of_day` seconds after Shanghai midnight, as UTC.
fn local_at(date: NaiveDate, secs_of_day: u32) -> Ts {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(secs_of_day.min(86_399), 0)
        .unwrap_or(NaiveTime::MIN);
    (date.and_time(time) - TimeDelta::hours(8)).and_utc()
}

fn ymd(date: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    rng.sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

fn mobile(rng: &mut StdRng) -> String {
    const PREFIXES: [&str; 8] = ["138", "139", "136", "137", "135", "186", "158", "188"];
    format!(
        "{}{}",
        PREFIXES[rng.gen_range(0..PREFIXES.len())],
        digits(rng, 8)
    )
}

fn pick_weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn app_price_at(app: &AppSpec, t: Ts, price_change_at: Ts) -> i64 {
    match app.old_price {
        Some(old) if t < price_change_at => old,
        _ => app.price,
    }
}

// ---------------------------------------------------------------------------------------
// The plan: everything computed in memory first, then written
// ---------------------------------------------------------------------------------------

struct SiteInfo {
    id: Uuid,
    name: &'static str,
    address: &'static str,
    contact: &'static str,
    phone: String,
    ip: String,
    weight: u32,
}

struct AuthInfo {
    id: Uuid,
    app: usize,
    granted_at: Ts,
    expires_at: Option<Ts>,
    revoked_at: Option<Ts>,
    revoke_reason: Option<&'static str>,
    request_id: Option<Uuid>,
}

impl AuthInfo {
    fn usable_at(&self, t: Ts) -> bool {
        t >= self.granted_at
            && self.revoked_at.is_none_or(|r| t < r)
            && self.expires_at.is_none_or(|e| t < e)
    }
}

struct OpInfo {
    id: Uuid,
    spec: &'static OperatorSpec,
    phone: String,
    created_at: Ts,
    active_from: Ts,
    active_until: Ts,
    locked_at: Option<Ts>,
    closed_at: Option<Ts>,
    last_login_at: Option<Ts>,
    sites: Vec<SiteInfo>,
    auths: Vec<AuthInfo>,
    /// Final balance, cents (the walk's result).
    balance: i64,
    /// (time, balance after, total recharged so far) per ledger entry, in time order.
    timeline: Vec<(Ts, i64, i64)>,
    /// Last time the balance fell below the low-balance threshold.
    low_at: Option<(Ts, i64)>,
}

impl OpInfo {
    fn balance_at(&self, t: Ts) -> i64 {
        self.timeline
            .iter()
            .take_while(|e| e.0 <= t)
            .last()
            .map_or(0, |e| e.1)
    }

    fn recharged_before(&self, t: Ts) -> i64 {
        self.timeline
            .iter()
            .take_while(|e| e.0 <= t)
            .last()
            .map_or(0, |e| e.2)
    }
}

enum Ev {
    Recharge {
        amount: i64,
    },
    Session {
        site: usize,
        app: usize,
        players: i32,
    },
    Refund {
        id: Uuid,
    },
}

impl Ev {
    fn order(&self) -> u8 {
        match self {
            Ev::Recharge { .. } => 0,
            Ev::Session { .. } => 1,
            Ev::Refund { .. } => 2,
        }
    }
}

struct RequestInfo {
    id: Uuid,
    op: usize,
    app: usize,
    reason: &'static str,
    status: &'static str,
    created_at: Ts,
    decided_at: Option<Ts>,
    decision_note: Option<&'static str>,
    requested_expires_at: Option<Ts>,
}

struct RefundInfo {
    id: Uuid,
    op: usize,
    requested_at: Ts,
    reason: &'static str,
    /// Reviewed time and note for reviewed refunds.
    reviewed_at: Option<Ts>,
    review_note: Option<&'static str>,
    reject: bool,
    /// Amount paid back (the balance at approval), filled in by the walk.
    approved_amount: Option<i64>,
}

/// (id, title, body, audience tier, published at).
type AnnouncementRow = (Uuid, &'static str, &'static str, Option<&'static str>, Ts);

/// (time of the action, (actor id, actor name), action, target type, target id, details).
type AuditRow<'a> = (Ts, (Uuid, &'a str), &'a str, &'a str, String, Value);

struct MessageRow {
    op: usize,
    kind: &'static str,
    title: String,
    body: String,
    announcement: Option<usize>,
    created_at: Ts,
    read_at: Option<Ts>,
}

#[derive(Default)]
struct SessionRows {
    id: Vec<Uuid>,
    session_id: Vec<String>,
    operator_id: Vec<Uuid>,
    site_id: Vec<Uuid>,
    application_id: Vec<Uuid>,
    player_count: Vec<i32>,
    unit_price: Vec<Decimal>,
    total_cost: Vec<Decimal>,
    balance_after: Vec<Decimal>,
    authorized_at: Vec<Ts>,
    ended_at: Vec<Option<Ts>>,
    duration_seconds: Vec<Option<i32>>,
    duration_estimated: Vec<bool>,
    client_ip: Vec<String>,
    updated_at: Vec<Ts>,
}

#[derive(Default)]
struct LedgerRows {
    id: Vec<Uuid>,
    operator_id: Vec<Uuid>,
    entry_type: Vec<String>,
    amount: Vec<Decimal>,
    balance_before: Vec<Decimal>,
    balance_after: Vec<Decimal>,
    reference_type: Vec<String>,
    reference_id: Vec<Uuid>,
    description: Vec<String>,
    created_by_kind: Vec<String>,
    created_by: Vec<Option<Uuid>>,
    created_at: Vec<Ts>,
}

struct LedgerRow {
    op: Uuid,
    entry_type: &'static str,
    amount: i64,
    balance_before: i64,
    reference_type: &'static str,
    reference_id: Uuid,
    description: String,
    created_by_kind: &'static str,
    created_by: Option<Uuid>,
    at: Ts,
}

impl LedgerRows {
    fn push(&mut self, r: LedgerRow) {
        self.id.push(Uuid::now_v7());
        self.operator_id.push(r.op);
        self.entry_type.push(r.entry_type.to_string());
        self.amount.push(cents(r.amount));
        self.balance_before.push(cents(r.balance_before));
        self.balance_after.push(cents(r.balance_before + r.amount));
        self.reference_type.push(r.reference_type.to_string());
        self.reference_id.push(r.reference_id);
        self.description.push(r.description);
        self.created_by_kind.push(r.created_by_kind.to_string());
        self.created_by.push(r.created_by);
        self.created_at.push(r.at);
    }
}

#[derive(Default)]
struct OrderRows {
    id: Vec<Uuid>,
    out_trade_no: Vec<String>,
    operator_id: Vec<Uuid>,
    channel: Vec<String>,
    amount: Vec<Decimal>,
    status: Vec<String>,
    qr_code: Vec<String>,
    channel_trade_no: Vec<Option<String>>,
    paid_at: Vec<Option<Ts>>,
    closed_at: Vec<Option<Ts>>,
    expires_at: Vec<Ts>,
    created_at: Vec<Ts>,
    updated_at: Vec<Ts>,
}

impl OrderRows {
    /// A paid order credited at `paid_at` (or, with `paid_at` None, one closed unpaid).
    fn push(&mut self, rng: &mut StdRng, op: Uuid, amount: i64, at: Ts, paid: bool) -> Uuid {
        let id = Uuid::now_v7();
        let seq = self.id.len() + 1;
        let created = at - secs(rng.gen_range(40..240));
        let date = ymd(business_date(created));
        let wechat = rng.gen_ratio(9, 20);
        let (channel, qr, trade_no) = if wechat {
            (
                "wechat",
                format!("weixin://wxpay/bizpayurl?pr={}", alnum(rng, 7)),
                format!("4200002{date}{}{seq:06}", digits(rng, 7)),
            )
        } else {
            (
                "alipay",
                format!(
                    "https://qr.alipay.com/bax0{}",
                    alnum(rng, 20).to_lowercase()
                ),
                format!("{date}22001{}{seq:06}", digits(rng, 9)),
            )
        };
        let expires = created + minutes(30);
        self.id.push(id);
        self.out_trade_no.push(format!("R{date}{seq:06}"));
        self.operator_id.push(op);
        self.channel.push(channel.to_string());
        self.amount.push(cents(amount));
        self.qr_code.push(qr);
        self.expires_at.push(expires);
        self.created_at.push(created);
        if paid {
            self.status.push("paid".into());
            self.channel_trade_no.push(Some(trade_no));
            self.paid_at.push(Some(at));
            self.closed_at.push(None);
            self.updated_at.push(at);
        } else {
            self.status.push("closed".into());
            self.channel_trade_no.push(None);
            self.paid_at.push(None);
            self.closed_at.push(Some(expires));
            self.updated_at.push(expires);
        }
        id
    }
}

struct Plan {
    now: Ts,
    price_change_at: Ts,
    rng: StdRng,
    staff_ids: [Uuid; 4],
    app_ids: Vec<Uuid>,
    app_created_at: Ts,
    ops: Vec<OpInfo>,
    requests: Vec<RequestInfo>,
    refunds: Vec<RefundInfo>,
    sessions: SessionRows,
    ledger: LedgerRows,
    orders: OrderRows,
    /// Ids of the pending, approved and rejected invoices.
    invoice_ids: [Uuid; 3],
}

const ADMIN: usize = 0;
const ACCOUNTANT: usize = 1;

impl Plan {
    fn build(now: DateTime<Utc>) -> Plan {
        // Whole seconds: every derived time then survives PostgreSQL's microseconds exactly.
        let now = now.with_nanosecond(0).unwrap_or(now);
        let mut plan = Plan {
            now,
            price_change_at: now - days(30),
            rng: StdRng::seed_from_u64(RNG_SEED),
            staff_ids: [
                Uuid::now_v7(),
                Uuid::now_v7(),
                Uuid::now_v7(),
                Uuid::now_v7(),
            ],
            app_ids: APPS.iter().map(|_| Uuid::now_v7()).collect(),
            app_created_at: now - days(160),
            ops: Vec::new(),
            requests: Vec::new(),
            refunds: Vec::new(),
            sessions: SessionRows::default(),
            ledger: LedgerRows::default(),
            orders: OrderRows::default(),
            invoice_ids: [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()],
        };
        plan.build_operators();
        plan.build_requests();
        plan.build_refunds();
        for i in 0..plan.ops.len() {
            let events = plan.events_for(i);
            plan.walk(i, events);
        }
        plan.close_orders();
        plan
    }

    fn build_operators(&mut self) {
        let now = self.now;
        let mut site_no = 0;
        for (idx, spec) in OPERATORS.iter().enumerate() {
            let rng = &mut self.rng;
            let created_at =
                now - days(spec.created_days_ago) + secs(rng.gen_range(9 * 3600..17 * 3600));
            let active_from = (created_at + days(2)).max(now - days(HISTORY_DAYS));
            let (active_until, locked_at, closed_at) = match idx {
                OP_LIANGZI => (now - days(3), Some(now - days(3) + hours(2)), None),
                OP_YUNDUAN => (now - days(2), None, None),
                OP_JIUCHENG => (now - days(25), None, Some(now - days(20))),
                _ => (now, None, None),
            };
            let sites = (0..spec.sites)
                .map(|k| {
                    let (name, address) = SITES[site_no % SITES.len()];
                    site_no += 1;
                    let ip = format!(
                        "{}.{}.{}.{}",
                        [116, 121, 183, 223, 58, 112][rng.gen_range(0..6)],
                        rng.gen_range(1..255),
                        rng.gen_range(1..255),
                        rng.gen_range(2..250)
                    );
                    SiteInfo {
                        id: Uuid::now_v7(),
                        name,
                        address,
                        contact: SITE_CONTACTS[site_no % SITE_CONTACTS.len()],
                        phone: mobile(rng),
                        ip,
                        weight: [5, 3, 2, 2][k.min(3)],
                    }
                })
                .collect();
            let granted_at = created_at + hours(rng.gen_range(4..40));
            let auths = spec
                .apps
                .iter()
                .map(|&app| {
                    let mut a = AuthInfo {
                        id: Uuid::now_v7(),
                        app,
                        granted_at,
                        expires_at: None,
                        revoked_at: None,
                        revoke_reason: None,
                        request_id: None,
                    };
                    if idx == OP_JIGUANG && app == APP_DRAGON {
                        a.revoked_at = Some(now - days(40) + hours(3));
                        a.revoke_reason = Some("内容授权合同到期未续签，暂停《龙之传说》授权");
                    }
                    if idx == OP_QIDIAN && app == APP_HAUNTED {
                        a.expires_at = Some(now + days(45));
                    }
                    a
                })
                .collect();
            let last_login_at = (closed_at.is_none())
                .then(|| now - hours(rng.gen_range(1..72)))
                .filter(|t| *t > created_at);
            self.ops.push(OpInfo {
                id: Uuid::now_v7(),
                spec,
                phone: mobile(rng),
                created_at,
                active_from,
                active_until,
                locked_at,
                closed_at,
                last_login_at,
                sites,
                auths,
                balance: 0,
                timeline: Vec::new(),
                low_at: None,
            });
        }
    }

    fn build_requests(&mut self) {
        let now = self.now;
        let pending = |op, app, reason, created_at, requested_expires_at| RequestInfo {
            id: Uuid::now_v7(),
            op,
            app,
            reason,
            status: "pending",
            created_at,
            decided_at: None,
            decision_note: None,
            requested_expires_at,
        };
        self.requests = vec![
            pending(
                OP_JIGUANG,
                APP_DRAGON,
                "已与发行方完成续约，申请恢复《龙之传说》授权，周末团建客群需求旺盛。",
                now - days(2) + hours(3),
                None,
            ),
            pending(
                OP_CIYUAN,
                APP_SPACE,
                "门店新增4人对战区，希望引入《太空探险》丰富产品线。",
                now - days(1) + hours(1),
                None,
            ),
            pending(
                OP_MENGXIANG,
                APP_SPACE,
                "暑期亲子客流增加，申请试运营《太空探险》半年。",
                now - hours(20),
                Some(now + days(180)),
            ),
            pending(
                OP_WEILAI,
                APP_DRAGON,
                "新开600平米大空间团建场地，需要支持多人同玩的《龙之传说》。",
                now - hours(5),
                None,
            ),
            RequestInfo {
                id: Uuid::now_v7(),
                op: OP_CIYUAN,
                app: APP_DRAGON,
                reason: "希望引入大空间多人游戏《龙之传说》，提升客单价。",
                status: "rejected",
                created_at: now - days(20),
                decided_at: Some(now - days(19) + hours(2)),
                decision_note: Some(
                    "试用运营商暂不开放高单价多人应用，请升级为标准运营商后再申请。",
                ),
                requested_expires_at: None,
            },
            RequestInfo {
                id: Uuid::now_v7(),
                op: OP_YINHE,
                app: APP_CYBER,
                reason: "新增双人竞速体验区，申请《赛博飞车》授权。",
                status: "approved",
                created_at: now - days(12),
                decided_at: Some(now - days(10)),
                decision_note: Some("已批准，欢迎上线《赛博飞车》。"),
                requested_expires_at: None,
            },
        ];
        // The approved request became an authorization when it was decided.
        let approved = &self.requests[5];
        self.ops[OP_YINHE].auths.push(AuthInfo {
            id: Uuid::now_v7(),
            app: approved.app,
            granted_at: approved.decided_at.unwrap_or(now),
            expires_at: None,
            revoked_at: None,
            revoke_reason: None,
            request_id: Some(approved.id),
        });
    }

    fn build_refunds(&mut self) {
        let now = self.now;
        self.refunds = vec![
            // The closed venue was paid back its balance before closing.
            RefundInfo {
                id: Uuid::now_v7(),
                op: OP_JIUCHENG,
                requested_at: now - days(23),
                reason: "门店合约到期停止营业，申请退还账户剩余余额。",
                reviewed_at: Some(now - days(21)),
                review_note: Some("已核对充值与消费记录，同意退款。"),
                reject: false,
                approved_amount: None,
            },
            RefundInfo {
                id: Uuid::now_v7(),
                op: OP_LANHAI,
                requested_at: now - days(15),
                reason: "资金周转需要，申请退还部分预充值余额。",
                reviewed_at: Some(now - days(14) + hours(3)),
                review_note: Some("退款收款账户户名与运营商主体不一致，请核实后重新提交。"),
                reject: true,
                approved_amount: None,
            },
            // Pending: the venue stopped launching games before asking.
            RefundInfo {
                id: Uuid::now_v7(),
                op: OP_YUNDUAN,
                requested_at: now - days(2) + hours(3),
                reason: "业务调整，暂停VR项目运营，申请退还账户余额。",
                reviewed_at: None,
                review_note: None,
                reject: false,
                approved_amount: None,
            },
        ];
    }

    /// The operator's sessions plus the recharges and refunds fixed in advance, in time order.
    fn events_for(&mut self, i: usize) -> Vec<(Ts, Ev)> {
        let now = self.now;
        let today = business_date(now);
        let op = &self.ops[i];
        let rng = &mut self.rng;
        let mut events: Vec<(Ts, Ev)> = Vec::new();

        // Opening top-up, shortly before the first launch.
        let opening = match op.spec.tier {
            "vip" => y(20_000),
            "standard" => y(5_000),
            _ => y(1_000),
        };
        events.push((
            op.active_from - minutes(rng.gen_range(20..180)),
            Ev::Recharge { amount: opening },
        ));

        // Today's business day has a few top-ups, so the finance home page is not empty.
        if matches!(
            i,
            OP_XINGJI | OP_HUANJING | OP_WEILAI | OP_YINHE | OP_QIDIAN
        ) {
            let day_start = local_at(today, 0);
            let span = (now - day_start).num_seconds().max(1);
            let at = day_start + secs(span * rng.gen_range(30..90) / 100);
            let amount = match op.spec.tier {
                "vip" => [y(10_000), y(20_000), y(8_888)][rng.gen_range(0..3)],
                _ => [y(2_000), y(3_000), y(5_000)][rng.gen_range(0..3)],
            };
            events.push((at, Ev::Recharge { amount }));
        }

        // The venues that later ask for their balance back topped up shortly before stopping,
        // so the refunds are for a meaningful amount.
        if matches!(i, OP_JIUCHENG | OP_YUNDUAN) {
            let at = op.active_until - days(3) + hours(rng.gen_range(2..8));
            events.push((at, Ev::Recharge { amount: y(2_000) }));
        }

        let base: u64 = match op.spec.tier {
            "vip" => 22,
            "standard" => 10,
            _ => 3,
        };
        let weights: Vec<u32> = op.sites.iter().map(|s| s.weight).collect();
        let hour_weights: Vec<u32> = HOUR_WEIGHTS.iter().map(|h| h.1).collect();
        for k in (0..HISTORY_DAYS).rev() {
            let date = today - days(k);
            let weekday_pct: u64 = match date.weekday().num_days_from_monday() {
                0 | 1 => 80,
                2 => 85,
                3 => 90,
                4 => 115,
                5 => 165,
                _ => 155,
            };
            // Business grows slowly over the quarter.
            let growth_pct = 85 + 30 * (HISTORY_DAYS - 1 - k) as u64 / (HISTORY_DAYS - 1) as u64;
            let jitter_pct = rng.gen_range(70..=130u64);
            let scaled = base * op.spec.volume_pct * weekday_pct * growth_pct * jitter_pct;
            let unit = 100_000_000u64;
            let mut n = scaled / unit;
            if rng.gen_range(0..unit) < scaled % unit {
                n += 1;
            }
            for _ in 0..n {
                let hour = HOUR_WEIGHTS[pick_weighted(rng, &hour_weights)].0;
                let t = local_at(date, hour * 3600 + rng.gen_range(0..3600));
                if t < op.active_from || t >= op.active_until || t > now - minutes(1) {
                    continue;
                }
                let usable: Vec<&AuthInfo> = op.auths.iter().filter(|a| a.usable_at(t)).collect();
                if usable.is_empty() {
                    continue;
                }
                let app_weights: Vec<u32> = usable.iter().map(|a| APPS[a.app].weight).collect();
                let app = usable[pick_weighted(rng, &app_weights)].app;
                let spec = &APPS[app];
                let players = (rng.gen_range(spec.min_players..=spec.max_players)
                    + rng.gen_range(spec.min_players..=spec.max_players)
                    + 1)
                    / 2;
                let site = pick_weighted(rng, &weights);
                events.push((t, Ev::Session { site, app, players }));
            }
        }

        for r in self.refunds.iter().filter(|r| r.op == i && !r.reject) {
            if let Some(at) = r.reviewed_at {
                events.push((at, Ev::Refund { id: r.id }));
            }
        }
        events.sort_by_key(|(t, e)| (*t, e.order()));
        events
    }

    fn recharge_amount(&mut self, tier: &str, need: i64) -> i64 {
        let options: &[i64] = match tier {
            "vip" => &[y(5_000), y(8_888), y(10_000), y(20_000)],
            "standard" => &[y(1_000), y(2_000), y(3_000), y(5_000), y(1_888)],
            _ => &[y(200), y(300), y(500), y(1_000), y(666)],
        };
        let mut amount = options[self.rng.gen_range(0..options.len())];
        while amount < need {
            amount *= 2;
        }
        amount
    }

    fn push_recharge(
        &mut self,
        i: usize,
        at: Ts,
        amount: i64,
        balance: &mut i64,
        recharged: &mut i64,
    ) {
        let op_id = self.ops[i].id;
        let order_id = self.orders.push(&mut self.rng, op_id, amount, at, true);
        let channel = if self.orders.channel.last().is_some_and(|c| c == "wechat") {
            "微信支付充值"
        } else {
            "支付宝充值"
        };
        self.ledger.push(LedgerRow {
            op: op_id,
            entry_type: "recharge",
            amount,
            balance_before: *balance,
            reference_type: "payment_order",
            reference_id: order_id,
            description: channel.to_string(),
            created_by_kind: "system",
            created_by: None,
            at,
        });
        *balance += amount;
        *recharged += amount;
        self.ops[i].timeline.push((at, *balance, *recharged));
    }

    /// Walks the operator's events in time order with a running balance (cents), writing the
    /// sessions, ledger entries and payment orders. Times are made strictly increasing per
    /// operator, so ordering the ledger by time replays the balance exactly.
    fn walk(&mut self, i: usize, events: Vec<(Ts, Ev)>) {
        let now = self.now;
        let tier = self.ops[i].spec.tier;
        let low_mark: i64 = match tier {
            "vip" => y(1_500),
            "standard" => y(500),
            _ => y(100),
        };
        let mut balance: i64 = 0;
        let mut recharged: i64 = 0;
        let mut last: Option<Ts> = None;
        let next = |last: Option<Ts>, t: Ts| last.map_or(t, |l| t.max(l + secs(1)));

        for (t, ev) in events {
            match ev {
                Ev::Recharge { amount } => {
                    let at = next(last, t);
                    if at > now {
                        continue;
                    }
                    self.push_recharge(i, at, amount, &mut balance, &mut recharged);
                    last = Some(at);
                }
                Ev::Session { site, app, players } => {
                    let spec = &APPS[app];
                    let price = app_price_at(spec, t, self.price_change_at);
                    let cost = price * i64::from(players);
                    let proactive = balance < low_mark && self.rng.gen_ratio(1, 4);
                    if balance < cost || proactive {
                        let amount = self.recharge_amount(tier, cost - balance);
                        let at = next(last, t - minutes(self.rng.gen_range(2..40)));
                        self.push_recharge(i, at, amount, &mut balance, &mut recharged);
                        last = Some(at);
                    }
                    let at = next(last, t);
                    if at > now {
                        continue;
                    }
                    last = Some(at);
                    self.push_session(i, at, (site, app, players), price, balance);
                    balance -= cost;
                    self.ops[i].timeline.push((at, balance, recharged));
                    if balance < LOW_BALANCE_CENTS && at > now - days(30) {
                        self.ops[i].low_at = Some((at, balance));
                    }
                }
                Ev::Refund { id } => {
                    let at = next(last, t);
                    let refund = self.refunds.iter_mut().find(|r| r.id == id);
                    let Some(refund) = refund else { continue };
                    if balance <= 0 {
                        // Nothing left to pay back: the review rejects it instead.
                        refund.reject = true;
                        refund.review_note = Some("账户余额为零，无可退金额。");
                        continue;
                    }
                    refund.approved_amount = Some(balance);
                    self.ledger.push(LedgerRow {
                        op: self.ops[i].id,
                        entry_type: "refund",
                        amount: -balance,
                        balance_before: balance,
                        reference_type: "refund",
                        reference_id: id,
                        description: "余额退款（原路退回）".to_string(),
                        created_by_kind: "staff",
                        created_by: Some(self.staff_ids[ACCOUNTANT]),
                        at,
                    });
                    balance = 0;
                    self.ops[i].timeline.push((at, balance, recharged));
                    last = Some(at);
                }
            }
        }
        self.ops[i].balance = balance;
    }

    /// One usage record and its consumption entry; `balance` is the balance before the charge.
    fn push_session(
        &mut self,
        i: usize,
        at: Ts,
        launch: (usize, usize, i32),
        price: i64,
        balance: i64,
    ) {
        let (site, app, players) = launch;
        let now = self.now;
        let rng = &mut self.rng;
        let op = &self.ops[i];
        let cost = price * i64::from(players);
        let id = Uuid::now_v7();
        let session_id = format!("{}_{:013}_{}", op.id, at.timestamp_millis(), alnum(rng, 16));
        let duration = rng.gen_range(10 * 60..=40 * 60);
        let estimated = rng.gen_ratio(1, 16);
        let ended = at + secs(i64::from(duration));
        let s = &mut self.sessions;
        s.id.push(id);
        s.session_id.push(session_id);
        s.operator_id.push(op.id);
        s.site_id.push(op.sites[site].id);
        s.application_id.push(self.app_ids[app]);
        s.player_count.push(players);
        s.unit_price.push(cents(price));
        s.total_cost.push(cents(cost));
        s.balance_after.push(cents(balance - cost));
        s.authorized_at.push(at);
        if ended <= now {
            s.ended_at.push(Some(ended));
            s.duration_seconds.push(Some(duration));
            s.duration_estimated.push(estimated);
            s.updated_at.push(ended);
        } else {
            // Still playing.
            s.ended_at.push(None);
            s.duration_seconds.push(None);
            s.duration_estimated.push(false);
            s.updated_at.push(at);
        }
        s.client_ip.push(op.sites[site].ip.clone());
        self.ledger.push(LedgerRow {
            op: op.id,
            entry_type: "consumption",
            amount: -cost,
            balance_before: balance,
            reference_type: "game_session",
            reference_id: id,
            description: format!("{} · {}人", APPS[app].name, players),
            created_by_kind: "headset",
            created_by: None,
            at,
        });
    }

    /// Two orders that were never paid and closed on timeout (no ledger entry).
    fn close_orders(&mut self) {
        let now = self.now;
        for (op, ago, amount) in [
            (OP_WEILAI, days(6) + hours(4), y(3_000)),
            (OP_MENGXIANG, days(3), y(500)),
        ] {
            let op_id = self.ops[op].id;
            self.orders
                .push(&mut self.rng, op_id, amount, now - ago, false);
        }
    }

    // -----------------------------------------------------------------------------------
    // Writing
    // -----------------------------------------------------------------------------------

    async fn write(
        &mut self,
        conn: &mut PgConnection,
        master: &MasterKey,
        password_hash: &str,
    ) -> anyhow::Result<()> {
        self.write_staff(conn, password_hash).await?;
        self.write_operators(conn, master, password_hash).await?;
        self.write_catalogue(conn).await?;
        self.write_authorizations(conn).await?;
        self.write_orders(conn).await?;
        self.write_sessions(conn).await?;
        self.write_refunds(conn).await?;
        self.write_ledger(conn).await?;
        self.write_invoices(conn).await?;
        self.write_messages(conn).await?;
        sqlx::query(
            "INSERT INTO system_settings (key, value, updated_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(MARKER_KEY)
        .bind(json!({ "at": self.now }))
        .bind(self.staff_ids[ADMIN])
        .bind(self.now)
        .execute(&mut *conn)
        .await?;
        // Last: audit_append holds the chain lock until commit.
        self.write_audit(conn).await?;
        Ok(())
    }

    async fn write_staff(
        &self,
        conn: &mut PgConnection,
        password_hash: &str,
    ) -> anyhow::Result<()> {
        let created = self.now - days(170);
        for (spec, id) in STAFF.iter().zip(self.staff_ids) {
            sqlx::query(
                "INSERT INTO staff_users (id, username, password_hash, display_name, role,
                                          last_login_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(id)
            .bind(spec.username)
            .bind(password_hash)
            .bind(spec.display_name)
            .bind(spec.role)
            .bind(self.now - hours(6))
            .bind(created)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn write_operators(
        &self,
        conn: &mut PgConnection,
        master: &MasterKey,
        password_hash: &str,
    ) -> anyhow::Result<()> {
        for op in &self.ops {
            let key = issue_api_key(master);
            let locked_by = op.locked_at.map(|_| self.staff_ids[ADMIN]);
            let locked_reason = op
                .locked_at
                .map(|_| "短时间内多次异常调用启动接口（签名校验失败），已锁定待核实。");
            let updated = [op.locked_at, op.closed_at, op.timeline.last().map(|e| e.0)]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(op.created_at);
            sqlx::query(
                "INSERT INTO operators (id, username, password_hash, display_name, contact_name,
                     phone, email, tier, status, balance, is_locked, locked_reason, locked_at,
                     locked_by, api_key_ciphertext, api_key_nonce, api_key_hash, api_key_last4,
                     api_key_rotated_at, closed_at, last_login_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                         $17, $18, $19, $20, $21, $19, $22)",
            )
            .bind(op.id)
            .bind(op.spec.username)
            .bind(password_hash)
            .bind(op.spec.display_name)
            .bind(op.spec.contact_name)
            .bind(&op.phone)
            .bind(op.spec.email)
            .bind(op.spec.tier)
            .bind(if op.closed_at.is_some() {
                "closed"
            } else {
                "active"
            })
            .bind(cents(op.balance))
            .bind(op.locked_at.is_some())
            .bind(locked_reason)
            .bind(op.locked_at)
            .bind(locked_by)
            .bind(&key.ciphertext)
            .bind(&key.nonce)
            .bind(&key.lookup_hash)
            .bind(&key.last4)
            .bind(op.created_at)
            .bind(op.closed_at)
            .bind(op.last_login_at)
            .bind(updated)
            .execute(&mut *conn)
            .await?;

            for (k, site) in op.sites.iter().enumerate() {
                let created = op.created_at + hours(1 + k as i64 * 24);
                let description = if k == 0 {
                    "旗舰店，配备大空间多人对战区".to_string()
                } else {
                    format!("{}号分店", k + 1)
                };
                sqlx::query(
                    "INSERT INTO sites (id, operator_id, name, address, contact_name, contact_phone,
                                        description, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(site.id)
                .bind(op.id)
                .bind(site.name)
                .bind(site.address)
                .bind(site.contact)
                .bind(&site.phone)
                .bind(description)
                .bind(created)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }

    async fn write_catalogue(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let admin = self.staff_ids[ADMIN];
        for (k, (app, id)) in APPS.iter().zip(&self.app_ids).enumerate() {
            let created = self.app_created_at + hours(k as i64 * 5);
            let updated = if !app.active {
                self.now - days(45)
            } else if app.old_price.is_some() {
                self.price_change_at
            } else {
                created
            };
            sqlx::query(
                "INSERT INTO applications (id, code, name, description, unit_price, min_players,
                                           max_players, is_active, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(app.code)
            .bind(app.name)
            .bind(app.description)
            .bind(cents(app.price))
            .bind(app.min_players)
            .bind(app.max_players)
            .bind(app.active)
            .bind(admin)
            .bind(created)
            .bind(updated)
            .execute(&mut *conn)
            .await?;
            let history = "INSERT INTO application_price_history
                               (id, application_id, old_price, new_price, changed_by, changed_at)
                           VALUES ($1, $2, $3, $4, $5, $6)";
            let initial = app.old_price.unwrap_or(app.price);
            sqlx::query(history)
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(None::<Decimal>)
                .bind(cents(initial))
                .bind(admin)
                .bind(created)
                .execute(&mut *conn)
                .await?;
            if let Some(old) = app.old_price {
                sqlx::query(history)
                    .bind(Uuid::now_v7())
                    .bind(id)
                    .bind(cents(old))
                    .bind(cents(app.price))
                    .bind(admin)
                    .bind(self.price_change_at)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(())
    }

    async fn write_authorizations(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let admin = self.staff_ids[ADMIN];
        for r in &self.requests {
            sqlx::query(
                "INSERT INTO authorization_requests (id, operator_id, application_id, reason, status,
                     decided_by, decided_at, decision_note, requested_expires_at, created_at,
                     updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(r.id)
            .bind(self.ops[r.op].id)
            .bind(self.app_ids[r.app])
            .bind(r.reason)
            .bind(r.status)
            .bind(r.decided_at.map(|_| admin))
            .bind(r.decided_at)
            .bind(r.decision_note)
            .bind(r.requested_expires_at)
            .bind(r.created_at)
            .bind(r.decided_at.unwrap_or(r.created_at))
            .execute(&mut *conn)
            .await?;
        }
        for op in &self.ops {
            for a in &op.auths {
                sqlx::query(
                    "INSERT INTO authorizations (id, operator_id, application_id, status, expires_at,
                         granted_by, granted_at, request_id, revoked_by, revoked_at, revoke_reason,
                         created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $7, $12)",
                )
                .bind(a.id)
                .bind(op.id)
                .bind(self.app_ids[a.app])
                .bind(if a.revoked_at.is_some() { "revoked" } else { "active" })
                .bind(a.expires_at)
                .bind(admin)
                .bind(a.granted_at)
                .bind(a.request_id)
                .bind(a.revoked_at.map(|_| admin))
                .bind(a.revoked_at)
                .bind(a.revoke_reason)
                .bind(a.revoked_at.unwrap_or(a.granted_at))
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }

    async fn write_orders(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let o = &self.orders;
        for start in (0..o.id.len()).step_by(CHUNK) {
            let r = start..(start + CHUNK).min(o.id.len());
            sqlx::query(
                "INSERT INTO payment_orders (id, out_trade_no, operator_id, channel, is_sandbox,
                     amount, status, qr_code, channel_trade_no, paid_at, closed_at, expires_at,
                     created_at, updated_at)
                 SELECT id, out_trade_no, operator_id, channel, true, amount, status, qr_code,
                        channel_trade_no, paid_at, closed_at, expires_at, created_at, updated_at
                 FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::numeric[],
                             $6::text[], $7::text[], $8::text[], $9::timestamptz[],
                             $10::timestamptz[], $11::timestamptz[], $12::timestamptz[],
                             $13::timestamptz[])
                      AS t(id, out_trade_no, operator_id, channel, amount, status, qr_code,
                           channel_trade_no, paid_at, closed_at, expires_at, created_at,
                           updated_at)",
            )
            .bind(&o.id[r.clone()])
            .bind(&o.out_trade_no[r.clone()])
            .bind(&o.operator_id[r.clone()])
            .bind(&o.channel[r.clone()])
            .bind(&o.amount[r.clone()])
            .bind(&o.status[r.clone()])
            .bind(&o.qr_code[r.clone()])
            .bind(&o.channel_trade_no[r.clone()])
            .bind(&o.paid_at[r.clone()])
            .bind(&o.closed_at[r.clone()])
            .bind(&o.expires_at[r.clone()])
            .bind(&o.created_at[r.clone()])
            .bind(&o.updated_at[r])
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn write_sessions(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let s = &self.sessions;
        for start in (0..s.id.len()).step_by(CHUNK) {
            let r = start..(start + CHUNK).min(s.id.len());
            sqlx::query(
                "INSERT INTO game_sessions (id, session_id, operator_id, site_id, application_id,
                     player_count, unit_price, total_cost, balance_after, authorized_at, ended_at,
                     duration_seconds, duration_estimated, client_ip, created_at, updated_at)
                 SELECT id, session_id, operator_id, site_id, application_id, player_count,
                        unit_price, total_cost, balance_after, authorized_at, ended_at,
                        duration_seconds, duration_estimated, client_ip, authorized_at, updated_at
                 FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[],
                             $6::int4[], $7::numeric[], $8::numeric[], $9::numeric[],
                             $10::timestamptz[], $11::timestamptz[], $12::int4[], $13::bool[],
                             $14::text[], $15::timestamptz[])
                      AS t(id, session_id, operator_id, site_id, application_id, player_count,
                           unit_price, total_cost, balance_after, authorized_at, ended_at,
                           duration_seconds, duration_estimated, client_ip, updated_at)",
            )
            .bind(&s.id[r.clone()])
            .bind(&s.session_id[r.clone()])
            .bind(&s.operator_id[r.clone()])
            .bind(&s.site_id[r.clone()])
            .bind(&s.application_id[r.clone()])
            .bind(&s.player_count[r.clone()])
            .bind(&s.unit_price[r.clone()])
            .bind(&s.total_cost[r.clone()])
            .bind(&s.balance_after[r.clone()])
            .bind(&s.authorized_at[r.clone()])
            .bind(&s.ended_at[r.clone()])
            .bind(&s.duration_seconds[r.clone()])
            .bind(&s.duration_estimated[r.clone()])
            .bind(&s.client_ip[r.clone()])
            .bind(&s.updated_at[r])
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn write_ledger(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let l = &self.ledger;
        for start in (0..l.id.len()).step_by(CHUNK) {
            let r = start..(start + CHUNK).min(l.id.len());
            sqlx::query(
                "INSERT INTO ledger_entries (id, operator_id, entry_type, amount, balance_before,
                     balance_after, reference_type, reference_id, description, created_by_kind,
                     created_by, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::numeric[],
                                      $5::numeric[], $6::numeric[], $7::text[], $8::uuid[],
                                      $9::text[], $10::text[], $11::uuid[], $12::timestamptz[])",
            )
            .bind(&l.id[r.clone()])
            .bind(&l.operator_id[r.clone()])
            .bind(&l.entry_type[r.clone()])
            .bind(&l.amount[r.clone()])
            .bind(&l.balance_before[r.clone()])
            .bind(&l.balance_after[r.clone()])
            .bind(&l.reference_type[r.clone()])
            .bind(&l.reference_id[r.clone()])
            .bind(&l.description[r.clone()])
            .bind(&l.created_by_kind[r.clone()])
            .bind(&l.created_by[r.clone()])
            .bind(&l.created_at[r])
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn write_refunds(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let accountant = self.staff_ids[ACCOUNTANT];
        for r in &self.refunds {
            let op = &self.ops[r.op];
            let (status, approved) = match (r.reviewed_at, r.reject, r.approved_amount) {
                (None, _, _) => ("pending", None),
                (Some(_), true, _) | (Some(_), false, None) => ("rejected", None),
                (Some(_), false, Some(a)) => ("approved", Some(cents(a))),
            };
            let review_note = match status {
                "rejected" => Some(r.review_note.unwrap_or("不符合退款条件。")),
                _ => r.review_note,
            };
            sqlx::query(
                "INSERT INTO refunds (id, operator_id, requested_amount, approved_amount, reason,
                     status, reviewed_by, reviewed_at, review_note, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(r.id)
            .bind(op.id)
            .bind(cents(op.balance_at(r.requested_at)))
            .bind(approved)
            .bind(r.reason)
            .bind(status)
            .bind(r.reviewed_at.map(|_| accountant))
            .bind(r.reviewed_at)
            .bind(review_note)
            .bind(r.requested_at)
            .bind(r.reviewed_at.unwrap_or(r.requested_at))
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn write_invoices(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let now = self.now;
        let accountant = self.staff_ids[ACCOUNTANT];
        // 40 % of what was recharged before the request, in whole hundreds of yuan.
        let amount =
            |op: &OpInfo, at: Ts| (op.recharged_before(at) * 2 / 5 / y(100) * y(100)).max(y(100));

        struct Invoice<'a> {
            op: usize,
            invoice_type: &'a str,
            title: &'a str,
            tax_number: &'a str,
            bank: Option<(&'a str, &'a str, &'a str, &'a str)>,
            status: &'a str,
            created_at: Ts,
            reviewed_at: Option<Ts>,
            number: Option<String>,
            note: Option<&'a str>,
        }
        let number = format!("2631200000{}", digits(&mut self.rng, 10));
        let invoices = [
            Invoice {
                op: OP_XINGJI,
                invoice_type: "normal",
                title: "星际乐园娱乐有限公司",
                tax_number: "91110105MA01XJ8L2K",
                bank: None,
                status: "pending",
                created_at: now - days(1) + hours(2),
                reviewed_at: None,
                number: None,
                note: None,
            },
            Invoice {
                op: OP_HUANJING,
                invoice_type: "special",
                title: "上海幻境文化科技有限公司",
                tax_number: "91310104MA1FR6HJ3P",
                bank: Some((
                    "招商银行上海徐汇支行",
                    "121909876510808",
                    "上海市徐汇区漕溪北路1111号",
                    "021-64581234",
                )),
                status: "approved",
                created_at: now - days(12),
                reviewed_at: Some(now - days(11) + hours(4)),
                number: Some(number),
                note: Some("已开具增值税专用发票。"),
            },
            Invoice {
                op: OP_WEILAI,
                invoice_type: "normal",
                title: "未来空间科技有限公司",
                tax_number: "91440300MA5G8WL12Q",
                bank: None,
                status: "rejected",
                created_at: now - days(8),
                reviewed_at: Some(now - days(7) + hours(1)),
                number: None,
                note: Some("发票抬头与纳税人识别号不匹配，请核对营业执照信息后重新提交。"),
            },
        ];
        for (inv, id) in invoices.into_iter().zip(self.invoice_ids) {
            let op = &self.ops[inv.op];
            sqlx::query(
                "INSERT INTO invoices (id, operator_id, invoice_type, amount, title, tax_number,
                     bank_name, bank_account, company_address, company_phone, email, status,
                     invoice_number, reviewed_by, reviewed_at, review_note, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                         $17, $18)",
            )
            .bind(id)
            .bind(op.id)
            .bind(inv.invoice_type)
            .bind(cents(amount(op, inv.created_at)))
            .bind(inv.title)
            .bind(inv.tax_number)
            .bind(inv.bank.map(|b| b.0))
            .bind(inv.bank.map(|b| b.1))
            .bind(inv.bank.map(|b| b.2))
            .bind(inv.bank.map(|b| b.3))
            .bind(op.spec.email)
            .bind(inv.status)
            .bind(inv.number)
            .bind(inv.reviewed_at.map(|_| accountant))
            .bind(inv.reviewed_at)
            .bind(inv.note)
            .bind(inv.created_at)
            .bind(inv.reviewed_at.unwrap_or(inv.created_at))
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    fn messages(&mut self) -> (Vec<AnnouncementRow>, Vec<MessageRow>) {
        let now = self.now;
        let announcements = vec![
            (
                Uuid::now_v7(),
                "系统升级维护通知",
                "为提升服务稳定性，平台将于本周日 02:00-04:00 进行系统升级。期间游戏启动接口可能出现短暂不可用，请各运营点提前做好排班安排。给您带来的不便，敬请谅解。",
                None,
                now - days(10),
            ),
            (
                Uuid::now_v7(),
                "VIP专享：《龙之传说》团建套餐上线",
                "尊敬的VIP运营商：《龙之传说》支持2-8人同时游玩，现已开放团建场景推荐配置与门店宣传物料，如需支持请联系您的专属客户经理。",
                Some("vip"),
                now - days(5),
            ),
        ];
        let mut rows = Vec::new();
        let rng = &mut self.rng;
        for (a, (_, title, body, tier, at)) in announcements.iter().enumerate() {
            for (i, op) in self.ops.iter().enumerate() {
                if op.closed_at.is_some() || tier.is_some_and(|t| t != op.spec.tier) {
                    continue;
                }
                let read = rng.gen_ratio(3, 5);
                rows.push(MessageRow {
                    op: i,
                    kind: "announcement",
                    title: (*title).to_string(),
                    body: (*body).to_string(),
                    announcement: Some(a),
                    created_at: *at,
                    read_at: read.then(|| *at + hours(rng.gen_range(1..48))),
                });
            }
        }
        // Price notices to every operator authorized for a re-priced app at the time.
        let change = self.price_change_at;
        for app in [APP_SPACE, APP_ZOMBIE] {
            let spec = &APPS[app];
            let old = spec.old_price.unwrap_or(spec.price);
            for (i, op) in self.ops.iter().enumerate() {
                if !op.auths.iter().any(|a| a.app == app && a.usable_at(change)) {
                    continue;
                }
                let read = rng.gen_ratio(4, 5);
                rows.push(MessageRow {
                    op: i,
                    kind: "price_change",
                    title: format!("应用价格调整：{}", spec.name),
                    body: format!(
                        "《{}》单价由 {} 元/人调整为 {} 元/人，自调整时起对新启动的游戏生效，历史记录不受影响。",
                        spec.name,
                        yuan(old),
                        yuan(spec.price)
                    ),
                    announcement: None,
                    created_at: change,
                    read_at: read.then(|| change + hours(rng.gen_range(1..72))),
                });
            }
        }
        for (i, op) in self.ops.iter().enumerate() {
            if let Some((at, balance)) = op.low_at {
                let at = at + secs(1);
                rows.push(MessageRow {
                    op: i,
                    kind: "low_balance",
                    title: "余额不足提醒".to_string(),
                    body: format!(
                        "您的账户余额为 {} 元，已低于提醒阈值 100.00 元，请及时充值，以免影响游戏启动。",
                        yuan(balance)
                    ),
                    announcement: None,
                    created_at: at,
                    read_at: (at < now - days(2)).then(|| at + hours(3)),
                });
            }
        }
        for r in &self.requests {
            let Some(decided) = r.decided_at else {
                continue;
            };
            let app = APPS[r.app].name;
            let (title, body) = if r.status == "approved" {
                (
                    "应用授权申请已通过".to_string(),
                    format!("您申请的《{app}》授权已通过审核，现在即可在头显端启动该应用。"),
                )
            } else {
                (
                    "应用授权申请未通过".to_string(),
                    format!(
                        "您申请的《{app}》授权未通过审核。原因：{}",
                        r.decision_note.unwrap_or("")
                    ),
                )
            };
            rows.push(MessageRow {
                op: r.op,
                kind: "request_result",
                title,
                body,
                announcement: None,
                created_at: decided,
                read_at: (r.status == "approved").then(|| decided + hours(2)),
            });
        }
        for r in &self.refunds {
            let Some(reviewed) = r.reviewed_at else {
                continue;
            };
            let (title, body) = match r.approved_amount {
                Some(a) if !r.reject => (
                    "退款申请已通过".to_string(),
                    format!(
                        "您的退款申请已审核通过，退款金额 {} 元将原路退回。",
                        yuan(a)
                    ),
                ),
                _ => (
                    "退款申请未通过".to_string(),
                    format!(
                        "您的退款申请未通过审核。原因：{}",
                        r.review_note.unwrap_or("")
                    ),
                ),
            };
            rows.push(MessageRow {
                op: r.op,
                kind: "refund_result",
                title,
                body,
                announcement: None,
                created_at: reviewed,
                read_at: (!r.reject).then(|| reviewed + hours(5)),
            });
        }
        rows.push(MessageRow {
            op: OP_HUANJING,
            kind: "invoice_result",
            title: "发票已开具".to_string(),
            body: "您申请的增值税专用发票已开具，可在发票管理中查看。".to_string(),
            announcement: None,
            created_at: now - days(11) + hours(4),
            read_at: Some(now - days(11) + hours(6)),
        });
        rows.push(MessageRow {
            op: OP_WEILAI,
            kind: "invoice_result",
            title: "发票申请未通过".to_string(),
            body: "您的发票申请未通过审核。原因：发票抬头与纳税人识别号不匹配，请核对营业执照信息后重新提交。"
                .to_string(),
            announcement: None,
            created_at: now - days(7) + hours(1),
            read_at: None,
        });
        for row in &mut rows {
            // A message is never read in the future.
            row.read_at = row.read_at.filter(|t| *t <= now);
        }
        (announcements, rows)
    }

    async fn write_messages(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let (announcements, rows) = self.messages();
        let admin = self.staff_ids[ADMIN];
        for (id, title, body, tier, at) in &announcements {
            sqlx::query(
                "INSERT INTO announcements (id, title, body, audience, audience_tier, published_by,
                                            published_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)",
            )
            .bind(id)
            .bind(title)
            .bind(body)
            .bind(if tier.is_some() { "tier" } else { "all" })
            .bind(tier)
            .bind(admin)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        for m in rows {
            sqlx::query(
                "INSERT INTO messages (id, operator_id, kind, title, body, announcement_id, is_read,
                                       read_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(self.ops[m.op].id)
            .bind(m.kind)
            .bind(m.title)
            .bind(m.body)
            .bind(m.announcement.map(|a| announcements[a].0))
            .bind(m.read_at.is_some())
            .bind(m.read_at)
            .bind(m.created_at)
            .bind(m.read_at.unwrap_or(m.created_at))
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn write_audit(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let staff = |k: usize| (self.staff_ids[k], STAFF[k].display_name);
        let op = |i: usize| &self.ops[i];
        let mut entries: Vec<AuditRow<'_>> = Vec::new();
        for (app, id) in APPS.iter().zip(&self.app_ids) {
            if let Some(old) = app.old_price {
                entries.push((
                    self.price_change_at,
                    staff(ADMIN),
                    "application.price_change",
                    "application",
                    id.to_string(),
                    json!({ "code": app.code, "old_price": yuan(old), "new_price": yuan(app.price) }),
                ));
            }
        }
        for i in [OP_XINGJI, OP_QIDIAN, OP_CIYUAN] {
            let o = op(i);
            for a in &o.auths {
                entries.push((
                    a.granted_at,
                    staff(ADMIN),
                    "authorization.grant",
                    "authorization",
                    a.id.to_string(),
                    json!({
                        "operator": o.spec.username,
                        "application": APPS[a.app].code,
                        "expires_at": a.expires_at,
                    }),
                ));
            }
        }
        for o in &self.ops {
            for a in o.auths.iter().filter(|a| a.revoked_at.is_some()) {
                entries.push((
                    a.revoked_at.unwrap_or(self.now),
                    staff(ADMIN),
                    "authorization.revoke",
                    "authorization",
                    a.id.to_string(),
                    json!({
                        "operator": o.spec.username,
                        "application": APPS[a.app].code,
                        "reason": a.revoke_reason,
                    }),
                ));
            }
        }
        for r in &self.requests {
            let Some(at) = r.decided_at else { continue };
            let action = if r.status == "approved" {
                "authorization_request.approve"
            } else {
                "authorization_request.reject"
            };
            entries.push((
                at,
                staff(ADMIN),
                action,
                "authorization_request",
                r.id.to_string(),
                json!({
                    "operator": op(r.op).spec.username,
                    "application": APPS[r.app].code,
                    "note": r.decision_note,
                }),
            ));
        }
        for o in &self.ops {
            if let Some(at) = o.locked_at {
                entries.push((
                    at,
                    staff(ADMIN),
                    "operator.lock",
                    "operator",
                    o.id.to_string(),
                    json!({ "operator": o.spec.username, "reason": "多次异常调用启动接口" }),
                ));
            }
        }
        for r in &self.refunds {
            let Some(at) = r.reviewed_at else { continue };
            let (action, details) = match r.approved_amount {
                Some(a) if !r.reject => ("refund.approve", json!({ "amount": yuan(a) })),
                _ => ("refund.reject", json!({ "note": r.review_note })),
            };
            let mut details = details;
            details["operator"] = json!(op(r.op).spec.username);
            entries.push((
                at,
                staff(ACCOUNTANT),
                action,
                "refund",
                r.id.to_string(),
                details,
            ));
        }
        for (at, action, who, id) in [
            (
                self.now - days(11) + hours(4),
                "invoice.approve",
                OP_HUANJING,
                self.invoice_ids[1],
            ),
            (
                self.now - days(7) + hours(1),
                "invoice.reject",
                OP_WEILAI,
                self.invoice_ids[2],
            ),
        ] {
            entries.push((
                at,
                staff(ACCOUNTANT),
                action,
                "invoice",
                id.to_string(),
                json!({ "operator": op(who).spec.username }),
            ));
        }
        entries.sort_by_key(|e| e.0);
        for (at, (actor_id, actor_name), action, target_type, target_id, mut details) in entries {
            details["demo"] = json!(true);
            details["at"] = json!(at);
            sqlx::query_scalar::<_, i64>(
                "SELECT audit_append('staff', $1, $2, $3, $4, $5, $6, NULL, NULL, $7, NULL)",
            )
            .bind(actor_id)
            .bind(actor_name)
            .bind(action)
            .bind(target_type)
            .bind(target_id)
            .bind(details)
            .bind("10.8.20.15")
            .fetch_one(&mut *conn)
            .await?;
        }
        Ok(())
    }
}
