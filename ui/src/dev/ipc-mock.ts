// Browser-only stand-in for the Rust core, used by `vite --mode mock` for quick visual checks.
// Never part of a production build (main.ts imports it behind a build-time MODE check).
//
// URL switches (before the #): ?signedin=1 (every workspace starts signed in), ?offline=1
// (connection badge offline, server check fails), ?fail=1 (home data fails), ?slow=1 (2 s delay),
// ?locale=en. Demo accounts: uat_operator / uat_admin / uat_finance, password Uat@123456.
import { mockIPC } from '@tauri-apps/api/mocks'
import type { AdminOverview } from '@/api/generated/AdminOverview'
import type { AppSettings } from '@/api/generated/AppSettings'
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
    default:
      console.warn('[ipc-mock] unhandled command', cmd, payload)
      return null
  }
}

export function installIpcMock(): void {
  mockIPC((cmd, payload) => handle(cmd, payload as Payload))
  console.info('[ipc-mock] Tauri commands are mocked (vite --mode mock)')
}
