// Browser-only stand-in for the Rust core, used by `vite --mode mock` for quick visual checks.
// Never part of a production build (main.ts imports it behind a build-time MODE check).
//
// URL switches (before the #): ?signedin=1 (every workspace starts signed in), ?offline=1
// (connection badge offline, server check fails), ?fail=1 (home data fails), ?slow=1 (2 s delay),
// ?locale=en, ?messages=N (N more messages, for the message centre's pager). Sync: sites,
// messages and the profile live in memory; every change is queued ("待同步") until the next
// sync_now (or 8 s later); ?conflicts=1 starts with two conflicts.
// ?progress=1 runs an initial sync of 60,000 changes (header progress bar, about 12 s) after each
// login or page load, ?progress=open the same with no known total (indeterminate bar);
// ?update=1 answers as a server that no longer speaks this app's protocol (426, 需要更新).
// Code (unit tests) can set the same states with the exported `setMockSync`.
// Admin pages: operators, the catalogue (with its price history), authorizations and requests
// live in memory; decisions and catalogue changes are queued (待同步) like the operator's
// changes; ?operators=N adds N generated operators.
// 交易监控: ~300 generated ledger entries of five operators over the last 60 days, asked "from
// the server" (?offline=1 makes it fail with SERVER_UNREACHABLE); the export sends
// `export-progress` events and returns a made-up path; ?exportcancel=1 answers as if the save
// dialog was cancelled, ?exportfail=1 makes it fail.
// 公告: a few announcements in memory; publishing is queued (待同步) like the other decisions.
// API keys: 查看 / 重置 ask "the server" (?offline=1 makes them fail with SERVER_UNREACHABLE);
// a reset changes the operator's last four characters at once.
// 统计分析: ~800 days of seeded game sessions of eleven sites, aggregated per query "on the
// server" (?offline=1 fails with SERVER_UNREACHABLE, ?statsempty=1 has no session at all); the
// export answers like the transactions' (?exportcancel=1, ?exportfail=1).
// 员工账号 (uat_admin is a super admin): six staff accounts; new ones can sign in (their own
// password), disabled ones cannot. 运营商管理: 新建 (shows the key once) / 编辑 / 锁定 / 解锁 ask
// "the server" and change the list at once.
// 充值 / 交易记录 (operator): the balance, ~90 ledger entries of the last 60 days and the recharge
// orders live in memory. Options and new orders ask "the server" (?offline=1: SERVER_UNREACHABLE,
// ?payfail=1: PAYMENT_UNAVAILABLE, ?nowechat=1: WeChat Pay not enabled); the gateway is a sandbox
// unless ?sandbox=0, and 模拟支付 pays at once: the order turns paid, a recharge entry is written,
// the balance rises and a 充值到账 message arrives, as one sync pull (last_synced_at moves, so the
// pages reload). Unpaid orders close after 15 minutes. The ledger reads and exports offline too.
// Demo accounts: uat_operator / uat_admin / uat_finance (uat_analyst: admin workspace, 统计分析 only),
// password Uat@123456.
import { emit } from '@tauri-apps/api/event'
import { mockIPC } from '@tauri-apps/api/mocks'
import type { AdminOverview } from '@/api/generated/AdminOverview'
import type { AnnouncementInput } from '@/api/generated/AnnouncementInput'
import type { AnnouncementView } from '@/api/generated/AnnouncementView'
import type { ApiKeyShown } from '@/api/generated/ApiKeyShown'
import type { AppSettings } from '@/api/generated/AppSettings'
import type { ApplicationDetail } from '@/api/generated/ApplicationDetail'
import type { ApplicationInput } from '@/api/generated/ApplicationInput'
import type { ApplicationRow } from '@/api/generated/ApplicationRow'
import type { ApplicationView } from '@/api/generated/ApplicationView'
import type { PriceChangeView } from '@/api/generated/PriceChangeView'
import type { AuthorizationPage } from '@/api/generated/AuthorizationPage'
import type { AuthorizationQuery } from '@/api/generated/AuthorizationQuery'
import type { AuthorizationState } from '@/api/generated/AuthorizationState'
import type { AuthorizationView } from '@/api/generated/AuthorizationView'
import type { GrantInput } from '@/api/generated/GrantInput'
import type { OperatorAccountRow } from '@/api/generated/OperatorAccountRow'
import type { OperatorOption } from '@/api/generated/OperatorOption'
import type { OperatorPage } from '@/api/generated/OperatorPage'
import type { OperatorQuery } from '@/api/generated/OperatorQuery'
import type { RequestPage } from '@/api/generated/RequestPage'
import type { RequestQuery } from '@/api/generated/RequestQuery'
import type { RequestView } from '@/api/generated/RequestView'
import type { Tier } from '@/api/generated/Tier'
import type { TransactionPage } from '@/api/generated/TransactionPage'
import type { TransactionQuery } from '@/api/generated/TransactionQuery'
import type { TransactionRow } from '@/api/generated/TransactionRow'
import type { Conflict } from '@/api/generated/Conflict'
import type { MessagePage } from '@/api/generated/MessagePage'
import type { MessageQuery } from '@/api/generated/MessageQuery'
import type { MessageView } from '@/api/generated/MessageView'
import type { ProfileFields } from '@/api/generated/ProfileFields'
import type { SiteInput } from '@/api/generated/SiteInput'
import type { SiteView } from '@/api/generated/SiteView'
import type { SyncProgress } from '@/api/generated/SyncProgress'
import type { SyncStatus } from '@/api/generated/SyncStatus'
import type { ConnectionState } from '@/api/generated/ConnectionState'
import type { CreateRecharge } from '@/api/generated/CreateRecharge'
import type { OperatorWallet } from '@/api/generated/OperatorWallet'
import type { PaymentOrderRow } from '@/api/generated/PaymentOrderRow'
import type { RechargeOptions } from '@/api/generated/RechargeOptions'
import type { RechargeOrder } from '@/api/generated/RechargeOrder'
import type { CreateOperatorRequest } from '@/api/generated/CreateOperatorRequest'
import type { CreateStaffRequest } from '@/api/generated/CreateStaffRequest'
import type { Granularity } from '@/api/generated/Granularity'
import type { OperatorProfile } from '@/api/generated/OperatorProfile'
import type { Role } from '@/api/generated/Role'
import type { StaffAccount } from '@/api/generated/StaffAccount'
import type { Statistics } from '@/api/generated/Statistics'
import type { StatisticsQuery } from '@/api/generated/StatisticsQuery'
import type { UpdateOperatorRequest } from '@/api/generated/UpdateOperatorRequest'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { ExportFormat } from '@/api/generated/ExportFormat'
import type { ExportReport } from '@/api/generated/ExportReport'
import type { FinanceOverview } from '@/api/generated/FinanceOverview'
import type { LoginArgs } from '@/api/generated/LoginArgs'
import type { LogoutArgs } from '@/api/generated/LogoutArgs'
import type { OperatorHome } from '@/api/generated/OperatorHome'
import type { RegisterOperatorRequest } from '@/api/generated/RegisterOperatorRequest'
import type { RegisterOperatorResponse } from '@/api/generated/RegisterOperatorResponse'
import type { ServerCheck } from '@/api/generated/ServerCheck'
import type { SessionInfo } from '@/api/generated/SessionInfo'
import type { UserInfo } from '@/api/generated/UserInfo'
import type { Workspace } from '@/api/generated/Workspace'

const params = new URLSearchParams(window.location.search)
const flag = (name: string) => params.get(name) === '1'
const STORE_KEY = 'mr-mock-state'

const PASSWORD = 'Uat@123456'
const ACCOUNTS: Record<string, { user: UserInfo; workspace: Workspace }> = {
  uat_operator: {
    workspace: 'operator',
    user: { id: '0193a1f0-0000-7000-8000-000000000001', username: 'uat_operator', display_name: '星际乐园VR体验馆', role: 'operator' },
  },
  uat_admin: {
    workspace: 'admin',
    user: { id: '0193a1f0-0000-7000-8000-000000000002', username: 'uat_admin', display_name: '张海峰', role: 'super_admin' },
  },
  // an analyst: the admin workspace shows it 统计分析 only
  uat_analyst: {
    workspace: 'admin',
    user: { id: '0193a1f0-0000-7000-8000-000000000004', username: 'uat_analyst', display_name: '赵思远', role: 'analyst' },
  },
  uat_finance: {
    workspace: 'finance',
    user: { id: '0193a1f0-0000-7000-8000-000000000003', username: 'uat_finance', display_name: '李静', role: 'manager' },
  },
}

interface MockState {
  settings: AppSettings
  sessions: Partial<Record<Workspace, SessionInfo>>
  lastOnlineAt: string
}

function isoMinutesAgo(min: number): string {
  return new Date(Date.now() - min * 60_000).toISOString()
}

function sessionFor(username: string): SessionInfo {
  const a = ACCOUNTS[username]!
  return {
    workspace: a.workspace,
    user: a.user,
    server_url: state.settings.server_url,
    signed_in_at: new Date().toISOString(),
    cache_file: `~/.local/share/mr-ops/${a.workspace}-${a.user.id}.sqlite`,
  }
}

function loadState(): MockState {
  try {
    const raw = localStorage.getItem(STORE_KEY)
    if (raw) return JSON.parse(raw) as MockState
  } catch {
    // ignore
  }
  return {
    settings: { server_url: 'http://127.0.0.1:8080', locale: 'zh-CN' },
    sessions: {},
    lastOnlineAt: isoMinutesAgo(3),
  }
}

const state = loadState()
if (params.get('locale')) state.settings.locale = params.get('locale')!
if (flag('signedin')) {
  state.sessions = {
    operator: sessionFor('uat_operator'),
    admin: sessionFor('uat_admin'),
    finance: sessionFor('uat_finance'),
  }
}

function persist(): void {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(state))
  } catch {
    // ignore
  }
}

const en = () => state.settings.locale === 'en'

function fail(code: ErrorBody['code'], zh: string, english: string, details: Record<string, unknown> = {}): never {
  const body: ErrorBody = { code, message: en() ? english : zh, details }
  throw body
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function requireSession(ws: Workspace): SessionInfo {
  const s = state.sessions[ws]
  if (!s) fail('NOT_SIGNED_IN', '尚未登录', 'Not signed in')
  return s
}

/** uat_operator's balance in whole fen (exact); a recharge paid here raises it. */
let walletFen = 1_286_050

function operatorHome(): OperatorHome {
  return {
    profile: {
      id: ACCOUNTS.uat_operator!.user.id,
      username: 'uat_operator',
      display_name: '星际乐园VR体验馆',
      contact_name: '王建国',
      phone: '13800138000',
      email: 'ops@xingji-vr.cn',
      tier: 'standard',
      status: 'active',
      balance: fenText(walletFen),
      is_locked: false,
      api_key_masked: '••••••••••••••••…a1b2',
      created_at: '2026-09-03T02:15:00Z',
    },
    month_spend: '3456.00',
    sessions_today: 27,
    unread_messages: 3,
    site_count: 4,
    authorized_apps: 6,
  }
}

const ADMIN: AdminOverview = {
  operators_total: 1286,
  operators_active: 1175,
  operators_locked: 3,
  applications_active: 18,
  pending_requests: 7,
  active_authorizations: 4302,
  alerts: [
    {
      id: '7a1e0c2e-5b1f-4c11-9f0e-2d6c1b9a0001',
      kind: 'abuse_lock',
      severity: 'critical',
      title: '异常请求：IP 203.0.113.45',
      body: '来自 IP 203.0.113.45 的异常请求（1 分钟内 21 次签名错误），已自动锁定运营商：星际乐园。',
      operator_ids: ['3f0c6a58-9f7e-4d2a-8c1b-000000000001'],
      created_at: new Date(Date.now() - 42 * 60_000).toISOString(),
    },
  ],
  alerts_open: 1,
}

function financeOverview(): FinanceOverview {
  const d = new Date()
  const pad = (n: number) => String(n).padStart(2, '0')
  return {
    business_date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    recharge_total: '186500.00',
    recharge_count: 42,
    consumption_total: '97342.50',
    refund_total: '3200.00',
    net_income: '183300.00',
    pending_refunds: 2,
    pending_invoices: 5,
  }
}

function randomKey(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let s = ''
  const bytes = new Uint8Array(64)
  crypto.getRandomValues(bytes)
  for (const b of bytes) s += chars[b % chars.length]
  return s
}

// ----- synced operator data (the local cache + outbox, simulated) -----

const OP_ID = '0193a1f0-0000-7000-8000-000000000001'
function site(n: number, name: string, address: string, contact: string, phone: string, desc: string | null): SiteView {
  const at = isoMinutesAgo(60 * 24 * (10 - n))
  return {
    id: `0193a1f0-0000-7000-8000-0000000001${String(n).padStart(2, '0')}`,
    operator_id: OP_ID,
    name,
    address,
    contact_name: contact,
    contact_phone: phone,
    description: desc,
    created_at: at,
    updated_at: at,
    pending: false,
  }
}
const sites: SiteView[] = [
  site(1, '北京朝阳大悦城店', '北京市朝阳区朝阳北路101号大悦城5层', '王建国', '13800138000', '旗舰店，8 台头显'),
  site(2, '上海徐家汇店', '上海市徐汇区虹桥路1号港汇广场4层', '陈晓', '13911112222', null),
  site(3, '深圳南山科技园店', '深圳市南山区科技南十二路2号', '林峰', '0755-26668888', '企业团建专场'),
]
function message(n: number, kind: string, title: string, body: string, read: boolean, minutesAgo: number): MessageView {
  return {
    id: `0193a1f0-0000-7000-8000-0000000002${String(n).padStart(2, '0')}`,
    kind,
    title,
    body,
    is_read: read,
    read_at: read ? isoMinutesAgo(minutesAgo - 5) : null,
    created_at: isoMinutesAgo(minutesAgo),
    pending: false,
  }
}
const messages: MessageView[] = [
  message(1, 'request_result', '授权申请已通过', '您申请的《星际迷航：深空救援》授权已通过审批，可在运营点启动。', false, 30),
  message(2, 'low_balance', '账户余额不足提醒', '您的账户余额低于 ¥ 500.00，请及时充值以免影响游戏启动。', false, 180),
  message(3, 'announcement', '平台维护通知', '平台将于本周六 02:00-04:00 进行维护，期间暂停授权申请。', false, 60 * 26),
  message(4, 'payment', '充值到账', '您于 11-20 充值的 ¥ 10,000.00 已到账。', true, 60 * 24 * 5),
]
// ?messages=N adds N older notices, for the message centre's pager (every third unread).
for (let i = 1, extra = Math.min(parseInt(params.get('messages') ?? '', 10) || 0, 100_000); i <= extra; i++) {
  messages.push({
    ...message(0, 'announcement', `系统通知 ${i}`, `第 ${i} 条通知内容`, i % 3 !== 0, 60 * 24 * 6 + i),
    id: `0193a1f0-0000-7000-8000-1${String(i).padStart(11, '0')}`,
  })
}
/** Unread in all (read ones pending here count as read, as in the core). */
function unreadMessages(): number {
  return messages.filter((m) => !m.is_read).length
}
const profile = { ...operatorHome().profile }
let profilePending = false
let pendingCount = 0
let lastSyncedAt: string | null = isoMinutesAgo(1)
const conflicts: Conflict[] = flag('conflicts')
  ? [
      {
        id: 1,
        command_id: '0193a1f0-0000-7000-8000-000000000301',
        seq: 7,
        name: 'site.create',
        args: { site_id: 'x', name: '北京朝阳店', address: null, contact_name: null, contact_phone: null, description: null },
        code: 'SITE_NAME_TAKEN',
        message: '已存在同名运营点',
        created_at: isoMinutesAgo(50),
        rejected_at: isoMinutesAgo(40),
        dismissed_at: null,
      },
      {
        id: 2,
        command_id: '0193a1f0-0000-7000-8000-000000000302',
        seq: 9,
        name: 'site.update',
        args: { site_id: 'y', name: '上海徐家汇店' },
        code: 'NOT_FOUND',
        message: '运营点不存在或已被删除',
        created_at: isoMinutesAgo(20),
        rejected_at: isoMinutesAgo(19),
        dismissed_at: null,
      },
    ]
  : []
let syncTimer: ReturnType<typeof setTimeout> | undefined

// ----- the initial sync and the protocol check, simulated -----

interface MockSync {
  /** The server answered 426 PROTOCOL_UNSUPPORTED: nothing syncs until the app is updated. */
  updateRequired: boolean
  /** A running multi-page pull, as `sync_status` reports it. */
  progress: SyncProgress | null
}
const sync: MockSync = { updateRequired: flag('update'), progress: null }
let progressTimer: ReturnType<typeof setInterval> | undefined
const INITIAL_SYNC_TOTAL = 60_000
const INITIAL_SYNC_STEP = 2_500

/** Simulate sync states from code: `progress` stops the simulated initial sync, if one runs. */
export function setMockSync(patch: Partial<MockSync>): void {
  if (patch.progress !== undefined && progressTimer) {
    clearInterval(progressTimer)
    progressTimer = undefined
  }
  Object.assign(sync, patch)
}

/** ?progress=1 / ?progress=open: a pull of many pages that advances every 500 ms, then settles. */
function startInitialSync(): void {
  const mode = params.get('progress')
  if ((mode !== '1' && mode !== 'open') || progressTimer || sync.updateRequired) return
  sync.progress = { applied: 0, total: mode === 'open' ? null : INITIAL_SYNC_TOTAL }
  progressTimer = setInterval(() => {
    const p = sync.progress
    if (!p) return
    const applied = p.applied + INITIAL_SYNC_STEP
    if (applied >= INITIAL_SYNC_TOTAL) {
      clearInterval(progressTimer)
      progressTimer = undefined
      sync.progress = null
      lastSyncedAt = new Date().toISOString()
      return
    }
    sync.progress = { applied, total: p.total }
  }, 500)
}
if (Object.keys(state.sessions).length > 0) startInitialSync()

const PROTOCOL_ERROR: ErrorBody = {
  code: 'PROTOCOL_UNSUPPORTED',
  message: '客户端版本过旧，服务器已不再支持此版本的同步协议',
  details: {},
}
function protocolError(): ErrorBody {
  return en()
    ? { ...PROTOCOL_ERROR, message: 'This app version is too old: the server no longer supports its sync protocol' }
    : PROTOCOL_ERROR
}

/** Rows per entity in a workspace's simulated cache (only entities with rows, like the core). */
function mirrorCounts(ws: Workspace): { entity: string; count: number }[] {
  if (sync.progress) {
    // mid-way through the initial sync: part of the rows are in
    const share = sync.progress.applied / INITIAL_SYNC_TOTAL
    return mirrorCountsDone(ws)
      .map((m) => ({ entity: m.entity, count: Math.floor(m.count * share) }))
      .filter((m) => m.count > 0)
  }
  return mirrorCountsDone(ws)
}
function mirrorCountsDone(ws: Workspace): { entity: string; count: number }[] {
  if (ws === 'operator') {
    return [
      { entity: 'operator', count: 1 },
      { entity: 'site', count: sites.length },
      { entity: 'message', count: messages.length },
      { entity: 'application', count: 18 },
      { entity: 'authorization', count: 6 },
      { entity: 'authorization_request', count: 9 },
      { entity: 'ledger_entry', count: 1_204 },
      { entity: 'payment_order', count: 37 },
      { entity: 'stat_daily', count: 84 },
    ]
  }
  if (ws === 'admin') {
    return [
      { entity: 'operator_account', count: 1_286 },
      { entity: 'application', count: 18 },
      { entity: 'application_price', count: 41 },
      { entity: 'authorization_request', count: 3_412 },
      { entity: 'authorization', count: 4_302 },
      { entity: 'announcement', count: 26 },
      { entity: 'stat_daily', count: 21_960 },
    ]
  }
  return [
    { entity: 'operator_account', count: 1_286 },
    { entity: 'ledger_entry', count: 48_530 },
    { entity: 'payment_order', count: 6_120 },
    { entity: 'refund', count: 212 },
    { entity: 'invoice', count: 845 },
    { entity: 'audit_entry', count: 3_007 },
  ]
}

function queued(): void {
  pendingCount += 1
  if (syncTimer) clearTimeout(syncTimer)
  if (!flag('offline')) syncTimer = setTimeout(settleAll, 8000)
}

function settleAll(): void {
  if (flag('offline')) return
  for (const s of sites) s.pending = false
  for (const m of messages) m.pending = false
  profilePending = false
  pendingCount = 0
  lastSyncedAt = new Date().toISOString()
}

function siteFrom(input: SiteInput, base?: SiteView): SiteView {
  const now = new Date().toISOString()
  const name = input.name.trim()
  if (!name) fail('VALIDATION_FAILED', '请输入运营点名称', 'Enter a site name', { field: 'name' })
  if (sites.some((s) => s.name === name && s.id !== base?.id)) fail('SITE_NAME_TAKEN', '已存在同名运营点', 'A site with this name exists')
  return {
    id: base?.id ?? crypto.randomUUID(),
    operator_id: OP_ID,
    name,
    address: input.address,
    contact_name: input.contact_name,
    contact_phone: input.contact_phone,
    description: input.description,
    created_at: base?.created_at ?? now,
    updated_at: now,
    pending: true,
  }
}

function findSite(id: unknown): SiteView {
  const s = sites.find((x) => x.id === id)
  if (!s) fail('NOT_FOUND', '运营点不存在', 'No such site')
  return s
}

// ----- synced admin data (operators, catalogue, authorizations, requests), simulated -----
// Decisions are queued like the core's: they show `pending: true` (待同步) until the next
// sync_now (or 8 s later when online). ?operators=N adds N generated operators (virtual list).

interface MockAuthorization {
  id: string
  operator_id: string
  application_id: string
  status: 'active' | 'revoked'
  expires_at: string | null
  granted_by_name: string | null
  granted_at: string
  request_id: string | null
  revoked_by_name: string | null
  revoked_at: string | null
  revoke_reason: string | null
  pending: boolean
}
interface MockRequest {
  id: string
  operator_id: string
  application_id: string
  reason: string
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn'
  decided_by_name: string | null
  decided_at: string | null
  decision_note: string | null
  requested_expires_at: string | null
  approved_expires_at: string | null
  created_at: string
  pending: boolean
  /** While a decision is queued: the status the cache still has (pages filter on it, as in the core). */
  mirror_status?: MockRequest['status']
}

function isoDaysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString()
}
const ADMIN_NAME = '张海峰'

function account(
  n: number,
  username: string,
  display_name: string,
  tier: Tier,
  balance: string,
  extra: Partial<OperatorAccountRow> = {},
): OperatorAccountRow {
  const at = isoMinutesAgo(60 * 24 * (200 - n * 7))
  return {
    id: n === 1 ? OP_ID : `0193a1f0-0000-7000-8000-0000000004${String(n).padStart(2, '0')}`,
    username,
    display_name,
    contact_name: null,
    phone: `1380013${String(8000 + n).padStart(4, '0')}`,
    email: `${username}@example.cn`,
    tier,
    status: 'active',
    balance,
    is_locked: false,
    locked_reason: null,
    locked_at: null,
    api_key_last4: `${String(n).padStart(2, '0')}a${n % 10}`,
    closed_at: null,
    created_at: at,
    updated_at: at,
    ...extra,
  }
}
const adminOperators: OperatorAccountRow[] = [
  account(1, 'uat_operator', '星际乐园VR体验馆', 'standard', '12860.50', { contact_name: '王建国', phone: '13800138000', email: 'ops@xingji-vr.cn', api_key_last4: 'a1b2' }),
  account(2, 'vr_haiyang', '海洋之心VR馆', 'vip', '58230.00', { contact_name: '刘海洋' }),
  account(3, 'mr_tiankong', '天空之城混合现实', 'trial', '120.00', {
    contact_name: '周天',
    is_locked: true,
    locked_reason: '异常启动频率过高，系统自动锁定',
    locked_at: isoMinutesAgo(60 * 5),
  }),
  account(4, 'game_jiangnan', '江南映像MR乐园', 'standard', '3420.80', { contact_name: '沈江' }),
  account(5, 'xr_beifang', '北方极光XR体验中心', 'vip', '102400.00', { contact_name: '韩北' }),
  account(6, 'old_city_vr', '旧城VR体验店', 'trial', '0.00', { status: 'closed', closed_at: isoMinutesAgo(60 * 24 * 20) }),
]
for (let i = 1, extra = Math.min(parseInt(params.get('operators') ?? '', 10) || 0, 200_000); i <= extra; i++) {
  const at = isoMinutesAgo(60 * 24 * 400 - i * 37)
  const tiers: Tier[] = ['trial', 'standard', 'standard', 'vip']
  adminOperators.push({
    ...account(0, `op_${String(i).padStart(6, '0')}`, `运营商 ${i} 号店`, tiers[i % 4]!, `${(i * 137) % 90_000}.${String(i % 100).padStart(2, '0')}`),
    id: `0193a1f0-0000-7000-8000-2${String(i).padStart(11, '0')}`,
    contact_name: i % 3 === 0 ? null : `联系人${i}`,
    phone: `139${String(i).padStart(8, '0')}`,
    is_locked: i % 97 === 0,
    locked_reason: i % 97 === 0 ? '欠费超过 30 天' : null,
    locked_at: i % 97 === 0 ? at : null,
    created_at: at,
    updated_at: at,
  })
}

/** An application of the catalogue as the admin's cache has it, with its queued flag. */
type MockApp = ApplicationView

function app(n: number, code: string, name: string, price: string, active = true, extra: Partial<MockApp> = {}): MockApp {
  const at = isoMinutesAgo(60 * 24 * 300)
  return {
    id: `0193a1f0-0000-7000-8000-0000000005${String(n).padStart(2, '0')}`,
    code,
    name,
    description: null,
    unit_price: price,
    min_players: 1,
    max_players: 4,
    is_active: active,
    created_at: at,
    updated_at: at,
    pending: false,
    ...extra,
  }
}
const adminApps: MockApp[] = [
  app(1, 'star_rescue', '星际迷航：深空救援', '9.90', true, {
    description: '多人协作太空救援，适合团建',
    max_players: 6,
    updated_at: isoMinutesAgo(60 * 24 * 30),
  }),
  app(2, 'jungle_quest', '丛林探险', '12.00'),
  app(3, 'deep_sea', '深海奇遇', '8.50', true, { max_players: 2, updated_at: isoMinutesAgo(60 * 24 * 60) }),
  app(4, 'last_line', '末日防线', '15.00', true, { min_players: 2, max_players: 8 }),
  app(5, 'castle_maze', '古堡迷踪', '10.00', false, { updated_at: isoMinutesAgo(60 * 24 * 12) }),
]

/** Every price each application had (append-only), as the cache's application_price rows. */
const adminPrices: PriceChangeView[] = []
function priceRow(app: MockApp, old_price: string | null, new_price: string, changedAt: string, pending = false): PriceChangeView {
  // a change made here is signed by whoever is signed in
  const by = pending ? (state.sessions.admin?.user.display_name ?? ADMIN_NAME) : ADMIN_NAME
  return {
    id: pending ? crypto.randomUUID() : `0193a1f0-0000-7000-8000-0000000008${String(adminPrices.length + 1).padStart(2, '0')}`,
    application_id: app.id,
    old_price,
    new_price,
    changed_by_name: by,
    changed_at: changedAt,
    pending,
  }
}
for (const a of adminApps) {
  const history: [string | null, string, string][] =
    a.code === 'star_rescue'
      ? [[null, '8.00', a.created_at], ['8.00', '12.00', isoMinutesAgo(60 * 24 * 200)], ['12.00', '9.90', a.updated_at]]
      : a.code === 'deep_sea'
        ? [[null, '10.00', a.created_at], ['10.00', '8.50', a.updated_at]]
        : [[null, a.unit_price, a.created_at]]
  for (const [old, price, at] of history) adminPrices.push(priceRow(a, old, price, at))
}
const opId = (n: number) => adminOperators[n - 1]!.id
const appId = (n: number) => adminApps[n - 1]!.id

function grantRow(n: number, op: number, ap: number, expiresInDays: number | null, grantedDaysAgo: number, extra: Partial<MockAuthorization> = {}): MockAuthorization {
  return {
    id: `0193a1f0-0000-7000-8000-0000000006${String(n).padStart(2, '0')}`,
    operator_id: opId(op),
    application_id: appId(ap),
    status: 'active',
    expires_at: expiresInDays === null ? null : isoDaysFromNow(expiresInDays),
    granted_by_name: ADMIN_NAME,
    granted_at: isoMinutesAgo(60 * 24 * grantedDaysAgo),
    request_id: null,
    revoked_by_name: null,
    revoked_at: null,
    revoke_reason: null,
    pending: false,
    ...extra,
  }
}
const adminAuths: MockAuthorization[] = [
  grantRow(1, 1, 1, null, 60),
  grantRow(2, 1, 2, 3, 87),
  grantRow(3, 2, 1, 200, 40),
  grantRow(4, 2, 3, 100, 50, {
    status: 'revoked',
    revoked_by_name: ADMIN_NAME,
    revoked_at: isoMinutesAgo(60 * 24 * 2),
    revoke_reason: '合同到期未续约',
  }),
  grantRow(5, 4, 4, -5, 95),
  grantRow(6, 5, 2, null, 10, { request_id: '0193a1f0-0000-7000-8000-000000000703' }),
  grantRow(7, 3, 1, 20, 30),
]

function requestRow(n: number, op: number, ap: number, reason: string, minutesAgo: number, extra: Partial<MockRequest> = {}): MockRequest {
  return {
    id: `0193a1f0-0000-7000-8000-0000000007${String(n).padStart(2, '0')}`,
    operator_id: opId(op),
    application_id: appId(ap),
    reason,
    status: 'pending',
    decided_by_name: null,
    decided_at: null,
    decision_note: null,
    requested_expires_at: null,
    approved_expires_at: null,
    created_at: isoMinutesAgo(minutesAgo),
    pending: false,
    ...extra,
  }
}
const adminRequests: MockRequest[] = [
  requestRow(1, 4, 1, '新店开业，需要上线该游戏', 60 * 3, { requested_expires_at: isoDaysFromNow(180) }),
  requestRow(2, 5, 3, '客户团建需求较多，希望增加海洋主题内容', 45),
  requestRow(3, 5, 2, '门店主推项目', 60 * 24 * 11, { status: 'approved', decided_by_name: ADMIN_NAME, decided_at: isoMinutesAgo(60 * 24 * 10) }),
  requestRow(4, 3, 4, '试运营', 60 * 24 * 6, {
    status: 'rejected',
    decided_by_name: ADMIN_NAME,
    decided_at: isoMinutesAgo(60 * 24 * 5),
    decision_note: '账户存在异常启动记录，暂不批准',
  }),
  requestRow(5, 2, 2, '暂时不需要了', 60 * 24 * 15, { status: 'withdrawn' }),
]

let adminPendingCount = 0
let adminTimer: ReturnType<typeof setTimeout> | undefined

function adminQueued(): void {
  adminPendingCount += 1
  if (adminTimer) clearTimeout(adminTimer)
  if (!flag('offline')) adminTimer = setTimeout(settleAdmin, 8000)
}

function settleAdmin(): void {
  if (flag('offline')) return
  for (const a of adminAnnouncements) a.pending = false
  for (const a of adminAuths) a.pending = false
  for (const a of adminApps) a.pending = false
  for (const p of adminPrices) p.pending = false
  for (const r of adminRequests) {
    r.pending = false
    delete r.mirror_status
  }
  adminPendingCount = 0
  lastSyncedAt = new Date().toISOString()
}

function authState(a: MockAuthorization, now = Date.now()): AuthorizationState {
  if (a.status === 'revoked') return 'revoked'
  return a.expires_at && Date.parse(a.expires_at) <= now ? 'expired' : 'active'
}

function names(operatorId: string, applicationId: string) {
  const o = adminOperators.find((x) => x.id === operatorId)
  const a = adminApps.find((x) => x.id === applicationId)
  return {
    operator_name: o?.display_name ?? null,
    operator_username: o?.username ?? null,
    application_name: a?.name ?? null,
    application_code: a?.code ?? null,
  }
}

function authView(a: MockAuthorization): AuthorizationView {
  return {
    id: a.id,
    operator_id: a.operator_id,
    application_id: a.application_id,
    ...names(a.operator_id, a.application_id),
    state: authState(a),
    expires_at: a.expires_at,
    granted_by_name: a.granted_by_name,
    granted_at: a.granted_at,
    request_id: a.request_id,
    revoked_by_name: a.revoked_by_name,
    revoked_at: a.revoked_at,
    revoke_reason: a.revoke_reason,
    pending: a.pending,
  }
}

function requestView(r: MockRequest): RequestView {
  const { mirror_status: _, ...view } = r
  return { ...view, ...names(r.operator_id, r.application_id) }
}

function checkPage(offset: number, limit: number, max: number): void {
  if (!(limit >= 1 && limit <= max) || !(offset >= 0)) {
    fail('VALIDATION_FAILED', '分页参数超出范围', 'Page out of range', { field: 'limit' })
  }
}

/** Decisions need super_admin or admin (an analyst only reads). */
function requireDecider(): void {
  const role = requireSession('admin').user.role
  if (role !== 'super_admin' && role !== 'admin') fail('FORBIDDEN', '当前账号无权执行此操作', 'This account may not do that')
}

function checkReason(reason: unknown): string {
  const r = String(reason ?? '').trim()
  if (!r || [...r].length > 500) {
    fail('VALIDATION_FAILED', '请填写原因（最多 500 个字符）', 'A reason is required (at most 500 characters)', { field: 'reason' })
  }
  return r
}

function checkExpiry(expiresAt: unknown): string | null {
  if (expiresAt === null || expiresAt === undefined) return null
  const t = Date.parse(String(expiresAt))
  if (Number.isNaN(t) || t <= Date.now()) {
    fail('VALIDATION_FAILED', '到期时间必须晚于当前时间', 'The expiry must be in the future', { field: 'expires_at' })
  }
  return new Date(t).toISOString()
}

function checkNoActive(operatorId: string, applicationId: string): void {
  if (adminAuths.some((a) => a.operator_id === operatorId && a.application_id === applicationId && authState(a) === 'active')) {
    fail('AUTHORIZATION_EXISTS', '该运营商已拥有此应用的有效授权', 'The operator already holds an active authorization of this application')
  }
}

function awaitingRequests(): number {
  return adminRequests.filter((r) => r.status === 'pending').length
}

function operatorMatches(o: OperatorAccountRow, q: OperatorQuery): boolean {
  if (!q.include_closed && o.status !== 'active') return false
  if (q.tier && o.tier !== q.tier) return false
  if (q.locked !== null && o.is_locked !== q.locked) return false
  const s = q.search?.trim().toLowerCase()
  if (s) {
    return [o.username, o.display_name, o.contact_name, o.phone, o.email].some((v) => (v ?? '').toLowerCase().includes(s))
  }
  return true
}

function operatorPage(q: OperatorQuery): OperatorPage {
  checkPage(q.offset, q.limit, 500)
  const key = (o: OperatorAccountRow): string => {
    switch (q.sort) {
      case 'name':
        return o.display_name
      case 'username':
        return o.username.toLowerCase()
      case 'balance': {
        // like the core: more integer digits is more money; no float on the way
        const [int = '', frac = ''] = o.balance.split('.')
        return `${int.padStart(20, '0')}.${frac.padEnd(4, '0')}`
      }
      default:
        return o.created_at
    }
  }
  const dir = q.descending ? -1 : 1
  const rows = adminOperators
    .filter((o) => operatorMatches(o, q))
    .sort((a, b) => {
      const ka = key(a)
      const kb = key(b)
      const c = ka < kb ? -1 : ka > kb ? 1 : 0
      return c !== 0 ? c * dir : a.id.localeCompare(b.id)
    })
  return { items: rows.slice(q.offset, q.offset + q.limit).map((o) => ({ ...o })), total: rows.length }
}

/** "25" / "25.5" / "25.50" → "25.50" (the server's Money); no float on the way. */
function normalizePrice(text: string): string {
  const [int = '', frac = ''] = text.split('.')
  return `${int.replace(/^0+(?=\d)/, '')}.${frac.padEnd(2, '0')}`
}

/** The server's checks of an application form (mr_domain::application), with its messages. */
function checkApplication(args: ApplicationInput, creating: boolean): ApplicationInput {
  const code = String(args.code ?? '').trim()
  if (creating && !/^[a-z][a-z0-9_]{2,63}$/.test(code)) {
    fail('VALIDATION_FAILED', '应用代码须以小写字母开头，由 3-64 位小写字母、数字或下划线组成', 'The code must start with a lower-case letter: 3–64 lower-case letters, digits or underscores', { field: 'code' })
  }
  const name = String(args.name ?? '').trim()
  if (!name || [...name].length > 64) fail('VALIDATION_FAILED', '应用名称必填，最多 64 个字符', 'A name is required (at most 64 characters)', { field: 'name' })
  const description = (args.description ?? '').trim()
  if ([...description].length > 500) fail('VALIDATION_FAILED', '简介最多 500 个字符', 'The description is too long', { field: 'description' })
  const price = String(args.unit_price ?? '').trim()
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(price)
  if (!m || /^0*$/.test(m[1]! + (m[2] ?? '')) || m[1]!.replace(/^0+/, '').length > 5) {
    fail('VALIDATION_FAILED', '单价须为大于 0、低于 100,000 且最多两位小数的金额', 'The price must be above 0, below 100,000, with at most 2 decimal places', { field: 'unit_price' })
  }
  const players = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 100
  if (!players(args.min_players)) fail('VALIDATION_FAILED', '最少人数须为 1-100', 'Min players: 1 to 100', { field: 'min_players' })
  if (!players(args.max_players)) fail('VALIDATION_FAILED', '最多人数须为 1-100', 'Max players: 1 to 100', { field: 'max_players' })
  if (args.min_players > args.max_players) fail('VALIDATION_FAILED', '最多人数不能少于最少人数', 'Max players cannot be below the minimum', { field: 'max_players' })
  return { ...args, code, name, description: description || null, unit_price: normalizePrice(price) }
}

function findApp(id: unknown): MockApp {
  const a = adminApps.find((x) => x.id === id)
  if (!a) fail('NOT_FOUND', '应用不存在', 'No such application')
  return a
}

function appRow(a: MockApp): ApplicationRow {
  const { pending: _, ...row } = a
  return row
}

// ----- 交易监控: every operator's ledger, "from the server" (not the cache), simulated -----
// Amounts are kept in whole fen (integers: exact) and shown as decimal strings like the server's.

const LEDGER_TYPES = ['recharge', 'consumption', 'refund', 'adjustment'] as const
const LEDGER_SIZE = 300
const LEDGER_DAYS = 60
const CHINA_OFFSET_MS = 8 * 3_600_000

/** A small seeded generator: the same ledger on every load (tests count on it). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** 123456 fen → "1234.56"; -990 → "-9.90". */
function fenText(fen: number): string {
  const abs = Math.abs(fen)
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

function buildLedger(): TransactionRow[] {
  const rand = seededRandom(20_261_125)
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  // the five operators with a history; busier ones more often
  const ops = adminOperators.slice(0, 5)
  const weights = [5, 4, 1, 3, 4]
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  const pickOperator = (): OperatorAccountRow => {
    let r = rand() * totalWeight
    for (let i = 0; i < ops.length; i++) {
      r -= weights[i]!
      if (r < 0) return ops[i]!
    }
    return ops[ops.length - 1]!
  }
  const balances = new Map<string, number>()
  const rows: TransactionRow[] = []
  const start = Date.now() - LEDGER_DAYS * 86_400_000
  const step = (LEDGER_DAYS * 86_400_000 - 3_600_000) / LEDGER_SIZE
  for (let i = 0; i < LEDGER_SIZE; i++) {
    const op = pickOperator()
    const before = balances.get(op.id) ?? 0
    const roll = rand()
    let type: (typeof LEDGER_TYPES)[number] =
      before === 0 || roll < 0.14 ? 'recharge' : roll < 0.86 ? 'consumption' : roll < 0.93 ? 'refund' : 'adjustment'
    let amount = 0
    let description = ''
    let referenceType: string | null = null
    if (type === 'consumption') {
      const app = pick(adminApps)
      const players = 1 + Math.floor(rand() * app.max_players)
      const [yuan = '0', jiao = '00'] = app.unit_price.split('.')
      amount = -(parseInt(yuan, 10) * 100 + parseInt(jiao.padEnd(2, '0'), 10)) * players
      description = `${app.name} · ${players} 人 · ${pick(['一号厅', '二号厅', 'VIP 包间', '大厅体验区'])}`
      referenceType = 'usage_record'
    } else if (type === 'refund') {
      amount = -pick([5_000, 10_000, 20_000, 50_000])
      description = pick(['余额退款至原支付账户', '运营商申请退款，财务审核通过后原路退回至对公账户（工单 #' + (4000 + i) + '）'])
      referenceType = 'refund'
    } else if (type === 'adjustment') {
      amount = pick([-2_000, -500, 500, 1_000, 3_000])
      description =
        amount > 0
          ? pick(['活动返还：双十一充值赠送', '系统故障补偿：头显启动失败重复扣费返还'])
          : pick(['人工调账：重复充值冲正', '违规启动扣罚'])
      referenceType = null
    }
    // never below zero: a debit the balance cannot cover becomes a recharge
    if (before + amount < 0) type = 'recharge'
    if (type === 'recharge') {
      amount = pick([50_000, 100_000, 200_000, 500_000, 1_000_000])
      description = pick(['在线充值（支付宝）', '在线充值（微信支付）', '对公转账充值'])
      referenceType = 'payment_order'
    }
    const after = before + amount
    balances.set(op.id, after)
    const n = String(i + 1).padStart(11, '0')
    rows.push({
      operator_username: op.username,
      operator_name: op.display_name,
      id: `0193a1f0-0000-7000-8000-3${n}`,
      operator_id: op.id,
      entry_type: type,
      amount: fenText(amount),
      balance_before: fenText(before),
      balance_after: fenText(after),
      reference_type: referenceType,
      reference_id: referenceType ? `0193a1f0-0000-7000-8000-4${n}` : null,
      description,
      created_at: new Date(start + Math.floor((i + rand() * 0.9) * step)).toISOString(),
    })
  }
  // newest first, as the server pages them
  return rows.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
}
const ledger: TransactionRow[] = buildLedger()

/** "2026-11-25T17:20:00Z" → its calendar day in China time, "2026-11-26". */
function chinaDay(iso: string): string {
  return new Date(Date.parse(iso) + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}

/** Decimal text → fen (the mock's own two-decimal amounts only). */
function fenOf(text: string): number {
  const negative = text.startsWith('-')
  const [int = '0', frac = ''] = text.replace(/^[+-]/, '').split('.')
  const fen = parseInt(int, 10) * 100 + parseInt(frac.padEnd(2, '0').slice(0, 2), 10)
  return negative ? -fen : fen
}

/** 交易监控 needs ViewAllTransactions: super_admin and admin (not an analyst). */
function requireTransactionViewer(): void {
  const role = requireSession('admin').user.role
  if (role !== 'super_admin' && role !== 'admin') fail('FORBIDDEN', '当前账号无权执行此操作', 'This account may not do that')
}

function checkTransactionQuery(q: TransactionQuery): void {
  checkPage(q.offset, q.limit, 2000)
  if (q.entry_type !== null && !(LEDGER_TYPES as readonly string[]).includes(q.entry_type)) {
    fail('VALIDATION_FAILED', '交易类型不正确', 'Unknown entry type', { field: 'entry_type' })
  }
  for (const [field, day] of [['from', q.from], ['to', q.to]] as const) {
    if (day !== null && !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      fail('VALIDATION_FAILED', '日期格式不正确', 'Invalid date', { field })
    }
  }
}

function matchingLedger(q: TransactionQuery, source: readonly TransactionRow[] = ledger): TransactionRow[] {
  const until = q.until ? Date.parse(q.until) : null
  return source.filter((r) => {
    if (q.operator_id && r.operator_id !== q.operator_id) return false
    if (q.entry_type && r.entry_type !== q.entry_type) return false
    if (q.from || q.to) {
      const day = chinaDay(r.created_at)
      if (q.from && day < q.from) return false
      if (q.to && day > q.to) return false
    }
    return until === null || Date.parse(r.created_at) <= until
  })
}

function transactionPage(q: TransactionQuery): TransactionPage {
  checkTransactionQuery(q)
  return pageOf(matchingLedger(q), q)
}

/** One page of the matching rows, with the totals over all of them. */
function pageOf(rows: TransactionRow[], q: TransactionQuery): TransactionPage {
  let credits = 0
  let debits = 0
  for (const r of rows) {
    const fen = fenOf(r.amount)
    if (fen > 0) credits += fen
    else debits += fen
  }
  return {
    items: rows.slice(q.offset, q.offset + q.limit).map((r) => ({ ...r })),
    totals: { count: rows.length, credits: fenText(credits), debits: fenText(debits), net: fenText(credits + debits) },
  }
}

/** The server is "unreachable" with ?offline=1: this page needs the network. */
function requireServer(): void {
  if (flag('offline')) {
    fail('SERVER_UNREACHABLE', '无法连接服务器，请检查网络后重试', 'Cannot reach the server: check the network and retry')
  }
}

/** Like the core: pages of 2,000 (smaller here, so the bar moves), one event after each. */
async function exportTransactions(q: TransactionQuery, format: ExportFormat): Promise<ExportReport | null> {
  checkTransactionQuery(q)
  return writeLedgerExport(() => matchingLedger({ ...q, until: new Date().toISOString(), offset: 0 }), format, 'uat_admin', true)
}

/** The save dialog, then the rows in five steps with an `export-progress` event after each;
 * `fromServer`: every step asks the server (交易监控), else the local cache (交易记录). */
async function writeLedgerExport(
  matching: () => TransactionRow[],
  format: ExportFormat,
  user: string,
  fromServer: boolean,
): Promise<ExportReport | null> {
  await sleep(flag('slow') ? 800 : 100) // the save dialog
  if (flag('exportcancel')) return null
  const rows = matching()
  const chunk = Math.max(1, Math.ceil(rows.length / 5))
  for (let done = 0; done < rows.length; ) {
    await sleep(flag('slow') ? 600 : 60)
    if (fromServer) requireServer()
    if (flag('exportfail') && done > 0) fail('INTERNAL_ERROR', '写入文件失败：磁盘空间不足', 'Could not write the file: disk full')
    done = Math.min(rows.length, done + chunk)
    await emit('export-progress', { done, total: rows.length })
  }
  const d = new Date()
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`
  return { path: `/Users/${user}/Documents/交易记录_${stamp}.${format}`, rows: rows.length }
}

// ----- 充值 and 交易记录 of uat_operator (its cache: balance, ledger, recharge orders) -----

const RECHARGE_MIN_FEN = 100
const RECHARGE_MAX_FEN = 5_000_000
const PAY_WITHIN_MINUTES = 15
const OP_LEDGER_SIZE = 90
const CHANNEL_ZH: Record<string, string> = { alipay: '支付宝', wechat: '微信支付' }

function rechargeOptions(): RechargeOptions {
  return {
    channels: [
      { channel: 'alipay', available: true },
      { channel: 'wechat', available: !flag('nowechat') },
    ],
    min_amount: fenText(RECHARGE_MIN_FEN),
    max_amount: fenText(RECHARGE_MAX_FEN),
    sandbox: params.get('sandbox') !== '0',
    pay_within_minutes: PAY_WITHIN_MINUTES,
  }
}

/** "20261125153000": an instant in China time, for order numbers. */
function chinaStamp(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().replace(/\D/g, '').slice(0, 14)
}

let orderSeq = 0
function paymentOrder(channel: string, fen: number, status: string, createdMs: number, sandbox: boolean, id?: string): PaymentOrderRow {
  orderSeq += 1
  const created = new Date(createdMs).toISOString()
  const expires = new Date(createdMs + PAY_WITHIN_MINUTES * 60_000).toISOString()
  const paid = status === 'paid' ? new Date(createdMs + 47_000).toISOString() : null
  return {
    id: id ?? `0193a1f0-0000-7000-8000-6${String(orderSeq).padStart(11, '0')}`,
    out_trade_no: `R${chinaStamp(createdMs)}${String(1000 + orderSeq).slice(-4)}`,
    operator_id: OP_ID,
    channel,
    is_sandbox: sandbox,
    amount: fenText(fen),
    status,
    channel_trade_no: paid ? `${chinaStamp(createdMs).slice(0, 8)}2200${String(1_000_000 + orderSeq * 7919).slice(-7)}` : null,
    paid_at: paid,
    closed_at: status === 'closed' ? expires : null,
    expires_at: expires,
    flagged_reason: null,
    created_at: created,
    updated_at: paid ?? (status === 'closed' ? expires : created),
  }
}

const operatorOrders: PaymentOrderRow[] = []

/** uat_operator's ledger, newest first, walked back from the balance so every row adds up; its
 * online recharges have a paid order each. */
function buildOperatorLedger(): TransactionRow[] {
  const rand = seededRandom(20_261_127)
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const rows: TransactionRow[] = []
  const step = (LEDGER_DAYS * 86_400_000) / OP_LEDGER_SIZE
  const now = Date.now()
  let after = walletFen
  for (let i = 0; i < OP_LEDGER_SIZE; i++) {
    const at = Math.floor(now - (i + 0.3 + rand() * 0.6) * step)
    const roll = rand()
    let type: (typeof LEDGER_TYPES)[number] = roll < 0.16 ? 'recharge' : roll < 0.9 ? 'consumption' : roll < 0.95 ? 'refund' : 'adjustment'
    let amount = 0
    let description = ''
    let referenceType: string | null = null
    let referenceId: string | null = null
    if (type === 'recharge') {
      amount = pick([50_000, 100_000, 200_000, 500_000])
      // walking back: the balance before the recharge cannot be negative
      if (after - amount < 0) type = 'consumption'
    }
    if (type === 'recharge') {
      const channel = pick(['alipay', 'alipay', 'wechat', 'transfer'])
      if (channel === 'transfer') {
        description = '对公转账充值'
      } else {
        const order = paymentOrder(channel, amount, 'paid', at - 47_000, false)
        operatorOrders.push(order)
        description = `在线充值（${CHANNEL_ZH[channel]}）`
        referenceId = order.id
      }
      referenceType = 'payment_order'
    } else if (type === 'consumption') {
      const app = pick(adminApps)
      const players = 1 + Math.floor(rand() * app.max_players)
      amount = -fenOf(app.unit_price) * players
      description = `${app.name} · ${players} 人 · ${pick(sites).name}`
      referenceType = 'usage_record'
    } else if (type === 'refund') {
      amount = -pick([5_000, 10_000, 20_000])
      description = '余额退款至原支付账户'
      referenceType = 'refund'
    } else {
      amount = pick([-2_000, 500, 1_000, 3_000])
      description = amount > 0 ? '活动返还：双十一充值赠送' : '人工调账：重复充值冲正'
    }
    const before = after - amount
    const n = String(i + 1).padStart(11, '0')
    rows.push({
      operator_username: 'uat_operator',
      operator_name: '星际乐园VR体验馆',
      id: `0193a1f0-0000-7000-8000-5${n}`,
      operator_id: OP_ID,
      entry_type: type,
      amount: fenText(amount),
      balance_before: fenText(before),
      balance_after: fenText(after),
      reference_type: referenceType,
      reference_id: referenceId ?? (referenceType ? `0193a1f0-0000-7000-8000-7${n}` : null),
      description,
      created_at: new Date(at).toISOString(),
    })
    after = before
  }
  // an order nobody paid (closed when its time ran out)
  operatorOrders.push(paymentOrder('wechat', 20_000, 'closed', now - 3 * 86_400_000 + 3_600_000, false))
  return rows
}
const operatorLedger: TransactionRow[] = buildOperatorLedger()

function newestOrders(): PaymentOrderRow[] {
  return [...operatorOrders].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
}

/** The server closes an order still unpaid when its time is up; true when one was closed. */
function expireOrders(): boolean {
  const now = Date.now()
  let closed = false
  for (const o of operatorOrders) {
    if (o.status === 'pending' && Date.parse(o.expires_at) <= now) {
      Object.assign(o, { status: 'closed', closed_at: o.expires_at, updated_at: new Date().toISOString() })
      closed = true
    }
  }
  return closed
}

function operatorWallet(): OperatorWallet {
  expireOrders()
  // an initial sync that never finished: nothing cached yet
  const never = !!sync.progress && sync.progress.total !== null
  return {
    balance: never ? null : fenText(walletFen),
    orders: never ? [] : newestOrders().slice(0, 20).map((o) => ({ ...o })),
  }
}

async function createRecharge(args: CreateRecharge): Promise<RechargeOrder> {
  requireSession('operator')
  await sleep(flag('slow') ? 1200 : 200)
  requireServer()
  if (flag('payfail')) {
    fail('PAYMENT_UNAVAILABLE', '支付服务暂时不可用，请稍后再试', 'The payment service is temporarily unavailable: try again later')
  }
  const options = rechargeOptions()
  const channel = options.channels.find((c) => c.channel === args?.channel)
  if (!channel) fail('VALIDATION_FAILED', '支付方式不正确', 'Unknown payment channel', { field: 'channel', reason: 'unknown' })
  if (!channel.available) {
    fail('VALIDATION_FAILED', '该支付方式暂未开通', 'This payment channel is not enabled', { field: 'channel', reason: 'unavailable' })
  }
  const amount = String(args.amount ?? '').trim()
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount)
  if (!m || /^0*$/.test(m[1]! + (m[2] ?? ''))) {
    fail('VALIDATION_FAILED', '充值金额须为大于 0 且最多两位小数的金额', 'The amount must be above 0 with at most 2 decimal places', { field: 'amount', reason: 'format' })
  }
  const fen = m[1]!.replace(/^0+/, '').length > 9 ? Number.MAX_SAFE_INTEGER : fenOf(amount)
  if (fen < RECHARGE_MIN_FEN || fen > RECHARGE_MAX_FEN) {
    fail(
      'VALIDATION_FAILED',
      `单笔充值金额须在 ¥ ${fenText(RECHARGE_MIN_FEN)} 至 ¥ ${fenText(RECHARGE_MAX_FEN)} 之间`,
      `The amount must be between ¥ ${fenText(RECHARGE_MIN_FEN)} and ¥ ${fenText(RECHARGE_MAX_FEN)}`,
      { field: 'amount', reason: 'out_of_range' },
    )
  }
  const order = paymentOrder(channel.channel, fen, 'pending', Date.now(), options.sandbox, crypto.randomUUID())
  operatorOrders.push(order)
  const token = randomKey().slice(0, 24)
  const qr =
    channel.channel === 'alipay'
      ? `https://qr.${options.sandbox ? 'alipaydev' : 'alipay'}.com/bax0${token}`
      : `weixin://wxpay/bizpayurl?pr=${token.slice(0, 7)}${options.sandbox ? '&sandbox=1' : ''}`
  // The synced row carries the code too, so the order can be paid again from the history.
  order.qr_code = qr
  return {
    id: order.id,
    out_trade_no: order.out_trade_no,
    channel: order.channel,
    amount: order.amount,
    status: order.status,
    qr_code: qr,
    is_sandbox: order.is_sandbox,
    expires_at: order.expires_at,
    paid_at: null,
  }
}

/** The gateway says an order is paid: the server credits it, and the next pull brings the paid
 * order, the ledger entry, the new balance and a message (last_synced_at moves). */
function payOrder(o: PaymentOrderRow): void {
  const now = new Date().toISOString()
  const fen = fenOf(o.amount)
  Object.assign(o, {
    status: 'paid',
    paid_at: now,
    updated_at: now,
    channel_trade_no: `${chinaStamp(Date.now()).slice(0, 8)}2200${randomKey().replace(/\D/g, '').padEnd(7, '0').slice(0, 7)}`,
  })
  operatorLedger.unshift({
    operator_username: 'uat_operator',
    operator_name: '星际乐园VR体验馆',
    id: crypto.randomUUID(),
    operator_id: OP_ID,
    entry_type: 'recharge',
    amount: fenText(fen),
    balance_before: fenText(walletFen),
    balance_after: fenText(walletFen + fen),
    reference_type: 'payment_order',
    reference_id: o.id,
    description: `在线充值（${CHANNEL_ZH[o.channel] ?? o.channel}）${o.is_sandbox ? ' · 沙箱' : ''}`,
    created_at: now,
  })
  walletFen += fen
  const account = adminOperators.find((a) => a.id === OP_ID)
  if (account) account.balance = fenText(walletFen)
  messages.push({
    id: crypto.randomUUID(),
    kind: 'payment',
    title: '充值到账',
    body: `您充值的 ¥ ${fenText(fen)} 已到账（订单号 ${o.out_trade_no}），当前余额 ¥ ${fenText(walletFen)}。`,
    is_read: false,
    read_at: null,
    created_at: now,
    pending: false,
  })
  lastSyncedAt = now
}

async function sandboxPay(orderId: unknown): Promise<void> {
  requireSession('operator')
  await sleep(flag('slow') ? 1200 : 250)
  requireServer()
  expireOrders()
  const o = operatorOrders.find((x) => x.id === orderId)
  if (!o) fail('NOT_FOUND', '充值订单不存在', 'No such recharge order')
  if (!o.is_sandbox) {
    fail('VALIDATION_FAILED', '只有沙箱订单可以模拟支付', 'Only sandbox orders can be paid by simulation', { field: 'order_id', reason: 'not_sandbox' })
  }
  if (o.status !== 'pending') {
    fail(
      'CONFLICT',
      o.status === 'paid' ? '该订单已支付' : '该订单已关闭，不能再支付',
      o.status === 'paid' ? 'The order is already paid' : 'The order is closed and cannot be paid',
    )
  }
  payOrder(o)
}

function operatorLedgerPage(q: TransactionQuery): TransactionPage {
  checkTransactionQuery(q)
  // the operator's own cache: operator_id and until are ignored
  return pageOf(matchingLedger({ ...q, operator_id: null, until: null }, operatorLedger), q)
}

// ----- 公告 (the cache's announcements, newest first) and API keys -----

function announcement(n: number, title: string, body: string, tier: Tier | null, minutesAgo: number, by: string | null = ADMIN_NAME): AnnouncementView {
  return {
    id: `0193a1f0-0000-7000-8000-0000000009${String(n).padStart(2, '0')}`,
    title,
    body,
    tier,
    published_by_name: by,
    published_at: isoMinutesAgo(minutesAgo),
    pending: false,
  }
}
const adminAnnouncements: AnnouncementView[] = [
  announcement(1, '平台维护通知', '平台将于本周六 02:00-04:00 进行维护，期间暂停授权申请。', null, 60 * 26),
  announcement(
    2,
    'VIP 专属：新游戏抢先体验',
    '《末日防线》多人版将于下周一上线，VIP 运营商可提前一周申请授权体验。\n\n如需开通，请在授权申请中注明“抢先体验”。',
    'vip',
    60 * 24 * 3,
  ),
  announcement(
    3,
    '春节期间运营安排',
    [
      '各位运营商伙伴：',
      '',
      '春节将至，为保障节假日期间的正常运营，现将平台安排通知如下：',
      '1. 除夕至初三（共 4 天）平台客服值班时间调整为 10:00-18:00；',
      '2. 期间提交的授权申请将于初四起统一审批，请提前规划；',
      '3. 充值与启动服务照常运行，不受影响；',
      '4. 如遇紧急问题，请拨打值班电话 400-800-1234。',
      '',
      '祝大家新春快乐，生意兴隆！',
    ].join('\n'),
    null,
    60 * 24 * 10,
  ),
  announcement(4, '试用账户升级优惠', '本月内由试用升级为标准等级的运营商，首次充值可获赠 5% 额度。', 'trial', 60 * 24 * 20, null),
]

const ANNOUNCEMENT_TITLE_MAX = 100
const ANNOUNCEMENT_BODY_MAX = 2000
const TIERS: readonly Tier[] = ['trial', 'standard', 'vip']

function publishAnnouncement(args: AnnouncementInput): AnnouncementView {
  const title = String(args.title ?? '').trim()
  const body = String(args.body ?? '').trim()
  if (!title || [...title].length > ANNOUNCEMENT_TITLE_MAX) {
    fail('VALIDATION_FAILED', '标题不能为空，且不能超过 100 个字符', 'A title is required (at most 100 characters)', { field: 'title' })
  }
  if (!body || [...body].length > ANNOUNCEMENT_BODY_MAX) {
    fail('VALIDATION_FAILED', '内容不能为空，且不能超过 2000 个字符', 'The text is required (at most 2000 characters)', { field: 'body' })
  }
  if (args.tier !== null && args.tier !== undefined && !TIERS.includes(args.tier)) {
    fail('VALIDATION_FAILED', '运营商等级不正确', 'Unknown tier', { field: 'tier' })
  }
  const view: AnnouncementView = {
    id: crypto.randomUUID(),
    title,
    body,
    tier: args.tier ?? null,
    published_by_name: requireSession('admin').user.display_name,
    published_at: new Date().toISOString(),
    pending: true,
  }
  adminAnnouncements.push(view)
  adminQueued()
  return { ...view }
}

/** Each operator's key in clear (made up the first time it is asked for; ends in its last four). */
const apiKeys = new Map<string, string>()

function findOperator(id: unknown): OperatorAccountRow {
  const op = adminOperators.find((o) => o.id === id)
  if (!op) fail('NOT_FOUND', '运营商不存在', 'No such operator')
  return op
}

function maskKey(last4: string): string {
  return `${'•'.repeat(12)}${last4}`
}

function revealKey(id: unknown): ApiKeyShown {
  const op = findOperator(id)
  let key = apiKeys.get(op.id)
  if (!key || !key.endsWith(op.api_key_last4)) {
    key = `${randomKey().slice(0, 64 - op.api_key_last4.length)}${op.api_key_last4}`
    apiKeys.set(op.id, key)
  }
  return { api_key: key, api_key_masked: maskKey(op.api_key_last4) }
}

function resetKey(id: unknown): ApiKeyShown {
  const op = findOperator(id)
  // like the server: only an active account's key is reset
  if (op.status !== 'active') fail('NOT_FOUND', '运营商不存在或已注销', 'No such operator, or the account is closed')
  const key = randomKey()
  op.api_key_last4 = key.slice(-4)
  op.updated_at = new Date().toISOString()
  apiKeys.set(op.id, key)
  if (op.id === OP_ID) {
    messages.push({
      id: crypto.randomUUID(),
      kind: 'api_key_reset',
      title: 'API Key 已被管理员重置',
      body: '管理员已重置您的 API Key，旧 Key 已立即失效。请在运营商工作台查看新 Key 并更新头显配置。',
      is_read: false,
      read_at: null,
      created_at: new Date().toISOString(),
      pending: false,
    })
  }
  return { api_key: key, api_key_masked: maskKey(op.api_key_last4) }
}

// ----- 统计分析: game sessions of the last ~800 days "on the server", aggregated per query -----
// A fixed, seeded history (the same on every load): eleven sites of five operators, each with a
// few sessions a day (more at weekends, growing over time). ?statsempty=1: no session at all.

interface MockStatSite {
  id: string
  name: string
  operator: number
}
const STAT_SITES: MockStatSite[] = [
  { id: sites[0]!.id, name: sites[0]!.name, operator: 1 },
  { id: sites[1]!.id, name: sites[1]!.name, operator: 1 },
  { id: sites[2]!.id, name: sites[2]!.name, operator: 1 },
  { id: '0193a1f0-0000-7000-8000-00000000a201', name: '海洋之心·杭州西湖店', operator: 2 },
  { id: '0193a1f0-0000-7000-8000-00000000a202', name: '海洋之心·宁波天一店', operator: 2 },
  { id: '0193a1f0-0000-7000-8000-00000000a301', name: '天空之城·成都春熙路店', operator: 3 },
  { id: '0193a1f0-0000-7000-8000-00000000a401', name: '江南映像·苏州观前街店', operator: 4 },
  { id: '0193a1f0-0000-7000-8000-00000000a402', name: '江南映像·无锡万象城店', operator: 4 },
  { id: '0193a1f0-0000-7000-8000-00000000a501', name: '北方极光·沈阳中街店', operator: 5 },
  { id: '0193a1f0-0000-7000-8000-00000000a502', name: '北方极光·哈尔滨中央大街店', operator: 5 },
  { id: '0193a1f0-0000-7000-8000-00000000a503', name: '北方极光·大连星海店', operator: 5 },
]
const STAT_HISTORY_DAYS = 800
const STAT_MAX_DAYS = 1096

/** One session: its China day (days since 1970-01-01), site and application (indexes), players. */
interface MockSession {
  day: number
  site: number
  app: number
  players: number
}
let statSessions: MockSession[] | null = null

function dayIndex(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000)
}
function dayText(n: number): string {
  return new Date(n * 86_400_000).toISOString().slice(0, 10)
}

function buildSessions(): MockSession[] {
  if (flag('statsempty')) return []
  const rand = seededRandom(20_261_126)
  const today = dayIndex(chinaDay(new Date().toISOString()))
  const siteWeight = [5, 3, 2, 4, 2, 1, 3, 2, 4, 3, 2]
  const appWeight = [5, 3, 4, 2, 1]
  const appTotal = appWeight.reduce((a, b) => a + b, 0)
  const out: MockSession[] = []
  for (let d = today - STAT_HISTORY_DAYS + 1; d <= today; d++) {
    const weekday = (((d + 3) % 7) + 7) % 7 // 0 = Monday
    const weekend = weekday >= 5 ? 1.8 : 1
    const growth = 0.5 + (d - (today - STAT_HISTORY_DAYS)) / STAT_HISTORY_DAYS
    STAT_SITES.forEach((_, site) => {
      const mean = siteWeight[site]! * 0.55 * weekend * growth
      const n = Math.floor(mean + rand() * mean)
      for (let i = 0; i < n; i++) {
        let r = rand() * appTotal
        let app = 0
        while (r >= appWeight[app]! && app < appWeight.length - 1) r -= appWeight[app++]!
        const a = adminApps[app]!
        const players = a.min_players + Math.floor(rand() * (a.max_players - a.min_players + 1))
        out.push({ day: d, site, app, players })
      }
    })
  }
  return out
}

function priceFen(price: string): number {
  return fenOf(price)
}

/** The step of the site series: by day up to two months, by week up to half a year, else by month. */
function statGranularity(days: number): Granularity {
  return days <= 62 ? 'day' : days <= 183 ? 'week' : 'month'
}

function statBucket(day: number, g: Granularity): string {
  if (g === 'day') return dayText(day)
  if (g === 'week') return dayText(day - ((((day + 3) % 7) + 7) % 7))
  return `${dayText(day).slice(0, 7)}-01`
}

function checkStatisticsQuery(q: StatisticsQuery): { from: number; to: number } {
  const valid = (s: unknown) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))
  if (!valid(q.from)) fail('VALIDATION_FAILED', '开始日期格式不正确', 'Invalid start date', { fields: { from: '日期格式不正确' } })
  if (!valid(q.to)) fail('VALIDATION_FAILED', '结束日期格式不正确', 'Invalid end date', { fields: { to: '日期格式不正确' } })
  const from = dayIndex(q.from)
  const to = dayIndex(q.to)
  if (from > to) fail('VALIDATION_FAILED', '开始日期不能晚于结束日期', 'The start date is after the end date', { field: 'from' })
  if (to - from + 1 > STAT_MAX_DAYS) {
    fail('VALIDATION_FAILED', `日期范围不能超过 ${STAT_MAX_DAYS} 天`, `At most ${STAT_MAX_DAYS} days`, { field: 'to' })
  }
  return { from, to }
}

function statistics(q: StatisticsQuery): Statistics {
  const range = checkStatisticsQuery(q)
  statSessions ??= buildSessions()
  const g = statGranularity(range.to - range.from + 1)
  const rows = statSessions.filter((s) => s.day >= range.from && s.day <= range.to)
  const fenOfSession = (s: MockSession) => priceFen(adminApps[s.app]!.unit_price) * s.players

  type Acc = { sessions: number; players: number; fen: number }
  const acc = (): Acc => ({ sessions: 0, players: 0, fen: 0 })
  const add = (a: Acc, s: MockSession) => {
    a.sessions += 1
    a.players += s.players
    a.fen += fenOfSession(s)
  }
  const total = acc()
  const byApp = new Map<number, Acc>()
  const byPlayers = new Map<number, Acc>()
  const byAppPlayers = new Map<string, number>()
  const bySite = new Map<number, Acc>()
  const bySiteBucket = new Map<number, Map<string, Acc>>()
  const byOperator = new Map<number, Acc>()
  const byOperatorApp = new Map<string, Acc>()
  const get = <K,>(m: Map<K, Acc>, k: K): Acc => {
    let a = m.get(k)
    if (!a) m.set(k, (a = acc()))
    return a
  }
  for (const s of rows) {
    const op = STAT_SITES[s.site]!.operator
    add(total, s)
    add(get(byApp, s.app), s)
    add(get(byPlayers, s.players), s)
    byAppPlayers.set(`${s.app}:${s.players}`, (byAppPlayers.get(`${s.app}:${s.players}`) ?? 0) + 1)
    add(get(bySite, s.site), s)
    let buckets = bySiteBucket.get(s.site)
    if (!buckets) bySiteBucket.set(s.site, (buckets = new Map()))
    add(get(buckets, statBucket(s.day, g)), s)
    add(get(byOperator, op), s)
    add(get(byOperatorApp, `${op}:${s.app}`), s)
  }
  const byRevenue = <K,>(m: Map<K, Acc>) => [...m.entries()].sort((a, b) => b[1].fen - a[1].fen || b[1].sessions - a[1].sessions)
  const topOperators = byRevenue(byOperator).slice(0, 10)
  return {
    from: q.from,
    to: q.to,
    granularity: g,
    totals: {
      operators: adminOperators.filter((o) => o.status === 'active').length,
      active_operators: byOperator.size,
      sessions: total.sessions,
      players: total.players,
      revenue: fenText(total.fen),
    },
    apps: byRevenue(byApp).map(([i, a]) => ({
      application_id: adminApps[i]!.id,
      code: adminApps[i]!.code,
      name: adminApps[i]!.name,
      sessions: a.sessions,
      players: a.players,
      revenue: fenText(a.fen),
    })),
    player_counts: [...byPlayers.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([n, a]) => ({ player_count: n, sessions: a.sessions, revenue: fenText(a.fen) })),
    app_players: [...byAppPlayers.entries()].map(([k, sessions]) => {
      const [app, players] = k.split(':').map(Number)
      return { application_id: adminApps[app!]!.id, player_count: players!, sessions }
    }),
    sites: byRevenue(bySite)
      .slice(0, 8)
      .map(([i, a]) => {
        const site = STAT_SITES[i]!
        const op = adminOperators[site.operator - 1]!
        return {
          site_id: site.id,
          site_name: site.name,
          operator_id: op.id,
          operator_name: op.display_name,
          sessions: a.sessions,
          revenue: fenText(a.fen),
          points: [...(bySiteBucket.get(i) ?? new Map<string, Acc>()).entries()]
            .sort((x, y) => x[0].localeCompare(y[0]))
            .map(([bucket, b]) => ({ bucket, sessions: b.sessions, revenue: fenText(b.fen) })),
        }
      }),
    operators: topOperators.map(([n, a]) => {
      const op = adminOperators[n - 1]!
      return { operator_id: op.id, username: op.username, name: op.display_name, sessions: a.sessions, revenue: fenText(a.fen) }
    }),
    operator_apps: [...byOperatorApp.entries()]
      .filter(([k]) => topOperators.some(([n]) => k.startsWith(`${n}:`)))
      .map(([k, a]) => {
        const [op, app] = k.split(':').map(Number)
        return {
          operator_id: adminOperators[op! - 1]!.id,
          application_id: adminApps[app!]!.id,
          sessions: a.sessions,
          revenue: fenText(a.fen),
        }
      }),
  }
}

async function exportStatistics(q: StatisticsQuery): Promise<ExportReport | null> {
  const s = statistics(q)
  await sleep(flag('slow') ? 800 : 100) // the save dialog
  if (flag('exportcancel')) return null
  await sleep(flag('slow') ? 1200 : 150)
  requireServer()
  if (flag('exportfail')) fail('INTERNAL_ERROR', '写入文件失败：磁盘空间不足', 'Could not write the file: disk full')
  const rows =
    1 + s.apps.length + s.player_counts.length + s.app_players.length + s.sites.length + s.operators.length + s.operator_apps.length
  return { path: `/Users/uat_admin/Documents/统计分析_${q.from}_${q.to}.xlsx`, rows }
}

// ----- 员工账号 (super admin only), "on the server" -----

const STAFF_ROLE_LIST: readonly Role[] = ['super_admin', 'admin', 'accountant', 'manager', 'auditor', 'analyst']
const FINANCE_ROLES: readonly Role[] = ['accountant', 'manager', 'auditor']

function staffOf(a: { user: UserInfo }, createdDaysAgo: number, lastLoginMinutesAgo: number | null, status = 'active'): StaffAccount {
  return {
    id: a.user.id,
    username: a.user.username,
    display_name: a.user.display_name,
    role: a.user.role,
    status,
    created_at: isoMinutesAgo(60 * 24 * createdDaysAgo),
    last_login_at: lastLoginMinutesAgo === null ? null : isoMinutesAgo(lastLoginMinutesAgo),
  }
}
function extraStaff(n: number, username: string, display_name: string, role: Role): { user: UserInfo } {
  return { user: { id: `0193a1f0-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`, username, display_name, role } }
}
const staffAccounts: StaffAccount[] = [
  staffOf(ACCOUNTS.uat_admin!, 400, 5),
  staffOf(extraStaff(11, 'ops_liming', '李明', 'admin'), 210, 60 * 26),
  staffOf(ACCOUNTS.uat_analyst!, 120, 60 * 50),
  staffOf(ACCOUNTS.uat_finance!, 380, 60 * 3),
  staffOf(extraStaff(12, 'fin_wangfang', '王芳', 'accountant'), 150, 60 * 24 * 4),
  staffOf(extraStaff(13, 'audit_chengang', '陈刚', 'auditor'), 90, null, 'disabled'),
]
/** Passwords that differ from the demo one (staff created or reset here). */
const staffPasswords = new Map<string, string>()

function requireSuperAdmin(): SessionInfo {
  const s = requireSession('admin')
  if (s.user.role !== 'super_admin') fail('FORBIDDEN', '当前账号无权执行此操作', 'This account may not do that')
  return s
}

function findStaff(id: unknown): StaffAccount {
  const a = staffAccounts.find((x) => x.id === id)
  if (!a) fail('NOT_FOUND', '员工账号不存在', 'No such staff account')
  return a
}

function checkStaffPassword(password: unknown): string {
  const p = String(password ?? '')
  if (!([...p].length >= 8 && [...p].length <= 64 && /[A-Za-z]/.test(p) && /[0-9]/.test(p))) {
    fail('WEAK_PASSWORD', '密码须为 8-64 位，且同时包含字母和数字', 'The password needs 8–64 characters with letters and digits', { field: 'password' })
  }
  return p
}

function usernameTaken(username: string): boolean {
  const u = username.toLowerCase()
  return (
    Object.keys(ACCOUNTS).some((k) => k.toLowerCase() === u) ||
    staffAccounts.some((a) => a.username.toLowerCase() === u) ||
    adminOperators.some((o) => o.username.toLowerCase() === u)
  )
}

function createStaff(input: CreateStaffRequest): StaffAccount {
  const username = String(input.username ?? '')
  if (!/^[A-Za-z][A-Za-z0-9_]{2,31}$/.test(username)) {
    fail('VALIDATION_FAILED', '用户名须为 3-32 位字母、数字或下划线，并以字母开头', 'The username needs 3–32 letters, digits or underscores, starting with a letter', { field: 'username' })
  }
  const name = String(input.display_name ?? '').trim()
  if (!name || [...name].length > 64) {
    fail('VALIDATION_FAILED', '请输入姓名（最多 64 个字符）', 'A name is required (at most 64 characters)', { fields: { display_name: '请输入姓名（最多 64 个字符）' } })
  }
  if (!STAFF_ROLE_LIST.includes(input.role)) fail('VALIDATION_FAILED', '角色不正确', 'Unknown role', { field: 'role' })
  const password = checkStaffPassword(input.password)
  if (usernameTaken(username)) fail('USERNAME_TAKEN', '用户名已被占用', 'That username is taken', { field: 'username' })
  const account: StaffAccount = {
    id: crypto.randomUUID(),
    username,
    display_name: name,
    role: input.role,
    status: 'active',
    created_at: new Date().toISOString(),
    last_login_at: null,
  }
  staffAccounts.push(account)
  staffPasswords.set(username, password)
  ACCOUNTS[username] = {
    workspace: FINANCE_ROLES.includes(input.role) ? 'finance' : 'admin',
    user: { id: account.id, username, display_name: name, role: input.role },
  }
  return { ...account }
}

function setStaffDisabled(id: unknown, disabled: boolean): StaffAccount {
  const me = requireSuperAdmin()
  const a = findStaff(id)
  if (disabled && a.id === me.user.id) fail('SELF_ACTION_FORBIDDEN', '不能停用自己的账号', 'You cannot disable your own account')
  // like the server: nobody disables themselves, so an enabled super admin always remains
  a.status = disabled ? 'disabled' : 'active'
  if (disabled) {
    // its sessions end at once
    for (const ws of Object.keys(state.sessions) as Workspace[]) {
      if (state.sessions[ws]?.user.id === a.id) delete state.sessions[ws]
    }
    persist()
  }
  return { ...a }
}

// ----- 运营商管理: create / edit / lock / unlock, "on the server" -----

/** The server's answer about an operator (exported: unit tests answer with it too). */
export function profileOf(o: OperatorAccountRow): OperatorProfile {
  return {
    id: o.id,
    username: o.username,
    display_name: o.display_name,
    contact_name: o.contact_name,
    phone: o.phone,
    email: o.email,
    tier: o.tier,
    status: o.status,
    balance: o.balance,
    is_locked: o.is_locked,
    api_key_masked: maskKey(o.api_key_last4),
    created_at: o.created_at,
  }
}

/** The server's checks of the operator fields, with its messages (details.fields). */
function checkOperatorFields(input: UpdateOperatorRequest): UpdateOperatorRequest {
  const fields: Record<string, string> = {}
  const display_name = String(input.display_name ?? '').trim()
  if (!display_name || [...display_name].length > 64) fields.display_name = '请输入公司或场馆名称（最多 64 个字符）'
  const contact = String(input.contact_name ?? '').trim()
  if ([...contact].length > 64) fields.contact_name = '联系人姓名不能超过 64 个字符'
  const phone = String(input.phone ?? '').trim()
  if (!/^1[3-9][0-9]{9}$/.test(phone) && !/^0[0-9-]{9,13}$/.test(phone)) fields.phone = '手机号或座机号格式不正确'
  const email = String(input.email ?? '').trim()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fields.email = '请输入有效的邮箱地址'
  if (!TIERS.includes(input.tier)) fields.tier = '运营商等级不正确'
  if (Object.keys(fields).length > 0) {
    fail('VALIDATION_FAILED', Object.values(fields)[0]!, 'Some fields are invalid', { fields })
  }
  return { display_name, contact_name: contact || undefined, phone, email, tier: input.tier }
}

function createOperator(input: CreateOperatorRequest): RegisterOperatorResponse {
  const username = String(input.username ?? '')
  if (!/^[A-Za-z][A-Za-z0-9_]{2,31}$/.test(username)) {
    fail('VALIDATION_FAILED', '用户名须为 3-32 位字母、数字或下划线，并以字母开头', 'The username needs 3–32 letters, digits or underscores, starting with a letter', { field: 'username' })
  }
  checkStaffPassword(input.password)
  const fields = checkOperatorFields(input)
  if (usernameTaken(username)) fail('USERNAME_TAKEN', '用户名已被占用', 'That username is taken', { field: 'username' })
  const key = randomKey()
  const now = new Date().toISOString()
  const row: OperatorAccountRow = {
    id: crypto.randomUUID(),
    username,
    display_name: fields.display_name,
    contact_name: fields.contact_name ?? null,
    phone: fields.phone,
    email: fields.email,
    tier: fields.tier,
    status: 'active',
    balance: '0.00',
    is_locked: false,
    locked_reason: null,
    locked_at: null,
    api_key_last4: key.slice(-4),
    closed_at: null,
    created_at: now,
    updated_at: now,
  }
  adminOperators.push(row)
  apiKeys.set(row.id, key)
  return { operator: profileOf(row), api_key: key }
}

function updateOperator(id: unknown, input: UpdateOperatorRequest): OperatorProfile {
  const op = findOperator(id)
  if (op.status !== 'active') fail('CONFLICT', '该运营商账户已注销，不能修改', 'The operator account is closed')
  const fields = checkOperatorFields(input)
  Object.assign(op, { ...fields, contact_name: fields.contact_name ?? null, updated_at: new Date().toISOString() })
  return profileOf(op)
}

function setOperatorLocked(id: unknown, locked: boolean, reason: unknown): OperatorProfile {
  const op = findOperator(id)
  const why = checkReason(reason)
  if (op.status !== 'active') fail('CONFLICT', '该运营商账户已注销', 'The operator account is closed')
  if (op.is_locked === locked) {
    fail('CONFLICT', locked ? '该运营商已处于锁定状态' : '该运营商未被锁定', locked ? 'The operator is already locked' : 'The operator is not locked')
  }
  const now = new Date().toISOString()
  Object.assign(op, {
    is_locked: locked,
    locked_reason: locked ? why : null,
    locked_at: locked ? now : null,
    updated_at: now,
  })
  return profileOf(op)
}

async function adminHandle(cmd: string, p: Record<string, unknown>): Promise<unknown> {
  requireSession('admin')
  if (flag('slow')) await sleep(1200)
  switch (cmd) {
    case 'admin_authorizations': {
      const q = p.query as AuthorizationQuery
      checkPage(q.offset, q.limit, 200)
      const now = Date.now()
      const rows = adminAuths
        .filter((a) => {
          const s = authState(a, now)
          if (q.operator_id && a.operator_id !== q.operator_id) return false
          if (q.application_id && a.application_id !== q.application_id) return false
          if (q.state && s !== q.state) return false
          if (q.expiring_within_days) {
            if (s !== 'active' || !a.expires_at) return false
            if (Date.parse(a.expires_at) > now + q.expiring_within_days * 86_400_000) return false
          }
          return true
        })
        .sort((a, b) => b.granted_at.localeCompare(a.granted_at) || a.id.localeCompare(b.id))
      const states = adminAuths.map((a) => [authState(a, now), a] as const)
      const page: AuthorizationPage = {
        items: rows.slice(q.offset, q.offset + q.limit).map(authView),
        total: rows.length,
        counts: {
          active: states.filter(([s]) => s === 'active').length,
          expired: states.filter(([s]) => s === 'expired').length,
          revoked: states.filter(([s]) => s === 'revoked').length,
          expiring_soon: states.filter(
            ([s, a]) => s === 'active' && !!a.expires_at && Date.parse(a.expires_at) <= now + 7 * 86_400_000,
          ).length,
        },
      }
      return page
    }
    case 'admin_authorization_grant': {
      requireDecider()
      const args = p.args as GrantInput
      const op = adminOperators.find((o) => o.id === args.operator_id)
      if (!op) fail('NOT_FOUND', '运营商不存在', 'No such operator')
      if (op.status !== 'active') fail('VALIDATION_FAILED', '该运营商账户已注销', 'The operator account is closed', { field: 'operator_id' })
      const ap = adminApps.find((a) => a.id === args.application_id)
      if (!ap) fail('NOT_FOUND', '应用不存在', 'No such application')
      if (!ap.is_active) fail('VALIDATION_FAILED', '该应用已下架', 'The application is unlisted', { field: 'application_id' })
      const expires = checkExpiry(args.expires_at)
      checkNoActive(op.id, ap.id)
      const row: MockAuthorization = {
        id: crypto.randomUUID(),
        operator_id: op.id,
        application_id: ap.id,
        status: 'active',
        expires_at: expires,
        granted_by_name: requireSession('admin').user.display_name,
        granted_at: new Date().toISOString(),
        request_id: null,
        revoked_by_name: null,
        revoked_at: null,
        revoke_reason: null,
        pending: true,
      }
      adminAuths.push(row)
      adminQueued()
      return authView(row)
    }
    case 'admin_authorization_revoke': {
      requireDecider()
      const a = adminAuths.find((x) => x.id === p.authorizationId)
      if (!a) fail('NOT_FOUND', '授权不存在', 'No such authorization')
      if (a.status === 'revoked') fail('AUTHORIZATION_NOT_ACTIVE', '该授权已被撤销', 'The authorization is already revoked')
      const reason = checkReason(p.reason)
      Object.assign(a, {
        status: 'revoked',
        revoked_by_name: requireSession('admin').user.display_name,
        revoked_at: new Date().toISOString(),
        revoke_reason: reason,
        pending: true,
      })
      adminQueued()
      return null
    }
    case 'admin_requests': {
      const q = p.query as RequestQuery
      checkPage(q.offset, q.limit, 200)
      if (q.status !== null && !['pending', 'approved', 'rejected', 'withdrawn'].includes(q.status)) {
        fail('VALIDATION_FAILED', '状态参数不正确', 'Unknown status', { field: 'status' })
      }
      const rows = adminRequests
        // a decision queued here shows on its row, which stays under its tab until synced
        .filter((r) => q.status === null || (r.mirror_status ?? r.status) === q.status)
        .sort((a, b) =>
          q.status === 'pending' ? a.created_at.localeCompare(b.created_at) : b.created_at.localeCompare(a.created_at),
        )
      const page: RequestPage = {
        items: rows.slice(q.offset, q.offset + q.limit).map(requestView),
        total: rows.length,
        awaiting: awaitingRequests(),
      }
      return page
    }
    case 'admin_request_approve':
    case 'admin_request_reject': {
      requireDecider()
      const r = adminRequests.find((x) => x.id === p.requestId)
      if (!r) fail('NOT_FOUND', '申请不存在', 'No such request')
      if (r.status !== 'pending') {
        fail('REQUEST_ALREADY_DECIDED', '该申请已被处理', 'The request has already been decided')
      }
      const me = requireSession('admin').user.display_name
      const now = new Date().toISOString()
      if (cmd === 'admin_request_reject') {
        const reason = checkReason(p.reason)
        r.mirror_status = r.status
        Object.assign(r, { status: 'rejected', decided_by_name: me, decided_at: now, decision_note: reason, pending: true })
        adminQueued()
        return null
      }
      const expires = checkExpiry(p.expiresAt)
      checkNoActive(r.operator_id, r.application_id)
      const id = crypto.randomUUID()
      adminAuths.push({
        id,
        operator_id: r.operator_id,
        application_id: r.application_id,
        status: 'active',
        expires_at: expires,
        granted_by_name: me,
        granted_at: now,
        request_id: r.id,
        revoked_by_name: null,
        revoked_at: null,
        revoke_reason: null,
        pending: true,
      })
      r.mirror_status = r.status
      Object.assign(r, { status: 'approved', decided_by_name: me, decided_at: now, approved_expires_at: expires, pending: true })
      adminQueued()
      return id
    }
    case 'admin_operators':
      return operatorPage(p.query as OperatorQuery)
    case 'admin_operator_options': {
      const page = operatorPage({
        search: String(p.search ?? ''),
        tier: null,
        locked: null,
        include_closed: false,
        sort: 'username',
        descending: false,
        offset: 0,
        limit: 20,
      })
      const options: OperatorOption[] = page.items.map((o) => ({
        id: o.id,
        username: o.username,
        display_name: o.display_name,
        tier: o.tier,
        is_locked: o.is_locked,
      }))
      return options
    }
    case 'admin_applications':
      return [...adminApps].sort((a, b) => a.name.localeCompare(b.name)).map(appRow)
    case 'admin_application_list':
      return [...adminApps].sort((a, b) => a.name.localeCompare(b.name)).map((a) => ({ ...a }))
    case 'admin_application_detail': {
      const a = findApp(p.applicationId)
      const detail: ApplicationDetail = {
        application: { ...a },
        // newest first; the order they were recorded in breaks ties
        prices: adminPrices
          .map((x, i) => [x, i] as const)
          .filter(([x]) => x.application_id === a.id)
          .sort(([x, i], [y, j]) => y.changed_at.localeCompare(x.changed_at) || j - i)
          .map(([x]) => ({ ...x })),
        active_authorizations: adminAuths.filter((x) => x.application_id === a.id && authState(x) === 'active').length,
      }
      return detail
    }
    case 'admin_application_create': {
      requireDecider()
      const args = checkApplication(p.args as ApplicationInput, true)
      if (adminApps.some((a) => a.code === args.code)) {
        fail('APPLICATION_CODE_TAKEN', '该应用代码已被使用', 'That code is already in use', { field: 'code' })
      }
      const now = new Date().toISOString()
      const row: MockApp = {
        id: crypto.randomUUID(),
        code: args.code,
        name: args.name,
        description: args.description,
        unit_price: args.unit_price,
        min_players: args.min_players,
        max_players: args.max_players,
        is_active: true,
        created_at: now,
        updated_at: now,
        pending: true,
      }
      adminApps.push(row)
      adminPrices.push(priceRow(row, null, row.unit_price, now, true))
      adminQueued()
      return { ...row }
    }
    case 'admin_application_update': {
      requireDecider()
      const a = findApp(p.applicationId)
      const args = checkApplication(p.args as ApplicationInput, false)
      const now = new Date().toISOString()
      if (args.unit_price !== a.unit_price) adminPrices.push(priceRow(a, a.unit_price, args.unit_price, now, true))
      Object.assign(a, {
        name: args.name,
        description: args.description,
        unit_price: args.unit_price,
        min_players: args.min_players,
        max_players: args.max_players,
        updated_at: now,
        pending: true,
      })
      adminQueued()
      return { ...a }
    }
    case 'admin_application_set_active': {
      requireDecider()
      const a = findApp(p.applicationId)
      Object.assign(a, { is_active: p.active === true, updated_at: new Date().toISOString(), pending: true })
      adminQueued()
      return { ...a }
    }
    case 'admin_announcements':
      return [...adminAnnouncements]
        .sort((a, b) => b.published_at.localeCompare(a.published_at) || b.id.localeCompare(a.id))
        .map((a) => ({ ...a }))
    case 'admin_announcement_publish':
      requireDecider()
      return publishAnnouncement(p.args as AnnouncementInput)
    case 'admin_api_key_reveal':
      requireDecider()
      await sleep(flag('slow') ? 800 : 150)
      requireServer()
      return revealKey(p.operatorId)
    case 'admin_api_key_reset':
      requireDecider()
      await sleep(flag('slow') ? 800 : 150)
      requireServer()
      return resetKey(p.operatorId)
    case 'admin_alert_ack': {
      requireDecider()
      await sleep(150)
      requireServer()
      const i = ADMIN.alerts.findIndex((a) => a.id === p.id)
      if (i >= 0) ADMIN.alerts.splice(i, 1)
      return null
    }
    case 'admin_transactions': {
      requireTransactionViewer()
      await sleep(flag('slow') ? 0 : 120) // a round trip to the server
      requireServer()
      return transactionPage(p.query as TransactionQuery)
    }
    case 'admin_transactions_export': {
      requireTransactionViewer()
      requireServer()
      const format = p.format as ExportFormat
      if (format !== 'xlsx' && format !== 'csv') fail('VALIDATION_FAILED', '导出格式不正确', 'Unknown export format', { field: 'format' })
      return exportTransactions(p.query as TransactionQuery, format)
    }
    case 'admin_statistics': {
      // every admin-workspace role may read the statistics (an analyst sees nothing else)
      await sleep(flag('slow') ? 1500 : 150) // a round trip, and the server's aggregation
      requireServer()
      return statistics(p.query as StatisticsQuery)
    }
    case 'admin_statistics_export':
      requireServer()
      return exportStatistics(p.query as StatisticsQuery)
    case 'admin_staff_list':
      requireSuperAdmin()
      await sleep(flag('slow') ? 0 : 100)
      requireServer()
      return staffAccounts.map((a) => ({ ...a }))
    case 'admin_staff_create':
      requireSuperAdmin()
      await sleep(150)
      requireServer()
      return createStaff(p.input as CreateStaffRequest)
    case 'admin_staff_reset_password': {
      requireSuperAdmin()
      await sleep(150)
      requireServer()
      const a = findStaff(p.id)
      staffPasswords.set(a.username, checkStaffPassword(p.password))
      return { ...a }
    }
    case 'admin_staff_set_disabled':
      requireSuperAdmin()
      await sleep(150)
      requireServer()
      return setStaffDisabled(p.id, p.disabled === true)
    case 'admin_operator_create':
      requireDecider()
      await sleep(200)
      requireServer()
      return createOperator(p.input as CreateOperatorRequest)
    case 'admin_operator_update':
      requireDecider()
      await sleep(150)
      requireServer()
      return updateOperator(p.id, p.input as UpdateOperatorRequest)
    case 'admin_operator_lock':
    case 'admin_operator_unlock':
      requireDecider()
      await sleep(150)
      requireServer()
      return setOperatorLocked(p.id, cmd === 'admin_operator_lock', p.reason)
    default:
      return undefined
  }
}

type Payload = Record<string, unknown> | undefined

async function handle(cmd: string, payload: Payload): Promise<unknown> {
  const p = payload ?? {}
  switch (cmd) {
    case 'settings_get':
      return { ...state.settings }
    case 'settings_set': {
      state.settings = { ...(p.args as AppSettings) }
      persist()
      return { ...state.settings }
    }
    case 'server_check': {
      await sleep(400)
      const url = String(p.serverUrl ?? '')
      if (flag('offline') || !/^https?:\/\/[^\s]+$/.test(url)) {
        const r: ServerCheck = {
          reachable: false,
          latency_ms: 0,
          message: en()
            ? `Cannot connect to ${url}: connection refused`
            : `无法连接服务器 ${url}：连接被拒绝`,
        }
        return r
      }
      const r: ServerCheck = { reachable: true, version: '0.1.0', latency_ms: 12 }
      return r
    }
    case 'workspace_open': {
      const ws = p.workspace as Workspace
      window.open(`${window.location.pathname}${window.location.search}#/ws/${ws}`, `mr-${ws}`)
      return null
    }
    case 'session_get':
      return state.sessions[p.workspace as Workspace] ?? null
    case 'auth_login': {
      await sleep(500)
      const args = p.args as LoginArgs
      const account = ACCOUNTS[args.username]
      if (!account || args.password !== (staffPasswords.get(args.username) ?? PASSWORD)) {
        fail('INVALID_CREDENTIALS', '用户名或密码错误', 'Wrong username or password')
      }
      if (staffAccounts.some((a) => a.username === args.username && a.status === 'disabled')) {
        fail('ACCOUNT_DISABLED', '该账号已被停用', 'This account has been disabled')
      }
      if (account.workspace !== args.workspace) {
        fail('WRONG_WORKSPACE', '该账号无权登录此工作台', 'This account cannot sign in to this workspace')
      }
      const s = sessionFor(args.username)
      state.sessions[args.workspace] = s
      persist()
      startInitialSync()
      return s
    }
    case 'auth_logout': {
      const args = p.args as LogoutArgs
      delete state.sessions[args.workspace]
      persist()
      return null
    }
    case 'operator_register': {
      await sleep(600)
      const args = p.args as RegisterOperatorRequest
      if (ACCOUNTS[args.username]) fail('USERNAME_TAKEN', '用户名已被占用', 'That username is taken')
      const res: RegisterOperatorResponse = {
        api_key: randomKey(),
        operator: {
          ...operatorHome().profile,
          id: crypto.randomUUID(),
          username: args.username,
          display_name: args.display_name,
          contact_name: args.contact_name ?? null,
          phone: args.phone,
          email: args.email,
          tier: 'trial',
          balance: '0.00',
          created_at: new Date().toISOString(),
        },
      }
      return res
    }
    case 'connection_state': {
      const online = !flag('offline')
      if (online) state.lastOnlineAt = new Date().toISOString()
      const r: ConnectionState = {
        online,
        last_online_at: state.lastOnlineAt,
        checked_at: new Date().toISOString(),
      }
      return r
    }
    case 'operator_home':
    case 'admin_overview':
    case 'finance_overview': {
      const ws: Workspace = cmd === 'operator_home' ? 'operator' : cmd === 'admin_overview' ? 'admin' : 'finance'
      requireSession(ws)
      await sleep(flag('slow') ? 2000 : 300)
      if (flag('fail')) fail('SERVER_UNREACHABLE', '无法连接服务器，且本机暂无缓存数据', 'Server unreachable and nothing cached yet')
      if (ws === 'operator') return operatorHome()
      if (ws === 'admin') return { ...ADMIN, pending_requests: awaitingRequests(), alerts_open: ADMIN.alerts.length }
      return financeOverview()
    }
    case 'operator_sites':
      requireSession('operator')
      return [...sites].sort((a, b) => b.created_at.localeCompare(a.created_at))
    case 'operator_site_create': {
      const s = siteFrom(p.args as SiteInput)
      sites.push(s)
      queued()
      return s
    }
    case 'operator_site_update': {
      const old = findSite(p.siteId)
      const s = siteFrom(p.args as SiteInput, old)
      sites.splice(sites.indexOf(old), 1, s)
      queued()
      return s
    }
    case 'operator_site_delete': {
      sites.splice(sites.indexOf(findSite(p.siteId)), 1)
      queued()
      return null
    }
    case 'operator_message_page': {
      requireSession('operator')
      const q = p.query as MessageQuery
      if (!(q.limit >= 1 && q.limit <= 200) || q.offset < 0) {
        fail('VALIDATION_FAILED', '分页参数超出范围', 'Page out of range', { field: 'limit' })
      }
      const newest = [...messages].sort((a, b) => b.created_at.localeCompare(a.created_at))
      const matching = q.unread_only ? newest.filter((m) => !m.is_read) : newest
      const page: MessagePage = {
        items: matching.slice(q.offset, q.offset + q.limit).map((m) => ({ ...m })),
        total: matching.length,
        unread: unreadMessages(),
      }
      return page
    }
    case 'operator_unread_count':
      requireSession('operator')
      return unreadMessages()
    case 'operator_messages_read_all': {
      // like the core: one queued mark-read per unread message; returns how many
      requireSession('operator')
      const now = new Date().toISOString()
      let count = 0
      for (const m of messages) {
        if (m.is_read) continue
        Object.assign(m, { is_read: true, read_at: now, pending: true })
        queued()
        count += 1
      }
      return count
    }
    case 'operator_message_read': {
      const m = messages.find((x) => x.id === p.messageId)
      if (!m) fail('NOT_FOUND', '消息不存在', 'No such message')
      if (!m.is_read) {
        m.is_read = true
        m.read_at = new Date().toISOString()
        m.pending = true
        queued()
      }
      return { ...m }
    }
    case 'operator_profile':
      requireSession('operator')
      return { profile: { ...profile, balance: fenText(walletFen) }, pending: profilePending }
    case 'operator_profile_update': {
      const f = p.args as ProfileFields
      Object.assign(profile, { display_name: f.display_name, contact_name: f.contact_name ?? null, phone: f.phone, email: f.email })
      profilePending = true
      queued()
      return { profile: { ...profile }, pending: true }
    }
    case 'operator_recharge_options':
      requireSession('operator')
      await sleep(flag('slow') ? 1200 : 120) // a round trip to the server
      requireServer()
      return rechargeOptions()
    case 'operator_recharge_create':
      return createRecharge(p.args as CreateRecharge)
    case 'operator_wallet':
      requireSession('operator')
      return operatorWallet()
    case 'operator_recharge_sandbox_pay':
      await sandboxPay(p.orderId)
      return null
    case 'operator_ledger':
      requireSession('operator')
      return operatorLedgerPage(p.query as TransactionQuery)
    case 'operator_ledger_export': {
      requireSession('operator')
      const q = p.query as TransactionQuery
      const format = p.format as ExportFormat
      if (format !== 'xlsx' && format !== 'csv') fail('VALIDATION_FAILED', '导出格式不正确', 'Unknown export format', { field: 'format' })
      checkTransactionQuery(q)
      return writeLedgerExport(
        () => matchingLedger({ ...q, operator_id: null, until: null, offset: 0 }, operatorLedger),
        format,
        'uat_operator',
        false,
      )
    }
    case 'sync_status': {
      // Every workspace syncs its own scope; only the operator pages queue changes here.
      const ws = p.workspace as Workspace
      requireSession(ws)
      const op = ws === 'operator'
      // an order closed on the server (its time ran out) arrives with a pull
      if (op && !flag('offline') && expireOrders()) lastSyncedAt = new Date().toISOString()
      const offline = flag('offline')
      const r: SyncStatus = {
        online: !offline,
        pending: op ? pendingCount : ws === 'admin' ? adminPendingCount : 0,
        // an initial sync (known total) means this cache never caught up yet
        last_synced_at: sync.progress && sync.progress.total !== null ? null : lastSyncedAt,
        last_error: sync.updateRequired
          ? protocolError()
          : offline
            ? { code: 'SERVER_UNREACHABLE', message: en() ? 'Cannot reach the server' : '无法连接服务器', details: {} }
            : null,
        conflicts: op ? conflicts.filter((c) => !c.dismissed_at).length : 0,
        update_required: sync.updateRequired,
        progress: sync.progress ? { ...sync.progress } : null,
      }
      return r
    }
    case 'sync_now': {
      await sleep(600)
      if (flag('offline')) fail('SERVER_UNREACHABLE', '无法连接服务器', 'Cannot reach the server')
      if (sync.updateRequired) throw protocolError()
      if (p.workspace === 'operator') settleAll()
      else if (p.workspace === 'admin') settleAdmin()
      else lastSyncedAt = new Date().toISOString()
      return { pushed: 0, accepted: 0, rejected: 0, pages: 1, changes: 0, rebootstrapped: false, up_to_date: true, awaiting_pull: 0 }
    }
    case 'sync_rebuild':
      await sleep(600)
      if (sync.updateRequired) throw protocolError()
      if (p.workspace === 'operator') settleAll()
      else lastSyncedAt = new Date().toISOString()
      return { pushed: 0, accepted: 0, rejected: 0, pages: 1, changes: 0, rebootstrapped: true, up_to_date: true, awaiting_pull: 0 }
    case 'sync_conflicts':
      return p.workspace === 'operator' ? conflicts.filter((c) => !c.dismissed_at) : []
    case 'sync_conflict_dismiss': {
      const c = conflicts.find((x) => x.id === p.id)
      if (c) c.dismissed_at = new Date().toISOString()
      return null
    }
    case 'sync_diagnostics': {
      const ws = p.workspace as Workspace
      return {
        device_id: '0193a1f0-0000-7000-8000-0000000000dd',
        cursor: sync.progress ? null : '1843-2211',
        outbox: Array.from({ length: ws === 'operator' ? pendingCount : 0 }, (_, i) => ({
          seq: 10 + i,
          command_id: crypto.randomUUID(),
          name: 'site.update',
          args: { name: sites[0]?.name ?? '' },
          status: 'pending',
          attempts: flag('offline') ? 3 : 0,
          last_error: flag('offline') ? 'server unreachable' : null,
          created_at: new Date().toISOString(),
        })),
        status: await handle('sync_status', { workspace: ws }),
        background_sync: true,
        live_updates: !flag('offline') && !sync.updateRequired,
        cache_file: `~/.local/share/mr-ops/cache/${ws}.sqlite`,
        mirror_counts: mirrorCounts(ws),
      }
    }
    case 'desktop_notify':
      // The browser preview has no OS notifications: as on a desktop without the service.
      return false
    case 'admin_authorizations':
    case 'admin_authorization_grant':
    case 'admin_authorization_revoke':
    case 'admin_requests':
    case 'admin_request_approve':
    case 'admin_request_reject':
    case 'admin_operators':
    case 'admin_operator_options':
    case 'admin_applications':
    case 'admin_application_list':
    case 'admin_application_detail':
    case 'admin_application_create':
    case 'admin_application_update':
    case 'admin_application_set_active':
    case 'admin_transactions':
    case 'admin_transactions_export':
    case 'admin_announcements':
    case 'admin_announcement_publish':
    case 'admin_api_key_reveal':
    case 'admin_api_key_reset':
    case 'admin_alert_ack':
    case 'admin_statistics':
    case 'admin_statistics_export':
    case 'admin_staff_list':
    case 'admin_staff_create':
    case 'admin_staff_reset_password':
    case 'admin_staff_set_disabled':
    case 'admin_operator_create':
    case 'admin_operator_update':
    case 'admin_operator_lock':
    case 'admin_operator_unlock':
      return adminHandle(cmd, p)
    default:
      console.warn('[ipc-mock] unhandled command', cmd, payload)
      return null
  }
}

export function installIpcMock(): void {
  // Events too: the export's `export-progress` reaches the page's `listen`.
  mockIPC((cmd, payload) => handle(cmd, payload as Payload), { shouldMockEvents: true })
  console.info('[ipc-mock] Tauri commands are mocked (vite --mode mock)')
}
