import { afterEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { clearMocks } from '@tauri-apps/api/mocks'
import { useSyncStore } from '@/stores/sync'
import { callsOf, mockCommands } from './helpers'

afterEach(() => clearMocks())

/** R-D8: a desktop notification when new authorization requests arrive with a sync. */
describe('new-request notification', () => {
  it('notifies only when the awaiting count rises after the first read', async () => {
    setActivePinia(createPinia())
    const counts = [2, 2, 5, 3, 4]
    const calls = mockCommands({
      admin_requests: () => ({ items: [], total: 0, awaiting: counts.shift() }),
      desktop_notify: () => true,
    })
    const store = useSyncStore()
    store.workspace = 'admin'
    for (let i = 0; i < 5; i += 1) await store.loadAwaiting()
    const notes = callsOf(calls, 'desktop_notify')
    // 2 (first read: nothing), 2 (same), 5 (+3), 3 (decided: nothing), 4 (+1)
    expect(notes.map((c) => c.payload.body)).toEqual([
      '有 3 条新的授权申请等待审批',
      '有 1 条新的授权申请等待审批',
    ])
    expect(notes[0].payload.title).toBe('新的授权申请')
    expect(store.awaiting).toBe(4)
  })

  it('a desktop without notifications changes nothing', async () => {
    setActivePinia(createPinia())
    const counts = [0, 1]
    mockCommands({
      admin_requests: () => ({ items: [], total: 0, awaiting: counts.shift() }),
      desktop_notify: () => {
        throw { code: 'INTERNAL_ERROR', message: 'no notification service', details: {} }
      },
    })
    const store = useSyncStore()
    store.workspace = 'operator'
    await store.loadAwaiting()
    store.workspace = 'admin'
    await store.loadAwaiting()
    await store.loadAwaiting()
    expect(store.awaiting).toBe(1)
  })
})
