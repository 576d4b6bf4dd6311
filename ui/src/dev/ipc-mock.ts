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
// Demo accounts: uat_operator / uat_admin / uat_finance, password Uat@123456.
import { mockIPC } from '@tauri-apps/api/mocks'
import type { AdminOverview } from '@/api/generated/AdminOverview'
import type { AppSettings } from '@/api/generated/AppSettings'
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
import type { ErrorBody } from '@/api/generated/ErrorBody'
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
      balance: '12860.50',
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
      if (!account || args.password !== PASSWORD) {
        fail('INVALID_CREDENTIALS', '用户名或密码错误', 'Wrong username or password')
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
      if (ws === 'admin') return ADMIN
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
      return { profile: { ...profile }, pending: profilePending }
    case 'operator_profile_update': {
      const f = p.args as ProfileFields
      Object.assign(profile, { display_name: f.display_name, contact_name: f.contact_name ?? null, phone: f.phone, email: f.email })
      profilePending = true
      queued()
      return { profile: { ...profile }, pending: true }
    }
    case 'sync_status': {
      // Every workspace syncs its own scope; only the operator pages queue changes here.
      const ws = p.workspace as Workspace
      requireSession(ws)
      const op = ws === 'operator'
      const offline = flag('offline')
      const r: SyncStatus = {
        online: !offline,
        pending: op ? pendingCount : 0,
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
    default:
      console.warn('[ipc-mock] unhandled command', cmd, payload)
      return null
  }
}

export function installIpcMock(): void {
  mockIPC((cmd, payload) => handle(cmd, payload as Payload))
  console.info('[ipc-mock] Tauri commands are mocked (vite --mode mock)')
}
