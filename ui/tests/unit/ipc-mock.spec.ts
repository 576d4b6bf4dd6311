// The dev IPC mock (`vite --mode mock`) answers like the core: the sync fields the shell
// shows must be there, and tests can put it into the initial-sync / update-required states.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { clearMocks } from '@tauri-apps/api/mocks'
import { api } from '@/api/commands'
import { installIpcMock, setMockSync } from '@/dev/ipc-mock'
import { mountApp, settle, type Mounted } from './helpers'

let mounted: Mounted | undefined

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => {})
  installIpcMock()
  await api.authLogin({ workspace: 'finance', username: 'uat_finance', password: 'Uat@123456' })
})

afterEach(() => {
  mounted?.wrapper.unmount()
  mounted = undefined
  setMockSync({ updateRequired: false, progress: null })
  document.body.innerHTML = ''
})

afterAll(() => clearMocks())

describe('dev IPC mock: sync', () => {
  it('sync_status carries update_required and progress (off by default)', async () => {
    const s = await api.syncStatus('finance')
    expect(s.update_required).toBe(false)
    expect(s.progress).toBeNull()
    expect(s.last_synced_at).not.toBeNull()
  })

  it('setMockSync simulates a running pull and a server that wants an update', async () => {
    setMockSync({ progress: { applied: 30_000, total: 60_000 } })
    let s = await api.syncStatus('finance')
    expect(s.progress).toEqual({ applied: 30_000, total: 60_000 })
    expect(s.last_synced_at).toBeNull()

    setMockSync({ progress: null, updateRequired: true })
    s = await api.syncStatus('finance')
    expect(s.update_required).toBe(true)
    expect(s.last_error?.code).toBe('PROTOCOL_UNSUPPORTED')
    await expect(api.syncNow('finance')).rejects.toMatchObject({ code: 'PROTOCOL_UNSUPPORTED' })
  })

  it('sync_diagnostics lists the rows per entity of the workspace scope', async () => {
    const d = await api.syncDiagnostics('finance')
    expect(d.mirror_counts.map((m) => m.entity)).toEqual([
      'operator_account',
      'ledger_entry',
      'payment_order',
      'refund',
      'invoice',
      'audit_entry',
    ])
    expect(d.mirror_counts.every((m) => m.count > 0)).toBe(true)
  })

  it('drives the real header: progress, then 需要更新', async () => {
    setMockSync({ progress: { applied: 15_000, total: 60_000 } })
    mounted = await mountApp('/ws/finance/home')
    await settle(400)
    expect(mounted.wrapper.find('#sync-progress-text').text()).toBe('正在同步 25%（15,000 / 60,000 条）')

    setMockSync({ progress: null, updateRequired: true })
    await mounted.wrapper.find('#sync-now').trigger('click')
    await settle(800)
    expect(mounted.wrapper.find('#sync-state').text()).toBe('需要更新')
    expect(mounted.wrapper.find('#sync-update-required').exists()).toBe(true)
  })
})

describe('dev IPC mock: message centre', () => {
  it('pages, counts and marks all read like the core', async () => {
    await api.authLogin({ workspace: 'operator', username: 'uat_operator', password: 'Uat@123456' })
    const first = await api.operatorMessagePage({ offset: 0, limit: 2, unread_only: false })
    expect(first.total).toBe(4)
    expect(first.unread).toBe(3)
    expect(first.items.map((m) => m.title)).toEqual(['授权申请已通过', '账户余额不足提醒'])
    const rest = await api.operatorMessagePage({ offset: 2, limit: 2, unread_only: false })
    expect(rest.items.map((m) => m.title)).toEqual(['平台维护通知', '充值到账'])
    const unread = await api.operatorMessagePage({ offset: 0, limit: 20, unread_only: true })
    expect(unread.total).toBe(3)
    expect(unread.items.every((m) => !m.is_read)).toBe(true)
    expect(await api.operatorUnreadCount()).toBe(3)
    await expect(api.operatorMessagePage({ offset: 0, limit: 0, unread_only: false })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })

    expect(await api.operatorMessagesReadAll()).toBe(3)
    expect(await api.operatorUnreadCount()).toBe(0)
    const after = await api.operatorMessagePage({ offset: 0, limit: 20, unread_only: false })
    expect(after.unread).toBe(0)
    expect(after.items.every((m) => m.is_read)).toBe(true)
    expect(after.items.filter((m) => m.pending)).toHaveLength(3)
    expect((await api.syncStatus('operator')).pending).toBe(3)
    expect(await api.operatorMessagesReadAll()).toBe(0)
  })
})

describe('dev IPC mock: statistics, staff and operator changes', () => {
  it('aggregates sessions per query: sections add up to the totals, the step follows the range', async () => {
    await api.authLogin({ workspace: 'admin', username: 'uat_analyst', password: 'Uat@123456' })
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)
    const day = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
    const month = await api.adminStatistics({ from: day(-29), to: today })
    expect(month.granularity).toBe('day')
    expect(month.totals.sessions).toBeGreaterThan(0)
    expect(month.apps.reduce((n, a) => n + a.sessions, 0)).toBe(month.totals.sessions)
    expect(month.player_counts.reduce((n, p) => n + p.sessions, 0)).toBe(month.totals.sessions)
    expect(month.sites.length).toBeLessThanOrEqual(8)
    expect(month.operators.length).toBeLessThanOrEqual(10)
    expect(month.sites.every((s) => s.points.every((p) => p.bucket >= day(-29) && p.bucket <= today))).toBe(true)
    expect((await api.adminStatistics({ from: day(-99), to: today })).granularity).toBe('week')
    expect((await api.adminStatistics({ from: day(-364), to: today })).granularity).toBe('month')
    await expect(api.adminStatistics({ from: day(-1096), to: today })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(api.adminStatistics({ from: today, to: day(-1) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    // an analyst may not manage staff or operators
    await expect(api.adminStaffList()).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(api.adminOperatorLock('x', '原因')).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('refuses to disable oneself; a disabled account cannot sign in until enabled', async () => {
    await api.authLogin({ workspace: 'admin', username: 'uat_admin', password: 'Uat@123456' })
    const staff = await api.adminStaffList()
    const me = staff.find((a) => a.username === 'uat_admin')!
    await expect(api.adminStaffSetDisabled(me.id, true)).rejects.toMatchObject({ code: 'SELF_ACTION_FORBIDDEN' })
    const other = await api.adminStaffCreate({ username: 'second_root', password: 'Root2026ok', display_name: '备用管理员', role: 'super_admin' })
    await api.authLogin({ workspace: 'admin', username: 'second_root', password: 'Root2026ok' })
    await api.adminStaffSetDisabled(me.id, true)
    await expect(api.adminStaffSetDisabled(other.id, true)).rejects.toMatchObject({ code: 'SELF_ACTION_FORBIDDEN' })
    await expect(api.authLogin({ workspace: 'admin', username: 'uat_admin', password: 'Uat@123456' })).rejects.toMatchObject({
      code: 'ACCOUNT_DISABLED',
    })
    await api.adminStaffSetDisabled(me.id, false)
    await api.authLogin({ workspace: 'admin', username: 'uat_admin', password: 'Uat@123456' })
    await api.adminStaffSetDisabled(other.id, true)
    await expect(api.adminStaffSetDisabled(me.id, true)).rejects.toMatchObject({ code: 'SELF_ACTION_FORBIDDEN' })
  })
})
