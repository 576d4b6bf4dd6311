// The admin workspace's synced pages against the dev IPC mock (src/dev/ipc-mock.ts): the same
// handlers `npm run dev:mock` uses, so rows, decisions and 待同步 behave as in the core.
// Every test gets a fresh mock (its data lives in module state); the session is in localStorage.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { clearMocks } from '@tauri-apps/api/mocks'
import { api } from '@/api/commands'
import { expiryEndOfDay } from '@/utils/validation'
import { bodyText, mountApp, settle, type Mounted } from './helpers'

let mounted: Mounted | undefined

async function freshMock(): Promise<void> {
  vi.resetModules()
  const { installIpcMock } = await import('@/dev/ipc-mock')
  installIpcMock()
}

async function signIn(username = 'uat_admin'): Promise<void> {
  await api.authLogin({ workspace: 'admin', username, password: 'Uat@123456' })
}

beforeAll(() => {
  vi.spyOn(console, 'info').mockImplementation(() => {})
  localStorage.clear()
})

beforeEach(async () => {
  await freshMock()
  await signIn()
})

afterEach(() => {
  mounted?.wrapper.unmount()
  mounted = undefined
  document.body.innerHTML = ''
})

afterAll(() => {
  clearMocks()
  localStorage.clear()
})

// ----- DOM helpers (dialogs and dropdowns live in <body>) -----

function $(selector: string): HTMLElement {
  const el = document.querySelector(selector) as HTMLElement | null
  if (!el) throw new Error(`nothing matches ${selector}`)
  return el
}

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

/** The native input of an el-select: the element with the id, or the one inside it. */
function selectInput(id: string): HTMLInputElement {
  const el = $(`#${id}`)
  return (el.tagName === 'INPUT' ? el : el.querySelector('input')) as HTMLInputElement
}

/** Opens an el-select and clicks the option whose text contains `text`. */
async function choose(id: string, text: string): Promise<void> {
  const input = selectInput(id)
  input.click()
  await settle(50)
  const list = document.getElementById(input.getAttribute('aria-controls') ?? '')
  const option = [...(list?.querySelectorAll<HTMLElement>('li.el-select-dropdown__item') ?? [])].find((li) =>
    (li.textContent ?? '').includes(text),
  )
  if (!option) throw new Error(`#${id} has no option "${text}"`)
  option.click()
  await settle()
}

function typeInto(id: string, value: string): void {
  const el = $(`#${id}`)
  const target = (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el : el.querySelector('input, textarea')) as
    | HTMLInputElement
    | HTMLTextAreaElement
  target.value = value
  target.dispatchEvent(new Event('input'))
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

  it('an analyst sees the list but no decision buttons', async () => {
    await signIn('uat_analyst')
    mounted = await mountApp('/ws/admin/authorizations')
    await settle()
    expect(document.querySelectorAll('#auth-table tbody tr')).toHaveLength(7)
    expect(document.querySelector('#auth-grant')).toBeNull()
    expect(document.querySelector('.auth-revoke')).toBeNull()
    expect($('#auth-read-only').textContent).toContain('只读')
    mounted.wrapper.unmount()
    mounted = await mountApp('/ws/admin/requests')
    await settle()
    expect(document.querySelectorAll('#req-table tbody tr')).toHaveLength(2)
    expect(document.querySelector('.req-approve')).toBeNull()
    expect(document.querySelector('.req-reject')).toBeNull()
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
    expect($('#op-detail-api-key').textContent).toMatch(/^…\w{4}$/)
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
    expect(items.map((i) => i.id)).toEqual(['menu-home', 'menu-operators', 'menu-requests', 'menu-authorizations'])
    expect($('#menu-requests').textContent).toContain('授权申请审批')
    expect($('#menu-requests-badge').textContent!.trim()).toBe('2')
    $('#menu-authorizations').click()
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-authorizations')
    expect(document.querySelector('#page-authorizations')).not.toBeNull()
  })
})
