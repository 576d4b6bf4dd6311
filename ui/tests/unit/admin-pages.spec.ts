// The admin workspace's synced pages against the dev IPC mock (src/dev/ipc-mock.ts): the same
// handlers `npm run dev:mock` uses, so rows, decisions and 待同步 behave as in the core.
// Every test gets a fresh mock (its data lives in module state); the session is in localStorage.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { emit } from '@tauri-apps/api/event'
import { api, events, type ExportProgress } from '@/api/commands'
import type { ExportReport } from '@/api/generated/ExportReport'
import type { TransactionQuery } from '@/api/generated/TransactionQuery'
import { toLocalDate } from '@/utils/datetime'
import { formatMoney } from '@/utils/money'
import { expiryEndOfDay } from '@/utils/validation'
import {
  $,
  ALL_ADMIN_MENUS,
  bodyText,
  choose,
  devMockFile,
  dialogOpen,
  freshMock,
  mountApp,
  selectInput,
  settle,
  typeInto,
  unmountApps,
  type Mounted,
} from './helpers'

let mounted: Mounted | undefined

async function signIn(username = 'uat_admin'): Promise<void> {
  await api.authLogin({ workspace: 'admin', username, password: 'Uat@123456' })
}

devMockFile()

beforeEach(async () => {
  await freshMock()
  await signIn()
})

afterEach(unmountApps)

// ----- DOM helpers (dialogs and dropdowns live in <body>) -----

/** The rows of a table whose text has every one of `parts` (like the e2e XPath). */
function rowsWith(tableId: string, ...parts: string[]): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>(`#${tableId} tbody tr`)].filter((tr) =>
    parts.every((p) => (tr.textContent ?? '').includes(p)),
  )
}

function rowWith(tableId: string, ...parts: string[]): HTMLElement {
  const rows = rowsWith(tableId, ...parts)
  if (rows.length !== 1) throw new Error(`${rows.length} rows of #${tableId} have ${parts.join(' + ')}`)
  return rows[0]!
}

function disabled(id: string): boolean {
  return ($(`#${id}`) as HTMLButtonElement).disabled
}

// ----- 授权管理 -----

describe('授权管理', () => {
  it('shows the counts and a row per authorization with its state, expiry and revocation', async () => {
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    expect($('#menu-authorizations').classList).toContain('is-active')
    expect($('#auth-count-active').textContent).toBe('5')
    expect($('#auth-count-expiring').textContent).toBe('1')
    expect($('#auth-count-expired').textContent).toBe('1')
    expect($('#auth-count-revoked').textContent).toBe('1')
    expect(document.querySelectorAll('#auth-table tbody tr')).toHaveLength(7)

    const permanent = rowWith('auth-table', 'uat_operator', '星际迷航：深空救援')
    expect(permanent.querySelector('.auth-state')!.getAttribute('data-state')).toBe('active')
    expect(permanent.querySelector('.auth-state')!.textContent!.trim()).toBe('有效')
    expect(permanent.textContent).toContain('永久')
    expect(permanent.textContent).toContain('星际乐园VR体验馆')
    expect(permanent.querySelector('.auth-revoke')).not.toBeNull()
    expect(permanent.querySelector('.auth-pending')).toBeNull()

    const expiring = rowWith('auth-table', 'uat_operator', '丛林探险')
    expect(expiring.textContent).toMatch(/剩 [23] 天/)

    const revoked = rowWith('auth-table', 'vr_haiyang', '深海奇遇')
    expect(revoked.querySelector('.auth-state')!.getAttribute('data-state')).toBe('revoked')
    expect(revoked.querySelector('.auth-state')!.classList).toContain('el-tag--danger')
    expect(revoked.textContent).toContain('原因：合同到期未续约')
    expect(revoked.querySelector('.auth-revoke')).toBeNull()

    const expired = rowWith('auth-table', 'game_jiangnan', '末日防线')
    expect(expired.querySelector('.auth-state')!.getAttribute('data-state')).toBe('expired')
    expect(expired.querySelector('.auth-state')!.textContent!.trim()).toBe('已过期')
    expect($('#auth-pagination').textContent).toContain('共 7 条')
  })

  it('revoke: the confirm button stays disabled until a reason is typed, then the row is 已撤销 · 待同步', async () => {
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    rowWith('auth-table', 'uat_operator', '丛林探险').querySelector<HTMLElement>('.auth-revoke')!.click()
    await settle()

    const dialog = $('#revoke-dialog')
    expect(dialog.textContent).toContain('星际乐园VR体验馆（uat_operator）')
    expect(dialog.textContent).toContain('丛林探险')
    expect(dialog.textContent).toContain('APP_NOT_AUTHORIZED')
    expect(disabled('revoke-confirm')).toBe(true)
    typeInto('revoke-reason', '   ')
    await settle(0)
    expect(disabled('revoke-confirm')).toBe(true)
    expect(dialog.textContent).toContain('3 / 500')
    typeInto('revoke-reason', '运营商申请停用')
    await settle(0)
    expect(disabled('revoke-confirm')).toBe(false)

    $('#revoke-confirm').click()
    await settle(300)
    expect(bodyText()).toContain('已撤销「星际乐园VR体验馆」使用「丛林探险」的授权')
    const row = rowWith('auth-table', 'uat_operator', '丛林探险')
    expect(row.querySelector('.auth-state')!.getAttribute('data-state')).toBe('revoked')
    expect(row.querySelector('.auth-pending')!.textContent!.trim()).toBe('待同步')
    expect(row.textContent).toContain('原因：运营商申请停用')
    expect(row.querySelector('.auth-revoke')).toBeNull()
    expect($('#auth-count-revoked').textContent).toBe('2')
    expect($('#auth-count-active').textContent).toBe('4')
    expect((await api.syncStatus('admin')).pending).toBe(1)
  })

  it('a summary card applies its filter; filters that match nothing show 清除筛选', async () => {
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    $('#auth-count-revoked').click()
    await settle()
    expect(document.querySelectorAll('#auth-table tbody tr')).toHaveLength(1)
    expect(rowsWith('auth-table', 'vr_haiyang', '深海奇遇')).toHaveLength(1)

    $('#auth-count-expiring').click()
    await settle()
    expect(document.querySelectorAll('#auth-table tbody tr')).toHaveLength(1)
    expect(rowsWith('auth-table', 'uat_operator', '丛林探险')).toHaveLength(1)

    await choose('auth-filter-app', '末日防线')
    expect(document.querySelector('#auth-table')).toBeNull()
    expect($('#auth-no-match').textContent).toContain('没有符合筛选条件的授权')
    expect(document.querySelector('#auth-empty')).toBeNull()

    $('#auth-no-match button').click()
    await settle()
    expect(document.querySelectorAll('#auth-table tbody tr')).toHaveLength(7)
  })

  it('the operator filter searches the cache and lists only that operator', async () => {
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    const input = selectInput('auth-filter-operator')
    input.click()
    await settle(50)
    typeInto('auth-filter-operator', 'haiyang')
    await settle(450)
    await choose('auth-filter-operator', 'vr_haiyang')
    const rows = document.querySelectorAll('#auth-table tbody tr')
    expect(rows).toHaveLength(2)
    expect([...rows].every((tr) => tr.textContent!.includes('vr_haiyang'))).toBe(true)
  })

  it('grant: inline errors, AUTHORIZATION_EXISTS under the application, then a 待同步 row', async () => {
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    $('#auth-grant').click()
    await settle()
    expect($('#grant-expiry-permanent').querySelector('input')!.checked).toBe(true)
    expect(document.activeElement?.id).toBe('grant-operator')

    $('#grant-save').click()
    await settle()
    const dialog = $('#grant-dialog')
    expect(dialog.textContent).toContain('请选择运营商')
    expect(dialog.textContent).toContain('请选择应用')

    await choose('grant-operator', '星际乐园VR体验馆 (uat_operator)')
    const appOptions = [...document.querySelectorAll<HTMLElement>('.grant-app-option')]
    expect(appOptions.map((o) => o.querySelector('.grant-option__main')!.textContent)).toContain('古堡迷踪 (castle_maze)')
    expect(appOptions.find((o) => o.textContent!.includes('castle_maze'))!.classList).toContain('is-disabled')
    expect(appOptions.find((o) => o.textContent!.includes('deep_sea'))!.textContent).toContain('¥ 8.50 / 人次')
    await choose('grant-app', '星际迷航：深空救援 (star_rescue)')
    expect(dialog.textContent).not.toContain('请选择运营商')

    // 指定日期: required, then a quick button fills today + 30 days
    $('#grant-expiry-date').querySelector('input')!.click()
    await settle()
    $('#grant-save').click()
    await settle()
    expect(dialog.textContent).toContain('请选择到期日期')
    $('#grant-expiry-30').click()
    await settle()
    expect(($('#grant-expires') as HTMLInputElement).value).toMatch(/^\d{4}-\d{2}-\d{2}$/)

    $('#grant-save').click()
    await settle(300)
    expect(dialog.textContent).toContain('该运营商已拥有此应用的有效授权')
    expect(document.querySelector('#grant-error')).toBeNull()

    await choose('grant-app', '深海奇遇 (deep_sea)')
    expect(dialog.textContent).not.toContain('该运营商已拥有此应用的有效授权')
    // Enter on the (closed) application select submits
    selectInput('grant-app').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    await settle(300)
    expect(bodyText()).toContain('已授予「星际乐园VR体验馆」使用「深海奇遇」的授权')
    const row = rowWith('auth-table', 'uat_operator', '深海奇遇')
    expect(row.querySelector('.auth-pending')).not.toBeNull()
    expect(row.querySelector('.auth-state')!.getAttribute('data-state')).toBe('active')
    expect($('#auth-count-active').textContent).toBe('6')
  })

  it('other refusals show in the dialog as #grant-error', async () => {
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    $('#auth-grant').click()
    await settle()
    await choose('grant-operator', 'uat_operator')
    await choose('grant-app', 'deep_sea')
    // the mock refuses a grant when the session is gone
    await api.authLogout({ workspace: 'admin', wipe_cache: false })
    $('#grant-save').click()
    await settle(300)
    expect($('#grant-error').textContent).toContain('授予失败：尚未登录')
  })

  it('an analyst is sent to 统计分析 instead (authorizations and requests)', async () => {
    await signIn('uat_analyst')
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(document.querySelector('#auth-table')).toBeNull()
    expect(document.querySelector('#menu-authorizations')).toBeNull()
    await mounted.router.push('/ws/admin/requests')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(document.querySelector('#req-table')).toBeNull()
  })
})

// ----- 授权申请审批 -----

describe('授权申请审批', () => {
  it('lists the waiting requests with the menu badge; approving pre-fills the wished date', async () => {
    mounted = await mountApp('/ws/admin/requests')
    await settle(400)
    expect($('#menu-requests-badge').textContent!.trim()).toBe('2')
    expect($('#req-tab-pending').querySelector('input')!.checked).toBe(true)
    expect(document.querySelectorAll('#req-table tbody tr')).toHaveLength(2)
    expect($('#req-offline-info').textContent).toContain('冲突')

    const row = rowWith('req-table', 'game_jiangnan', '星际迷航：深空救援')
    expect(row.querySelector('.req-status')!.getAttribute('data-status')).toBe('pending')
    expect(row.textContent).toContain('新店开业')
    row.querySelector<HTMLElement>('.req-approve')!.click()
    await settle()
    const dialog = $('#approve-dialog')
    expect(dialog.textContent).toContain('江南映像MR乐园')
    expect($('#approve-date').querySelector('input')!.checked).toBe(true)
    const day = ($('#approve-expires') as HTMLInputElement).value
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/)

    $('#approve-confirm').click()
    await settle(400)
    // sent as the end of that local day
    const made = (
      await api.adminAuthorizations({ operator_id: null, application_id: null, state: null, expiring_within_days: null, offset: 0, limit: 50 })
    ).items.find((a) => a.operator_username === 'game_jiangnan' && a.application_code === 'star_rescue')
    expect(made?.expires_at).toBe(expiryEndOfDay(day))
    expect(bodyText()).toContain('已批准「江南映像MR乐园」使用「星际迷航：深空救援」的申请')
    // as in the core, the row stays under 待审批 until synced: 已批准 · 待同步, no buttons
    expect($('#menu-requests-badge').textContent!.trim()).toBe('1')
    const decided = rowWith('req-table', 'game_jiangnan', '星际迷航：深空救援')
    expect(decided.querySelector('.req-status')!.getAttribute('data-status')).toBe('approved')
    expect(decided.querySelector('.req-pending')!.textContent!.trim()).toBe('待同步')
    expect(decided.querySelector('.req-approve')).toBeNull()
    expect(decided.querySelector('.req-reject')).toBeNull()
    expect(decided.textContent).toContain('张海峰')
    expect(rowWith('req-table', 'xr_beifang', '深海奇遇').querySelector('.req-approve')).not.toBeNull()

    // once synced it moves to 已批准
    await api.syncNow('admin')
    $('#req-tab-approved').querySelector('input')!.click()
    await settle()
    const approved = rowWith('req-table', 'game_jiangnan', '星际迷航：深空救援')
    expect(approved.querySelector('.req-status')!.getAttribute('data-status')).toBe('approved')
    expect(approved.querySelector('.req-pending')).toBeNull()
    $('#req-tab-pending').querySelector('input')!.click()
    await settle()
    expect(document.querySelectorAll('#req-table tbody tr')).toHaveLength(1)
  })

  it('permanent approval when nothing was wished for', async () => {
    mounted = await mountApp('/ws/admin/requests')
    await settle()
    rowWith('req-table', 'xr_beifang', '深海奇遇').querySelector<HTMLElement>('.req-approve')!.click()
    await settle()
    expect($('#approve-permanent').querySelector('input')!.checked).toBe(true)
    $('#approve-confirm').click()
    await settle(300)
    const page = await api.adminAuthorizations({
      operator_id: null,
      application_id: null,
      state: 'active',
      expiring_within_days: null,
      offset: 0,
      limit: 50,
    })
    const made = page.items.find((a) => a.operator_username === 'xr_beifang' && a.application_code === 'deep_sea')
    expect(made?.expires_at).toBeNull()
    expect(made?.pending).toBe(true)
  })

  it('reject needs a reason; the last one leaves the 暂无待审批的申请 state', async () => {
    mounted = await mountApp('/ws/admin/requests')
    await settle()
    // the oldest waiting one (game_jiangnan's) is decided elsewhere first
    const oldest = (await api.adminRequests({ status: 'pending', offset: 0, limit: 1 })).items[0]!
    expect(oldest.operator_username).toBe('game_jiangnan')
    await api.adminRequestReject(oldest.id, '重复申请')
    await mounted.wrapper.find('#page-refresh').trigger('click')
    await settle()
    const row = rowWith('req-table', 'xr_beifang', '深海奇遇')
    row.querySelector<HTMLElement>('.req-reject')!.click()
    await settle()
    expect($('#reject-dialog').textContent).toContain('北方极光XR体验中心')
    expect(disabled('reject-confirm')).toBe(true)
    typeInto('reject-reason', '该应用暂不对 VIP 以外开放')
    await settle(0)
    expect(disabled('reject-confirm')).toBe(false)
    $('#reject-confirm').click()
    await settle(300)
    await api.syncNow('admin')
    await mounted.wrapper.find('#page-refresh').trigger('click')
    await settle()
    expect($('#req-empty').textContent).toContain('暂无待审批的申请')
    $('#req-tab-all').querySelector('input')!.click()
    await settle()
    expect(document.querySelectorAll('#req-table tbody tr')).toHaveLength(5)
    const rejected = rowWith('req-table', 'xr_beifang', '深海奇遇')
    expect(rejected.querySelector('.req-status')!.getAttribute('data-status')).toBe('rejected')
    expect(rejected.textContent).toContain('备注：该应用暂不对 VIP 以外开放')
  })
})

// ----- 运营商管理 -----

describe('运营商管理', () => {
  it('lists operators, filters by search (debounced) and opens the detail drawer', async () => {
    mounted = await mountApp('/ws/admin/operators')
    await settle()
    expect($('#op-total').textContent).toBe('共 5 家运营商')
    const rows = [...document.querySelectorAll<HTMLElement>('.op-row')]
    expect(rows.map((r) => r.dataset.username)).toEqual([
      'xr_beifang',
      'game_jiangnan',
      'mr_tiankong',
      'vr_haiyang',
      'uat_operator',
    ])
    const locked = rows.find((r) => r.dataset.username === 'mr_tiankong')!
    expect(locked.querySelector('.op-locked')!.textContent).toContain('已锁定')
    expect(rows.find((r) => r.dataset.username === 'vr_haiyang')!.textContent).toContain('¥ 58,230.00')

    typeInto('op-search', 'haiyang')
    await settle(400)
    expect([...document.querySelectorAll<HTMLElement>('.op-row')].map((r) => r.dataset.username)).toEqual(['vr_haiyang'])

    document.querySelector<HTMLElement>('.op-row')!.click()
    await settle()
    const drawer = $('#op-detail')
    expect(drawer.textContent).toContain('海洋之心VR馆')
    expect($('#op-detail-balance').textContent).toBe('¥ 58,230.00')
    expect($('#op-api-key').textContent).toBe('••••••••••••02a2')
    expect(drawer.textContent).toContain('星际迷航：深空救援')
    expect(drawer.querySelectorAll('.op-auth-state')).toHaveLength(2)

    typeInto('op-search', 'nobody-matches')
    await settle(400)
    expect($('#op-no-match').textContent).toContain('没有符合条件的运营商')
  })

  it('closed accounts only with 包含已注销; sort by balance ascending', async () => {
    mounted = await mountApp('/ws/admin/operators')
    await settle()
    $('#op-include-closed').querySelector('input')!.click()
    await settle()
    expect($('#op-total').textContent).toBe('共 6 家运营商')
    await choose('op-sort', '按余额')
    $('#op-sort-dir').click()
    await settle()
    expect($('#op-sort-dir').dataset.dir).toBe('asc')
    expect([...document.querySelectorAll<HTMLElement>('.op-row')].map((r) => r.dataset.username)[0]).toBe('old_city_vr')
  })
})

describe('运营商管理 with 10,000+ operators', () => {
  afterEach(() => window.history.replaceState({}, '', '/'))

  it('renders only the rows in view and fetches windows as the list scrolls', async () => {
    window.history.replaceState({}, '', '/?operators=10000')
    await freshMock()
    mounted = await mountApp('/ws/admin/operators')
    await settle()
    expect($('#op-total').textContent).toBe('共 10,005 家运营商')
    const rendered = () => [...document.querySelectorAll<HTMLElement>('.op-row')]
    expect(rendered().length).toBeGreaterThan(5)
    expect(rendered().length).toBeLessThan(40)
    expect(rendered()[0]!.getAttribute('aria-rowindex')).toBe('1')

    // jump to the middle: the rows there come from the windows around row 5,000
    const viewport = $('.op-viewport')
    Object.defineProperty(viewport, 'scrollTop', { configurable: true, value: 5000 * 52 })
    viewport.dispatchEvent(new Event('scroll'))
    await settle(100)
    const indexes = rendered().map((r) => parseInt(r.getAttribute('aria-rowindex')!, 10))
    expect(indexes.length).toBeGreaterThan(5)
    expect(Math.min(...indexes)).toBeGreaterThan(4990)
    expect(Math.max(...indexes)).toBeLessThan(5040)
    expect(rendered().every((r) => r.querySelector('.op-username')!.textContent === r.dataset.username)).toBe(true)
    expect(document.querySelectorAll('.op-row-loading')).toHaveLength(0)
  })
})

describe('admin sidebar', () => {
  it('lists the admin pages in order, with the waiting requests as a badge', async () => {
    mounted = await mountApp('/ws/admin/home')
    await settle(300)
    const items = [...document.querySelectorAll('.ws-menu__item')]
    expect(items.map((i) => i.id)).toEqual(ALL_ADMIN_MENUS)
    expect($('#menu-applications').textContent).toContain('应用管理')
    expect($('#menu-statistics').textContent).toContain('统计分析')
    expect($('#menu-staff').textContent).toContain('员工账号')
    expect($('#menu-announcements').textContent).toContain('公告管理')
    expect($('#menu-transactions').textContent).toContain('交易监控')
    expect($('#menu-requests').textContent).toContain('授权申请审批')
    expect($('#menu-requests-badge').textContent!.trim()).toBe('2')
    $('#menu-authorizations').click()
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-authorizations')
    expect(document.querySelector('#page-authorizations')).not.toBeNull()
  })
})

// ----- 应用管理 -----

function appRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('#app-table tbody tr')]
}

function statusOf(row: HTMLElement): string | null {
  return row.querySelector('.app-status')!.getAttribute('data-active')
}

function enter(id: string): void {
  const el = $(`#${id}`)
  const target = el.tagName === 'INPUT' ? el : el.querySelector('input')!
  target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
}

describe('应用管理', () => {
  // the api spies of these tests go with each test
  afterEach(() => {
    for (const fn of Object.values(api)) if (vi.isMockFunction(fn)) fn.mockRestore()
  })

  it('lists the catalogue with price, players and status; search and the status filter narrow it', async () => {
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    expect($('#menu-applications').classList).toContain('is-active')
    expect(appRows()).toHaveLength(5)
    expect($('#app-count').textContent).toBe('共 5 款应用')

    const star = rowWith('app-table', '星际迷航：深空救援', 'star_rescue')
    expect(star.querySelector('.app-price')!.textContent).toBe('¥ 9.90')
    expect(star.textContent).toContain('元/人/次')
    expect(star.querySelector('.app-players')!.textContent).toBe('1–6 人')
    expect(statusOf(star)).toBe('true')
    expect(star.querySelector('.app-status')!.textContent!.trim()).toBe('已上架')
    expect(star.querySelector('.app-pending')).toBeNull()
    expect(star.querySelector('.app-deactivate')).not.toBeNull()
    expect(star.querySelector('.app-activate')).toBeNull()

    const castle = rowWith('app-table', '古堡迷踪', 'castle_maze')
    expect(statusOf(castle)).toBe('false')
    expect(castle.querySelector('.app-status')!.textContent!.trim()).toBe('已下架')
    expect(castle.querySelector('.app-activate')).not.toBeNull()
    expect(castle.querySelector('.app-deactivate')).toBeNull()

    typeInto('app-search', 'DEEP')
    await settle(0)
    expect(appRows()).toHaveLength(1)
    expect(rowsWith('app-table', '深海奇遇', 'deep_sea')).toHaveLength(1)
    expect($('#app-count').textContent).toBe('显示 1 款，共 5 款应用')
    typeInto('app-search', '丛林')
    await settle(0)
    expect(rowsWith('app-table', '丛林探险', 'jungle_quest')).toHaveLength(1)

    typeInto('app-search', '')
    await choose('app-filter-status', '已下架')
    expect(appRows()).toHaveLength(1)
    expect(rowsWith('app-table', 'castle_maze')).toHaveLength(1)

    typeInto('app-search', 'star')
    await settle(0)
    expect(document.querySelector('#app-table')).toBeNull()
    expect($('#app-no-match').textContent).toContain('没有符合条件的应用')
    expect(document.querySelector('#app-empty')).toBeNull()
    $('#app-no-match-clear').click()
    await settle()
    expect(appRows()).toHaveLength(5)
  })

  it('create: an invalid price stays in the form; a taken code shows under the code; then a 待同步 row', async () => {
    const create = vi.spyOn(api, 'adminApplicationCreate')
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    $('#app-new').click()
    await settle()
    const dialog = $('#app-dialog')
    expect(document.activeElement?.id).toBe('app-code')
    expect(($('#app-code') as HTMLInputElement).disabled).toBe(false)
    expect(dialog.textContent).toContain('app_id')
    expect($('#app-price').getAttribute('inputmode')).toBe('decimal')
    expect(dialog.textContent).toContain('元/人/次')
    expect(($('#app-min-players input') as HTMLInputElement).value).toBe('1')

    typeInto('app-code', 'space_race')
    typeInto('app-name', '太空竞速')
    typeInto('app-price', '1.005')
    await settle(0)
    $('#app-save').click()
    await settle()
    expect(dialog.textContent).toContain('单价最多保留两位小数')
    expect(create).not.toHaveBeenCalled()
    expect(document.querySelector('#app-error')).toBeNull()

    typeInto('app-price', '0')
    await settle()
    expect(dialog.textContent).toContain('单价须大于 0')
    typeInto('app-price', '25.5')
    typeInto('app-min-players', '6')
    typeInto('app-max-players', '4')
    await settle()
    expect(dialog.textContent).not.toContain('单价须大于 0')
    expect(dialog.textContent).toContain('最多人数不能少于最少人数')
    $('#app-save').click()
    await settle()
    expect(create).not.toHaveBeenCalled()
    typeInto('app-max-players', '8')

    // the core refuses a code in use: shown under the code, not as an alert
    typeInto('app-code', 'star_rescue')
    await settle(0)
    $('#app-save').click()
    await settle(300)
    expect(create).toHaveBeenCalledTimes(1)
    expect(dialog.textContent).toContain('该应用代码已被使用')
    expect(document.querySelector('#app-error')).toBeNull()

    typeInto('app-code', 'space_race')
    await settle()
    expect(dialog.textContent).not.toContain('该应用代码已被使用')
    // Enter in a field submits
    enter('app-name')
    await settle(300)
    expect(create).toHaveBeenCalledTimes(2)
    expect(create.mock.calls[1]![0]).toEqual({
      code: 'space_race',
      name: '太空竞速',
      description: null,
      unit_price: '25.5',
      min_players: 6,
      max_players: 8,
    })
    expect(bodyText()).toContain('已新建应用「太空竞速」')
    const row = rowWith('app-table', '太空竞速', 'space_race')
    expect(row.querySelector('.app-pending')!.textContent!.trim()).toBe('待同步')
    expect(row.querySelector('.app-price')!.textContent).toBe('¥ 25.50')
    expect(row.querySelector('.app-players')!.textContent).toBe('6–8 人')
    expect(statusOf(row)).toBe('true')
    expect((await api.syncStatus('admin')).pending).toBe(1)
  })

  it('other refusals show in the dialog as #app-error', async () => {
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    $('#app-new').click()
    await settle()
    typeInto('app-code', 'space_race')
    typeInto('app-name', '太空竞速')
    typeInto('app-price', '30')
    await api.authLogout({ workspace: 'admin', wipe_cache: false })
    $('#app-save').click()
    await settle(300)
    expect($('#app-error').textContent).toContain('保存失败：尚未登录')
  })

  it('edit: the code is read-only and a new price warns that licensed operators are told; the history shows it', async () => {
    const update = vi.spyOn(api, 'adminApplicationUpdate')
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    rowWith('app-table', 'star_rescue').querySelector<HTMLElement>('.app-edit')!.click()
    await settle()
    const dialog = $('#app-dialog')
    expect(dialog.textContent).toContain('编辑应用')
    const code = $('#app-code') as HTMLInputElement
    expect(code.disabled).toBe(true)
    expect(code.value).toBe('star_rescue')
    expect(($('#app-price') as HTMLInputElement).value).toBe('9.90')
    expect(document.querySelector('#app-price-warning')).toBeNull()
    // the same amount written differently is no change
    typeInto('app-price', '9.9')
    await settle()
    expect(document.querySelector('#app-price-warning')).toBeNull()

    typeInto('app-price', '11')
    await settle()
    const warning = $('#app-price-warning').textContent!
    expect(warning).toContain('¥ 11.00')
    expect(warning).toContain('下一次启动')
    expect(warning).toContain('3 家')

    $('#app-save').click()
    await settle(300)
    expect(update).toHaveBeenCalledTimes(1)
    expect(update.mock.calls[0]![1].unit_price).toBe('11')
    expect(bodyText()).toContain('已保存「星际迷航：深空救援」的修改')
    const row = rowWith('app-table', '星际迷航：深空救援', 'star_rescue')
    expect(row.querySelector('.app-price')!.textContent).toBe('¥ 11.00')
    expect(row.querySelector('.app-pending')).not.toBeNull()

    row.querySelector<HTMLElement>('.app-history')!.click()
    await settle()
    expect($('#app-history-code').textContent).toBe('star_rescue')
    expect($('#app-history-price').textContent).toBe('¥ 11.00')
    expect($('#app-history-active').textContent!.trim()).toBe('3 家运营商')
    const entries = [...document.querySelectorAll<HTMLElement>('#app-history-list .app-price-entry')]
    expect(entries).toHaveLength(4)
    expect(entries[0]!.textContent).toMatch(/¥ 9\.90\s*→\s*¥ 11\.00/)
    expect(entries[0]!.dataset.kind).toBe('up')
    expect(entries[0]!.querySelector('.app-price-pending')!.textContent!.trim()).toBe('待同步')
    expect(entries[0]!.textContent).toContain('张海峰')
    expect(entries[1]!.textContent).toMatch(/¥ 12\.00\s*→\s*¥ 9\.90/)
    expect(entries[1]!.dataset.kind).toBe('down')
    expect(entries[1]!.querySelector('.app-price-pending')).toBeNull()
    expect(entries[3]!.textContent).toContain('初始价格 ¥ 8.00')
    expect(entries[3]!.dataset.kind).toBe('initial')
  })

  it('the row name opens the price history too', async () => {
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    rowWith('app-table', 'deep_sea').querySelector<HTMLElement>('.app-name')!.click()
    await settle()
    const drawer = $('#app-history')
    expect(drawer.textContent).toContain('深海奇遇')
    expect($('#app-history-code').textContent).toBe('deep_sea')
    expect($('#app-history-price').textContent).toBe('¥ 8.50')
    expect($('#app-history-active').textContent!.trim()).toBe('0 家运营商')
    const entries = [...document.querySelectorAll<HTMLElement>('#app-history-list .app-price-entry')]
    expect(entries.map((e) => e.dataset.kind)).toEqual(['down', 'initial'])
    expect(entries[1]!.textContent).toContain('初始价格 ¥ 10.00')
  })

  it('下架 asks first and explains APP_NOT_AUTHORIZED; 上架 needs no confirmation', async () => {
    const setActive = vi.spyOn(api, 'adminApplicationSetActive')
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    rowWith('app-table', 'jungle_quest').querySelector<HTMLElement>('.app-deactivate')!.click()
    await settle()
    expect(bodyText()).toContain('APP_NOT_AUTHORIZED')
    expect(bodyText()).toContain('确定下架「丛林探险」（jungle_quest）吗？')
    $('.el-message-box__btns .el-button:not(.app-deactivate-confirm)').click()
    await settle(400)
    expect(setActive).not.toHaveBeenCalled()
    expect(statusOf(rowWith('app-table', 'jungle_quest'))).toBe('true')

    rowWith('app-table', 'jungle_quest').querySelector<HTMLElement>('.app-deactivate')!.click()
    await settle()
    $('.app-deactivate-confirm').click()
    await settle(400)
    expect(setActive).toHaveBeenCalledWith(expect.any(String), false)
    expect(bodyText()).toContain('已下架「丛林探险」')
    const jungle = rowWith('app-table', 'jungle_quest')
    expect(statusOf(jungle)).toBe('false')
    expect(jungle.querySelector('.app-pending')).not.toBeNull()
    expect(jungle.querySelector('.app-activate')).not.toBeNull()

    rowWith('app-table', 'castle_maze').querySelector<HTMLElement>('.app-activate')!.click()
    await settle(300)
    expect(document.querySelector('.app-deactivate-confirm')).toBeNull()
    expect(setActive).toHaveBeenCalledTimes(2)
    const castle = rowWith('app-table', 'castle_maze')
    expect(statusOf(castle)).toBe('true')
    expect(castle.querySelector('.app-pending')).not.toBeNull()
    // once synced the 待同步 tags go
    await api.syncNow('admin')
    await mounted.wrapper.find('#page-refresh').trigger('click')
    await settle()
    expect(document.querySelectorAll('#app-table .app-pending')).toHaveLength(0)
  })

  it('an analyst is sent to 统计分析 instead', async () => {
    await signIn('uat_analyst')
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(document.querySelector('#app-table')).toBeNull()
    expect(document.querySelector('#app-new')).toBeNull()
  })

  it('an empty catalogue shows #app-empty with a create button', async () => {
    vi.spyOn(api, 'adminApplicationList').mockResolvedValue([])
    mounted = await mountApp('/ws/admin/applications')
    await settle()
    expect(document.querySelector('#app-table')).toBeNull()
    expect($('#app-empty').textContent).toContain('还没有应用')
    $('#app-empty-new').click()
    await settle()
    expect($('#app-dialog').textContent).toContain('新建应用')
  })
})

// ----- 交易监控 -----

const ALL_TX: TransactionQuery = { operator_id: null, entry_type: null, from: null, to: null, until: null, offset: 0, limit: 20 }

function txRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('#tx-table tbody tr')]
}

/** The query of the last admin_transactions call a spy saw. */
function lastQuery(spy: { mock: { calls: unknown[][] } }): TransactionQuery {
  const calls = spy.mock.calls
  return calls[calls.length - 1]![0] as TransactionQuery
}

describe('交易监控', () => {
  const restore: { mockRestore: () => void }[] = []
  function spyTransactions() {
    const spy = vi.spyOn(api, 'adminTransactions')
    restore.push(spy)
    return spy
  }
  function spyExport() {
    const spy = vi.spyOn(api, 'adminTransactionsExport')
    restore.push(spy)
    return spy
  }
  afterEach(() => {
    while (restore.length) restore.pop()!.mockRestore()
  })

  it('shows the totals over the whole filter and a page of rows, newest first', async () => {
    const expected = await api.adminTransactions(ALL_TX)
    expect(expected.totals.count).toBe(300)
    mounted = await mountApp('/ws/admin/transactions')
    await settle(400)
    expect($('#menu-transactions').classList).toContain('is-active')
    expect(document.querySelector('#page-transactions')).not.toBeNull()
    expect($('#tx-total-count').textContent).toBe('300')
    expect($('#tx-total-credits').textContent).toBe(formatMoney(expected.totals.credits))
    expect($('#tx-total-debits').textContent).toBe(formatMoney(expected.totals.debits))
    expect($('#tx-total-debits').textContent).toMatch(/^-¥ [\d,]+\.\d{2}$/)
    expect($('#tx-total-net').textContent).toBe(formatMoney(expected.totals.net))

    const rows = txRows()
    expect(rows).toHaveLength(20)
    expected.items.forEach((item, i) => {
      const tr = rows[i]!
      expect(tr.textContent).toContain(item.operator_name)
      expect(tr.textContent).toContain(item.operator_username)
      expect(tr.querySelector('.tx-type')!.getAttribute('data-type')).toBe(item.entry_type)
      expect(tr.querySelector('.tx-before')!.textContent).toBe(formatMoney(item.balance_before))
      expect(tr.querySelector('.tx-after')!.textContent).toBe(formatMoney(item.balance_after))
      const amount = tr.querySelector<HTMLElement>('.tx-amount')!
      if (item.amount.startsWith('-')) {
        expect(amount.dataset.direction).toBe('debit')
        expect(amount.textContent!.trim()).toBe(formatMoney(item.amount))
      } else {
        expect(amount.dataset.direction).toBe('credit')
        expect(amount.textContent!.trim()).toBe(`+${formatMoney(item.amount)}`)
      }
    })
    const labels: Record<string, string> = { recharge: '充值', consumption: '消费', refund: '退款', adjustment: '调整' }
    for (const tag of document.querySelectorAll<HTMLElement>('#tx-table .tx-type')) {
      expect(tag.textContent!.trim()).toBe(labels[tag.dataset.type!])
    }
    expect($('#tx-pagination').textContent).toContain('共 300 条')
    expect(disabled('tx-export-xlsx')).toBe(false)
    expect(disabled('tx-export-csv')).toBe(false)
    expect(document.querySelector('#tx-empty')).toBeNull()
    expect(document.querySelector('#tx-offline')).toBeNull()
  })

  it('a filter applies by itself (debounced), goes back to page 1 and asks the server with it', async () => {
    const spy = spyTransactions()
    mounted = await mountApp('/ws/admin/transactions')
    await settle(400)
    expect(lastQuery(spy)).toEqual(ALL_TX)

    // page 2 first: the filter must bring the page back to 1
    $('#tx-pagination .btn-next').click()
    await settle(300)
    expect(lastQuery(spy).offset).toBe(20)

    const before = spy.mock.calls.length
    await choose('tx-filter-type', '退款')
    await settle(450)
    expect(lastQuery(spy)).toEqual({ ...ALL_TX, entry_type: 'refund' })
    // one request for the change, not one per keystroke / watcher
    expect(spy.mock.calls.length - before).toBe(1)
    const refunds = await api.adminTransactions({ ...ALL_TX, entry_type: 'refund' })
    expect(refunds.totals.count).toBeGreaterThan(0)
    expect($('#tx-total-count').textContent).toBe(String(refunds.totals.count))
    expect(txRows().length).toBe(Math.min(20, refunds.totals.count))
    expect(txRows().every((tr) => tr.querySelector('.tx-type')!.getAttribute('data-type') === 'refund')).toBe(true)
    expect(txRows().every((tr) => tr.querySelector('.tx-amount')!.getAttribute('data-direction') === 'debit')).toBe(true)

    await choose('tx-filter-type', '全部类型')
    await settle(450)
    expect(lastQuery(spy)).toEqual(ALL_TX)
    expect($('#tx-total-count').textContent).toBe('300')
  })

  it('the operator filter and the 最近7天 shortcut are sent as operator_id and China-time days', async () => {
    const spy = spyTransactions()
    mounted = await mountApp('/ws/admin/transactions')
    await settle(400)
    const input = selectInput('tx-filter-operator')
    input.click()
    await settle(50)
    typeInto('tx-filter-operator', 'haiyang')
    await settle(450)
    await choose('tx-filter-operator', 'vr_haiyang')
    await settle(450)
    const q = lastQuery(spy)
    expect(q.operator_id).toMatch(/-/)
    expect(q.offset).toBe(0)
    expect(txRows().length).toBeGreaterThan(0)
    expect(txRows().every((tr) => tr.querySelector('.tx-operator-username')!.textContent === 'vr_haiyang')).toBe(true)

    ;($('#tx-filter-from') as HTMLInputElement).click()
    await settle(100)
    const shortcut = [...document.querySelectorAll<HTMLElement>('.el-picker-panel__shortcut')].find(
      (b) => b.textContent!.trim() === '最近7天',
    )
    expect(shortcut).toBeDefined()
    shortcut!.click()
    await settle(450)
    const now = new Date()
    const week = lastQuery(spy)
    expect(week.operator_id).toBe(q.operator_id)
    expect(week.from).toBe(toLocalDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 6)))
    expect(week.to).toBe(toLocalDate(now))
    expect(week.until).toBeNull()

    $('#tx-clear-filters').click()
    await settle(450)
    expect(lastQuery(spy)).toEqual(ALL_TX)
  })

  it('nothing matching: #tx-empty, and both exports are disabled', async () => {
    const spy = spyTransactions()
    spy.mockResolvedValue({ items: [], totals: { count: 0, credits: '0.00', debits: '0.00', net: '0.00' } })
    mounted = await mountApp('/ws/admin/transactions')
    await settle(300)
    expect($('#tx-empty').textContent).toContain('暂无交易记录')
    expect(document.querySelector('#tx-table')).toBeNull()
    expect(document.querySelector('#tx-pagination')).toBeNull()
    expect($('#tx-total-count').textContent).toBe('0')
    expect($('#tx-total-net').textContent).toBe('¥ 0.00')
    expect(disabled('tx-export-xlsx')).toBe(true)
    expect(disabled('tx-export-csv')).toBe(true)

    await choose('tx-filter-type', '调整')
    await settle(450)
    expect($('#tx-empty').textContent).toContain('没有符合筛选条件的交易记录')
    expect(disabled('tx-export-xlsx')).toBe(true)
  })

  it('offline: #tx-offline says it needs the network (no empty table); 重试 loads once it is back', async () => {
    const spy = spyTransactions()
    spy.mockRejectedValue({ code: 'SERVER_UNREACHABLE', message: '无法连接服务器', details: {} })
    mounted = await mountApp('/ws/admin/transactions')
    await settle(300)
    const alert = $('#tx-offline')
    expect(alert.textContent).toContain('交易监控需要联网')
    expect(alert.textContent).toContain('无法连接服务器')
    expect(document.querySelector('#tx-table')).toBeNull()
    expect(document.querySelector('#tx-empty')).toBeNull()
    expect(document.querySelector('#tx-total-count')).toBeNull()
    expect(disabled('tx-export-xlsx')).toBe(true)
    expect(disabled('tx-export-csv')).toBe(true)

    spy.mockRejectedValue({ code: 'SERVICE_UNAVAILABLE', message: '服务暂不可用', details: {} })
    $('#tx-retry').click()
    await settle(300)
    expect($('#tx-offline').textContent).toContain('服务暂不可用')

    spy.mockRestore()
    $('#tx-retry').click()
    await settle(400)
    expect(document.querySelector('#tx-offline')).toBeNull()
    expect(txRows()).toHaveLength(20)
    expect(disabled('tx-export-xlsx')).toBe(false)
  })

  it('export: a progress dialog that cannot be closed, fed by export-progress events, then the path', async () => {
    let finish: (r: ExportReport | null) => void = () => {}
    const spy = spyExport()
    spy.mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    mounted = await mountApp('/ws/admin/transactions')
    await settle(400)
    await choose('tx-filter-type', '消费')
    await settle(450)
    $('#tx-export-csv').click()
    await settle(100)
    expect(spy).toHaveBeenCalledTimes(1)
    expect(spy.mock.calls[0]).toEqual([{ ...ALL_TX, entry_type: 'consumption' }, 'csv'])
    expect(dialogOpen('tx-export-progress')).toBe(true)
    expect($('#tx-export-progress').querySelector('.el-dialog__headerbtn')).toBeNull()
    expect($('#tx-export-progress').querySelector('.el-progress-bar__inner--indeterminate')).not.toBeNull()
    expect($('#tx-export-progress-text').textContent).toContain('正在准备导出')
    expect(disabled('tx-export-xlsx')).toBe(true)

    await emit('export-progress', { done: 2000, total: 4500 })
    await settle(50)
    expect($('#tx-export-progress-text').textContent).toBe('已导出 2,000 / 4,500 条')
    expect($('#tx-export-progress').textContent).toContain('44%')
    expect($('#tx-export-progress').querySelector('.el-progress-bar__inner--indeterminate')).toBeNull()
    // Escape does not close it while it runs
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true }))
    await settle(50)
    expect(dialogOpen('tx-export-progress')).toBe(true)

    finish({ path: '/Users/uat_admin/Documents/交易记录_20261125_153000.csv', rows: 4500 })
    await settle(300)
    expect(dialogOpen('tx-export-progress')).toBe(false)
    expect(dialogOpen('tx-export-done')).toBe(true)
    expect($('#tx-export-path').textContent).toBe('/Users/uat_admin/Documents/交易记录_20261125_153000.csv')
    expect($('#tx-export-done').textContent).toContain('共导出 4,500 条交易记录')
    expect(bodyText()).toContain('已导出 4,500 条交易记录')
    expect($('#tx-export-copy').textContent).toContain('复制路径')
    // the listener is gone: a late event changes nothing
    await emit('export-progress', { done: 4500, total: 4500 })
    await settle(50)
    expect(dialogOpen('tx-export-progress')).toBe(false)
  })

  it('export against the mock writes the whole filtered set; cancelling the save dialog shows nothing', async () => {
    const spy = spyExport()
    // what the page's listener hears from the mock's `export-progress` events
    const heard: ExportProgress[] = []
    const listen = events.exportProgress
    const listener = vi.spyOn(events, 'exportProgress').mockImplementation((handler) =>
      listen((p) => {
        heard.push(p)
        handler(p)
      }),
    )
    restore.push(listener)
    mounted = await mountApp('/ws/admin/transactions')
    await settle(400)
    $('#tx-export-xlsx').click()
    await settle(900)
    expect(spy).toHaveBeenCalledWith(ALL_TX, 'xlsx')
    expect(listener).toHaveBeenCalledTimes(1)
    expect(heard).toHaveLength(5)
    expect(heard[0]).toEqual({ done: 60, total: 300 })
    expect(heard[4]).toEqual({ done: 300, total: 300 })
    expect(dialogOpen('tx-export-done')).toBe(true)
    expect($('#tx-export-path').textContent).toMatch(/交易记录_\d{8}_\d{6}\.xlsx$/)
    expect($('#tx-export-done').textContent).toContain('共导出 300 条交易记录')
    $('#tx-export-close').click()
    await settle(300)
    expect(dialogOpen('tx-export-done')).toBe(false)

    spy.mockResolvedValue(null)
    document.querySelectorAll('.el-message').forEach((m) => m.remove())
    $('#tx-export-csv').click()
    await settle(300)
    expect(dialogOpen('tx-export-progress')).toBe(false)
    expect(dialogOpen('tx-export-done')).toBe(false)
    expect(document.querySelector('.el-message')).toBeNull()
  })

  it('a failed export says why', async () => {
    spyExport().mockRejectedValue({ code: 'INTERNAL_ERROR', message: '写入文件失败：磁盘空间不足', details: {} })
    mounted = await mountApp('/ws/admin/transactions')
    await settle(400)
    $('#tx-export-xlsx').click()
    await settle(300)
    expect(bodyText()).toContain('导出失败：写入文件失败：磁盘空间不足')
    expect(dialogOpen('tx-export-progress')).toBe(false)
    expect(dialogOpen('tx-export-done')).toBe(false)
    expect(disabled('tx-export-xlsx')).toBe(false)
  })

  it('an analyst is sent to 统计分析: no data and no export buttons; nothing is asked', async () => {
    await signIn('uat_analyst')
    const spy = spyTransactions()
    mounted = await mountApp('/ws/admin/transactions')
    await settle(300)
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(spy).not.toHaveBeenCalled()
    expect(document.querySelector('#tx-table')).toBeNull()
    expect(document.querySelector('#tx-total-count')).toBeNull()
    expect(document.querySelector('#tx-export-xlsx')).toBeNull()
    await expect(api.adminTransactions(ALL_TX)).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })
})

// ----- 公告管理 -----

function annItems(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('#ann-list .ann-item')]
}

function titleOf(item: HTMLElement): string {
  return item.querySelector('.ann-item__title')!.textContent!.trim()
}

/** The open confirmation's text (ElMessageBox, in <body>). */
function messageBoxText(): string {
  return document.querySelector('.el-message-box')?.textContent ?? ''
}

describe('公告管理', () => {
  afterEach(() => {
    for (const fn of Object.values(api)) if (vi.isMockFunction(fn)) fn.mockRestore()
  })

  it('lists the announcements newest first with audience, publisher and time; long ones fold', async () => {
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    expect($('#menu-announcements').classList).toContain('is-active')
    expect(document.querySelector('#page-announcements')).not.toBeNull()
    expect(document.querySelector('#ann-empty')).toBeNull()
    expect($('#ann-count').textContent).toBe('共 4 条公告')
    const items = annItems()
    expect(items.map(titleOf)).toEqual(['平台维护通知', 'VIP 专属：新游戏抢先体验', '春节期间运营安排', '试用账户升级优惠'])
    expect(items.map((i) => i.querySelector('.ann-audience')!.textContent!.trim())).toEqual(['全部运营商', 'VIP', '全部运营商', '试用'])
    expect(items.map((i) => i.dataset.audience)).toEqual(['all', 'vip', 'all', 'trial'])
    expect(document.querySelectorAll('#ann-list .ann-pending')).toHaveLength(0)

    const first = items[0]!
    expect(first.querySelector('.ann-body')!.textContent).toBe('平台将于本周六 02:00-04:00 进行维护，期间暂停授权申请。')
    expect(first.querySelector('.ann-meta')!.textContent).toMatch(/张海峰 发布于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
    expect(first.querySelector('.ann-toggle')).toBeNull()
    expect(items[3]!.querySelector('.ann-meta')!.textContent).toContain('未知发布人')

    // the body keeps its line breaks; a long one is folded until 展开全文
    const long = items[2]!
    const body = long.querySelector<HTMLElement>('.ann-body')!
    expect(body.textContent).toContain('各位运营商伙伴：\n\n春节将至')
    expect(body.classList).toContain('is-folded')
    const toggle = long.querySelector<HTMLElement>('.ann-toggle')!
    expect(toggle.textContent).toContain('展开全文')
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    toggle.click()
    await settle(0)
    expect(body.classList).not.toContain('is-folded')
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    expect(toggle.textContent).toContain('收起')
  })

  it('an empty list shows #ann-empty with a publish button', async () => {
    vi.spyOn(api, 'adminAnnouncements').mockResolvedValue([])
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    expect(document.querySelector('#ann-list')).toBeNull()
    expect($('#ann-empty').textContent).toContain('还没有发布过公告')
    $('#ann-empty-new').click()
    await settle()
    expect(dialogOpen('ann-dialog')).toBe(true)
  })

  it('a blank title shows the inline error and nothing is published or confirmed', async () => {
    const publish = vi.spyOn(api, 'adminAnnouncementPublish')
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    $('#ann-new').click()
    await settle()
    expect(dialogOpen('ann-dialog')).toBe(true)
    expect(document.activeElement?.id).toBe('ann-title')
    expect($('#ann-audience-all').querySelector('input')!.checked).toBe(true)
    expect(document.querySelector('#ann-tier')).toBeNull()
    const dialog = $('#ann-dialog')
    expect(dialog.textContent).toContain('0 / 100')
    expect(dialog.textContent).toContain('0 / 2000')

    typeInto('ann-title', '   ')
    typeInto('ann-body', '周六凌晨维护')
    await settle(0)
    $('#ann-publish').click()
    await settle()
    expect(dialog.textContent).toContain('请输入公告标题')
    expect(dialog.textContent).not.toContain('请输入公告内容')
    expect(document.querySelector('.ann-publish-confirm')).toBeNull()
    expect(publish).not.toHaveBeenCalled()
    // Enter in the title submits too: still refused
    enter('ann-title')
    await settle()
    expect(publish).not.toHaveBeenCalled()
    expect(dialogOpen('ann-dialog')).toBe(true)

    typeInto('ann-title', '维护通知')
    await settle()
    expect(dialog.textContent).not.toContain('请输入公告标题')
  })

  it('publishing to a tier needs the tier, asks first, then sends it and shows a 待同步 item', async () => {
    const publish = vi.spyOn(api, 'adminAnnouncementPublish')
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    $('#ann-new').click()
    await settle()
    typeInto('ann-title', '  VIP 答谢活动  ')
    typeInto('ann-body', '第一行\n第二行')
    $('#ann-audience-tier').querySelector('input')!.click()
    await settle()
    expect(document.querySelector('#ann-tier')).not.toBeNull()
    $('#ann-publish').click()
    await settle()
    expect($('#ann-dialog').textContent).toContain('请选择运营商等级')
    expect(document.querySelector('.ann-publish-confirm')).toBeNull()
    expect(publish).not.toHaveBeenCalled()

    await choose('ann-tier', 'VIP')
    expect($('#ann-dialog').textContent).not.toContain('请选择运营商等级')
    $('#ann-publish').click()
    await settle()
    expect(messageBoxText()).toContain('公告「VIP 答谢活动」将发送给所有「VIP」等级的运营商')
    expect(messageBoxText()).toContain('无法撤回')
    expect(publish).not.toHaveBeenCalled()
    $('.ann-publish-confirm').click()
    await settle(400)
    expect(publish).toHaveBeenCalledTimes(1)
    expect(publish.mock.calls[0]![0]).toEqual({ title: 'VIP 答谢活动', body: '第一行\n第二行', tier: 'vip' })
    expect(bodyText()).toContain('已发布公告「VIP 答谢活动」')
    expect(dialogOpen('ann-dialog')).toBe(false)

    const item = annItems()[0]!
    expect(titleOf(item)).toBe('VIP 答谢活动')
    expect(item.querySelector('.ann-audience')!.textContent!.trim()).toBe('VIP')
    expect(item.querySelector('.ann-pending')!.textContent!.trim()).toBe('待同步')
    expect(item.querySelector('.ann-body')!.textContent).toBe('第一行\n第二行')
    expect($('#ann-count').textContent).toBe('共 5 条公告')
    expect((await api.syncStatus('admin')).pending).toBe(1)

    // once synced the 待同步 tag goes
    await api.syncNow('admin')
    await mounted.wrapper.find('#page-refresh').trigger('click')
    await settle()
    expect(document.querySelectorAll('#ann-list .ann-pending')).toHaveLength(0)
  })

  it('to every operator by default: the confirmation says so, cancelling it publishes nothing', async () => {
    const publish = vi.spyOn(api, 'adminAnnouncementPublish')
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    $('#ann-new').click()
    await settle()
    typeInto('ann-title', '系统升级')
    typeInto('ann-body', '今晚升级')
    await settle(0)
    $('#ann-publish').click()
    await settle()
    expect(messageBoxText()).toContain('将发送给全部运营商')
    $('.el-message-box__btns .ann-publish-cancel').click()
    await settle(400)
    expect(publish).not.toHaveBeenCalled()
    expect(dialogOpen('ann-dialog')).toBe(true)

    // Ctrl+Enter in the body publishes
    $('#ann-body').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }))
    await settle()
    $('.ann-publish-confirm').click()
    await settle(400)
    expect(publish).toHaveBeenCalledWith({ title: '系统升级', body: '今晚升级', tier: null })
    expect(annItems()[0]!.querySelector('.ann-audience')!.textContent!.trim()).toBe('全部运营商')
  })

  it("the core's VALIDATION_FAILED shows under its field; other refusals as #ann-error", async () => {
    const publish = vi.spyOn(api, 'adminAnnouncementPublish')
    publish.mockRejectedValueOnce({ code: 'VALIDATION_FAILED', message: '内容不能为空，且不能超过 2000 个字符', details: { field: 'body' } })
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    $('#ann-new').click()
    await settle()
    typeInto('ann-title', '标题')
    typeInto('ann-body', '内容')
    await settle(0)
    $('#ann-publish').click()
    await settle()
    $('.ann-publish-confirm').click()
    await settle(400)
    expect($('#ann-dialog').textContent).toContain('内容不能为空，且不能超过 2000 个字符')
    expect(document.querySelector('#ann-error')).toBeNull()

    publish.mockRejectedValueOnce({ code: 'FORBIDDEN', message: '当前账号无权执行此操作', details: {} })
    $('#ann-publish').click()
    await settle()
    $('.ann-publish-confirm').click()
    await settle(400)
    expect($('#ann-error').textContent).toContain('发布失败：当前账号无权执行此操作')
    expect(dialogOpen('ann-dialog')).toBe(true)
  })

  it('an analyst is sent to 统计分析 and cannot publish', async () => {
    await signIn('uat_analyst')
    mounted = await mountApp('/ws/admin/announcements')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(annItems()).toHaveLength(0)
    expect(document.querySelector('#ann-new')).toBeNull()
    await expect(api.adminAnnouncementPublish({ title: '标题', body: '内容', tier: null })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    })
  })
})

// ----- API keys in the operator drawer -----

async function openOperator(username: string): Promise<void> {
  mounted = await mountApp('/ws/admin/operators')
  await settle()
  $(`.op-row[data-username="${username}"]`).click()
  await settle()
}

describe('运营商管理: API keys', () => {
  afterEach(() => {
    for (const fn of Object.values(api)) if (vi.isMockFunction(fn)) fn.mockRestore()
    Reflect.deleteProperty(navigator, 'clipboard')
  })

  it('查看 asks first (audited), then shows the whole key with a copy button', async () => {
    const reveal = vi.spyOn(api, 'adminApiKeyReveal')
    const writeText = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    await openOperator('vr_haiyang')
    expect($('#op-api-key').textContent).toBe('••••••••••••02a2')

    $('#op-api-key-reveal').click()
    await settle()
    expect(messageBoxText()).toContain('海洋之心VR馆')
    expect(messageBoxText()).toContain('审计日志')
    expect(reveal).not.toHaveBeenCalled()
    $('.el-message-box__btns .api-key-reveal-cancel').click()
    await settle(400)
    expect(reveal).not.toHaveBeenCalled()
    expect(dialogOpen('api-key-dialog')).toBe(false)

    $('#op-api-key-reveal').click()
    await settle()
    $('.api-key-reveal-confirm').click()
    await settle(400)
    expect(reveal).toHaveBeenCalledTimes(1)
    const operatorId = reveal.mock.calls[0]![0]
    expect(operatorId).toBe($('.op-row[data-username="vr_haiyang"]').dataset.id)
    expect(dialogOpen('api-key-dialog')).toBe(true)
    const dialog = $('#api-key-dialog')
    expect(dialog.textContent).toContain('运营商 API Key')
    expect(dialog.textContent).toContain('当前的 API Key')
    expect(dialog.textContent).toContain('妥善保管')
    expect(dialog.textContent).not.toContain('只显示这一次')
    const key = $('#api-key-value').textContent!
    expect(key).toHaveLength(64)
    expect(key.endsWith('02a2')).toBe(true)
    // revealing changes nothing
    expect($('#op-api-key').textContent).toBe('••••••••••••02a2')

    $('#api-key-copy').click()
    await settle()
    expect(writeText).toHaveBeenCalledWith(key)
    expect(bodyText()).toContain('已复制到剪贴板')
    $('#api-key-close').click()
    await settle(400)
    expect(dialogOpen('api-key-dialog')).toBe(false)
    expect(document.querySelector('#api-key-value')).toBeNull()
  })

  it('重置 warns, then shows the new key once and the drawer the new masked key', async () => {
    const reset = vi.spyOn(api, 'adminApiKeyReset')
    await openOperator('uat_operator')
    expect($('#op-api-key').textContent).toBe('••••••••••••a1b2')
    $('#op-api-key-reset').click()
    await settle()
    const warning = messageBoxText()
    expect(warning).toContain('星际乐园VR体验馆')
    expect(warning).toContain('立即失效')
    expect(warning).toContain('所有头显')
    expect(warning).toContain('通知')
    expect(reset).not.toHaveBeenCalled()
    $('.api-key-reset-confirm').click()
    await settle(400)
    expect(reset).toHaveBeenCalledTimes(1)
    const shown = await reset.mock.results[0]!.value
    expect(dialogOpen('api-key-dialog')).toBe(true)
    const dialog = $('#api-key-dialog')
    expect(dialog.textContent).toContain('新的 API Key')
    expect(dialog.textContent).toContain('只显示这一次')
    expect(dialog.querySelector('.el-dialog__headerbtn')).toBeNull()
    expect($('#api-key-value').textContent).toBe(shown.api_key)
    expect($('#api-key-close').textContent).toContain('我已保存')
    expect($('#op-api-key').textContent).toBe(shown.api_key_masked)
    expect($('#op-api-key').textContent!.endsWith(shown.api_key.slice(-4))).toBe(true)
    expect(bodyText()).toContain('已重置「星际乐园VR体验馆」的 API Key')
  })

  it('offline says plainly that it needs the network; other errors give their message', async () => {
    const reveal = vi.spyOn(api, 'adminApiKeyReveal')
    reveal.mockRejectedValue({ code: 'SERVER_UNREACHABLE', message: 'server unreachable', details: {} })
    await openOperator('vr_haiyang')
    $('#op-api-key-reveal').click()
    await settle()
    $('.api-key-reveal-confirm').click()
    await settle(400)
    expect(bodyText()).toContain('查看 API Key 需要联网')
    expect(dialogOpen('api-key-dialog')).toBe(false)

    const reset = vi.spyOn(api, 'adminApiKeyReset')
    reset.mockRejectedValue({ code: 'SERVICE_UNAVAILABLE', message: 'unavailable', details: {} })
    $('#op-api-key-reset').click()
    await settle()
    $('.api-key-reset-confirm').click()
    await settle(400)
    expect(bodyText()).toContain('重置 API Key 需要联网')
    expect($('#op-api-key').textContent).toBe('••••••••••••02a2')

    reveal.mockRejectedValue({ code: 'FORBIDDEN', message: '当前账号无权执行此操作', details: {} })
    $('#op-api-key-reveal').click()
    await settle()
    $('.api-key-reveal-confirm').click()
    await settle(400)
    expect(bodyText()).toContain('查看 API Key 失败：当前账号无权执行此操作')
    expect(dialogOpen('api-key-dialog')).toBe(false)
  })

  it('an analyst never reaches the operators (sent to 统计分析); the server refuses keys', async () => {
    await signIn('uat_analyst')
    mounted = await mountApp('/ws/admin/operators')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(document.querySelector('.op-row')).toBeNull()
    expect(document.querySelector('#operator-new')).toBeNull()
    await expect(api.adminApiKeyReveal('0193a1f0-0000-7000-8000-000000000402')).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })
})
