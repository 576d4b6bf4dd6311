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
