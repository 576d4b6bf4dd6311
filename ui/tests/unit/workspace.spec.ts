import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { clearMocks } from '@tauri-apps/api/mocks'
import { CONNECTION_POLL_MS } from '@/composables/useConnection'
import {
  ALL_ADMIN_MENUS,
  DEFAULT_SETTINGS,
  callsOf,
  mockCommands,
  mountApp,
  session,
  settle,
  type Mounted,
} from './helpers'

let mounted: Mounted | undefined

afterEach(() => {
  mounted?.wrapper.unmount()
  mounted = undefined
  clearMocks()
  vi.useRealTimers()
  document.body.innerHTML = ''
})

const OPERATOR_HOME = {
  profile: {
    id: 'op-1',
    username: 'uat_operator',
    display_name: '星际乐园VR体验馆',
    contact_name: '王建国',
    phone: '13800138000',
    email: 'ops@xingji-vr.cn',
    tier: 'vip',
    status: 'active',
    balance: '1234567.5',
    is_locked: false,
    api_key_masked: '••••••••…a1b2',
    created_at: '2026-09-03T02:15:00Z',
  },
  month_spend: '3456',
  sessions_today: 27,
  unread_messages: 3,
  site_count: 4,
  authorized_apps: 6,
}

const FINANCE = {
  business_date: '2026-11-25',
  recharge_total: '186500.00',
  recharge_count: 42,
  consumption_total: '97342.5',
  refund_total: '3200.00',
  net_income: '-1200.00',
  pending_refunds: 2,
  pending_invoices: 5,
}

function signedIn(ws: 'operator' | 'admin' | 'finance', extra: Record<string, (p: Record<string, unknown>) => unknown> = {}) {
  return {
    settings_get: () => DEFAULT_SETTINGS,
    session_get: () => session(ws),
    connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
    operator_home: () => OPERATOR_HOME,
    finance_overview: () => FINANCE,
    admin_overview: () => ({
      operators_total: 1286,
      operators_active: 1175,
      operators_locked: 3,
      applications_active: 18,
      pending_requests: 7,
      active_authorizations: 4302,
    }),
    ...extra,
  }
}

describe('workspace home pages', () => {
  it('operator: formatted balance, tier, stats and profile', async () => {
    mockCommands(signedIn('operator'))
    mounted = await mountApp('/ws/operator/home')
    const w = mounted.wrapper
    expect(w.find('#home-operator').exists()).toBe(true)
    expect(w.find('#operator-balance').text()).toBe('¥ 1,234,567.50')
    expect(w.find('#operator-tier').text()).toBe('VIP')
    expect(w.find('#operator-month-spend').text()).toBe('¥ 3,456.00')
    expect(w.find('#operator-sessions-today').text()).toBe('27')
    expect(w.find('#operator-api-key').text()).toBe('••••••••…a1b2')
    expect(w.find('#operator-profile').text()).toContain('王建国')
    expect(w.find('#user-role').text()).toBe('运营商')
  })

  it('admin: the six counts', async () => {
    mockCommands(signedIn('admin'))
    mounted = await mountApp('/ws/admin/home')
    const w = mounted.wrapper
    expect(w.find('#admin-operators-total').text()).toBe('1,286')
    expect(w.find('#admin-pending-requests').text()).toBe('7')
    expect(w.find('#admin-active-authorizations').text()).toBe('4,302')
    expect(w.find('#ws-name').text()).toBe('管理员工作台')
  })

  it('admin: an open alert is listed until it is marked handled', async () => {
    const alert = {
      id: 'al-1',
      kind: 'abuse_lock',
      severity: 'critical',
      title: '异常请求：IP 203.0.113.45',
      body: '已自动锁定运营商：星际乐园。',
      operator_ids: ['op-1'],
      created_at: '2026-11-25T07:00:00Z',
    }
    let open = [alert]
    const calls = mockCommands(
      signedIn('admin', {
        admin_overview: () => ({
          operators_total: 1, operators_active: 1, operators_locked: 1, applications_active: 1,
          pending_requests: 0, active_authorizations: 1, alerts: open, alerts_open: open.length,
        }),
        admin_alert_ack: () => {
          open = []
          return null
        },
      }),
    )
    mounted = await mountApp('/ws/admin/home')
    const w = mounted.wrapper
    expect(w.find('#admin-alerts').text()).toContain('异常请求：IP 203.0.113.45')
    expect(w.find('#admin-alerts-open').text()).toBe('1 条未处理')
    await w.find('.admin-alert-ack').trigger('click')
    await settle()
    expect(callsOf(calls, 'admin_alert_ack').map((c) => c.payload)).toEqual([{ id: 'al-1' }])
    expect(w.find('#admin-alerts-empty').text()).toBe('暂无未处理的告警')
    expect(w.find('.admin-alert').exists()).toBe(false)
  })

  it('finance: today money as strings, including a negative net income', async () => {
    mockCommands(signedIn('finance'))
    mounted = await mountApp('/ws/finance/home')
    const w = mounted.wrapper
    expect(w.find('#finance-recharge-total').text()).toBe('¥ 186,500.00')
    expect(w.find('#finance-recharge-count').text()).toBe('共 42 笔')
    expect(w.find('#finance-consumption-total').text()).toBe('¥ 97,342.50')
    expect(w.find('#finance-net-income').text()).toBe('-¥ 1,200.00')
    expect(w.find('#home-finance').text()).toContain('2026-11-25')
    expect(w.find('#user-role').text()).toBe('财务经理')
  })

  it('a failed load shows the error with a retry that reloads', async () => {
    let attempt = 0
    const calls = mockCommands(
      signedIn('admin', {
        admin_overview: () => {
          attempt += 1
          if (attempt === 1) throw { code: 'SERVER_UNREACHABLE', message: '无法连接服务器', details: {} }
          return { operators_total: 5, operators_active: 5, operators_locked: 0, applications_active: 1, pending_requests: 0, active_authorizations: 2 }
        },
      }),
    )
    mounted = await mountApp('/ws/admin/home')
    const w = mounted.wrapper
    expect(w.find('[data-testid="page-error"]').text()).toContain('无法连接服务器')
    expect(w.find('#admin-operators-total').exists()).toBe(false)
    await w.find('#page-retry').trigger('click')
    await flushPromises()
    expect(w.find('#admin-operators-total').text()).toBe('5')
    expect(callsOf(calls, 'admin_overview')).toHaveLength(2)
  })

  it('the refresh button fetches again', async () => {
    const calls = mockCommands(signedIn('finance'))
    mounted = await mountApp('/ws/finance/home')
    await mounted.wrapper.find('#page-refresh').trigger('click')
    await flushPromises()
    expect(callsOf(calls, 'finance_overview')).toHaveLength(2)
  })

  it('a session the core no longer has sends the window back to login', async () => {
    mockCommands(
      signedIn('operator', {
        operator_home: () => {
          throw { code: 'NOT_SIGNED_IN', message: '尚未登录', details: {} }
        },
      }),
    )
    mounted = await mountApp('/ws/operator/home')
    await settle(0)
    expect(mounted.router.currentRoute.value.name).toBe('operator-login')
  })
})

describe('workspace header', () => {
  it('shows online, then offline with the last online time, polling every 10 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let online = true
    const calls = mockCommands(
      signedIn('admin', {
        connection_state: () =>
          online
            ? { online: true, checked_at: '2026-11-25T08:00:00Z' }
            : { online: false, last_online_at: '2026-11-25T07:58:00Z', checked_at: '2026-11-25T08:00:10Z' },
      }),
    )
    mounted = await mountApp('/ws/admin/home')
    const badge = () => mounted!.wrapper.find('#conn-badge')
    expect(badge().text()).toContain('在线')
    expect(badge().attributes('data-online')).toBe('true')

    online = false
    vi.advanceTimersByTime(CONNECTION_POLL_MS)
    await flushPromises()
    expect(badge().attributes('data-online')).toBe('false')
    expect(badge().text()).toContain('离线')
    expect(badge().text()).toMatch(/最后在线 2026-11-25 \d\d:58/)
    expect(callsOf(calls, 'connection_state').every((c) => c.payload.workspace === 'admin')).toBe(true)
    expect(callsOf(calls, 'connection_state')).toHaveLength(2)
  })

  it('logout asks first, passes the wipe choice and returns to login', async () => {
    const calls = mockCommands(signedIn('finance', { auth_logout: () => null }))
    mounted = await mountApp('/ws/finance/home')
    await mounted.wrapper.find('#logout-btn').trigger('click')
    await settle(0)
    expect(document.body.textContent).toContain('退出登录？')
    expect(document.body.textContent).toContain('同时清除本机缓存数据')
    const wipe = document.querySelector('#logout-wipe input[type="checkbox"]') as HTMLInputElement
    expect(wipe.checked).toBe(false)
    wipe.click()
    await settle(0)
    ;(document.querySelector('#logout-confirm') as HTMLButtonElement).click()
    await settle(0)
    expect(callsOf(calls, 'auth_logout').map((c) => c.payload)).toEqual([
      { args: { workspace: 'finance', wipe_cache: true } },
    ])
    expect(mounted.router.currentRoute.value.name).toBe('finance-login')
  })

  it('the operator sidebar lists home, recharge, transactions, sites, messages and profile', async () => {
    mockCommands(signedIn('operator'))
    mounted = await mountApp('/ws/operator/home')
    const items = mounted.wrapper.findAll('.ws-menu__item')
    expect(items.map((i) => i.text())).toEqual(['首页', '充值', '交易记录', '运营点管理', '消息中心', '账户资料'])
    expect(items.map((i) => i.attributes('id'))).toEqual([
      'menu-home',
      'menu-recharge',
      'menu-ledger',
      'menu-sites',
      'menu-messages',
      'menu-profile',
    ])
    expect(items[0]!.classes()).toContain('is-active')
  })

  it('the super admin sidebar lists every admin page, 统计分析 and 员工账号 included', async () => {
    mockCommands(signedIn('admin'))
    mounted = await mountApp('/ws/admin/home')
    const items = mounted.wrapper.findAll('.ws-menu__item')
    expect(items.map((i) => i.text())).toEqual([
      '首页',
      '运营商管理',
      '应用管理',
      '授权申请审批',
      '授权管理',
      '公告管理',
      '交易监控',
      '统计分析',
      '员工账号',
    ])
    expect(items.map((i) => i.attributes('id'))).toEqual(ALL_ADMIN_MENUS)
  })
})
