import { afterEach, describe, expect, it, vi } from 'vitest'
import { clearMocks } from '@tauri-apps/api/mocks'
import type { Conflict } from '@/api/generated/Conflict'
import type { MessagePage } from '@/api/generated/MessagePage'
import type { MessageQuery } from '@/api/generated/MessageQuery'
import type { MessageView } from '@/api/generated/MessageView'
import type { SiteView } from '@/api/generated/SiteView'
import type { SyncStatus } from '@/api/generated/SyncStatus'
import { applyLocale, i18n } from '@/i18n'
import { SYNC_POLL_MS, SYNC_PROGRESS_POLL_MS, useSyncStore } from '@/stores/sync'
import {
  DEFAULT_SETTINGS,
  bodyText,
  callsOf,
  mockCommands,
  mountApp,
  session,
  settle,
  type Handler,
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

function site(id: string, name: string, pending = false, extra: Partial<SiteView> = {}): SiteView {
  return {
    id,
    operator_id: 'id-operator',
    name,
    address: '北京市朝阳区朝阳北路101号',
    contact_name: '王建国',
    contact_phone: '13800138000',
    description: null,
    created_at: '2026-11-20T08:00:00Z',
    updated_at: '2026-11-20T08:00:00Z',
    pending,
    ...extra,
  }
}

function status(extra: Partial<SyncStatus> = {}): SyncStatus {
  return {
    online: true,
    pending: 0,
    // Just now: the badge shows today's syncs as a time only, whatever day the tests run.
    last_synced_at: new Date().toISOString(),
    last_error: null,
    conflicts: 0,
    update_required: false,
    progress: null,
    ...extra,
  }
}

function operator(extra: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    settings_get: () => DEFAULT_SETTINGS,
    session_get: () => session('operator'),
    connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
    sync_status: () => status(),
    sync_conflicts: () => [],
    operator_unread_count: () => 0,
    ...extra,
  }
}

/** Sets an input or textarea (looked up in the whole document: dialogs live in <body>). */
function type(id: string, value: string): void {
  const el = document.querySelector(`#${id}`) as HTMLInputElement | null
  const target =
    el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA')
      ? el
      : (document.querySelector(`#${id} input, #${id} textarea`) as HTMLInputElement)
  target.value = value
  target.dispatchEvent(new Event('input'))
}

function click(selector: string): void {
  const el = document.querySelector(selector) as HTMLElement | null
  if (!el) throw new Error(`nothing matches ${selector}`)
  el.click()
}

describe('运营点管理', () => {
  it('lists the cached sites with a 待同步 tag on pending rows', async () => {
    mockCommands(
      operator({
        operator_sites: () => [site('s1', '北京朝阳店', true), site('s2', '上海徐家汇店')],
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    const w = mounted.wrapper
    expect(w.find('#page-sites').exists()).toBe(true)
    const text = w.find('#page-sites').text()
    expect(text).toContain('北京朝阳店')
    expect(text).toContain('上海徐家汇店')
    expect(text).toContain('13800138000')
    const tags = w.findAll('.site-pending')
    expect(tags).toHaveLength(1)
    expect(tags[0]!.text()).toBe('待同步')
    expect(w.find('#menu-sites').classes()).toContain('is-active')
  })

  it('shows an empty state when there is no site', async () => {
    mockCommands(operator({ operator_sites: () => [] }))
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    expect(mounted.wrapper.find('#sites-empty').text()).toContain('还没有运营点')
  })

  it('search filters the rows', async () => {
    mockCommands(operator({ operator_sites: () => [site('s1', '北京朝阳店'), site('s2', '上海徐家汇店')] }))
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    type('site-search', '徐家汇')
    await settle(0)
    const text = mounted.wrapper.find('#page-sites').text()
    expect(text).toContain('上海徐家汇店')
    expect(text).not.toContain('北京朝阳店')
  })

  it('create: checks the form like the core, then queues trimmed fields', async () => {
    const list: SiteView[] = [site('s1', '北京朝阳店')]
    const calls = mockCommands(
      operator({
        operator_sites: () => [...list],
        operator_site_create: (p) => {
          const args = p.args as SiteView
          const created = site('s9', args.name, true, { address: args.address, contact_phone: args.contact_phone })
          list.unshift(created)
          return created
        },
        sync_status: () => status({ pending: list.filter((s) => s.pending).length }),
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    mounted.wrapper.find('#site-new').trigger('click')
    await settle()

    click('#site-save')
    await settle()
    expect(bodyText()).toContain('请输入运营点名称')

    type('site-name', '北京朝阳店')
    type('site-contact-phone', '12345')
    type('site-address', 'x'.repeat(201))
    click('#site-save')
    await settle()
    expect(bodyText()).toContain('已有同名的运营点')
    expect(bodyText()).toContain('手机号或座机号格式不正确')
    expect(bodyText()).toContain('不能超过 200 个字符')
    expect(callsOf(calls, 'operator_site_create')).toHaveLength(0)

    type('site-name', '  北京望京店 ')
    type('site-contact-phone', '010-12345678')
    type('site-address', '  ')
    click('#site-save')
    await settle()
    expect(callsOf(calls, 'operator_site_create').map((c) => c.payload)).toEqual([
      {
        args: {
          name: '北京望京店',
          address: null,
          contact_name: null,
          contact_phone: '010-12345678',
          description: null,
        },
      },
    ])
    expect(mounted.wrapper.find('#page-sites').text()).toContain('北京望京店')
    expect(mounted.wrapper.findAll('.site-pending')).toHaveLength(1)
    // The header's queued count follows at once, without waiting for the poll.
    expect(mounted.wrapper.find('#sync-pending').text()).toBe('待同步 1')
  })

  it('a name the core refuses as taken shows on the name field', async () => {
    mockCommands(
      operator({
        operator_sites: () => [],
        operator_site_create: () => {
          throw { code: 'SITE_NAME_TAKEN', message: '已存在同名运营点', details: {} }
        },
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    mounted.wrapper.find('#site-new').trigger('click')
    await settle()
    type('site-name', '北京朝阳店')
    click('#site-save')
    await settle()
    expect(bodyText()).toContain('已有同名的运营点')
  })

  it('edit sends the site id and the whole form', async () => {
    const calls = mockCommands(
      operator({
        operator_sites: () => [site('s1', '北京朝阳店')],
        operator_site_update: (p) => site(p.siteId as string, (p.args as SiteView).name, true),
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    await mounted.wrapper.find('.site-edit').trigger('click')
    await settle()
    expect((document.querySelector('#site-name') as HTMLInputElement).value).toBe('北京朝阳店')
    type('site-name', '北京朝阳大悦城店')
    click('#site-save')
    await settle()
    const [call] = callsOf(calls, 'operator_site_update')
    expect(call!.payload.siteId).toBe('s1')
    expect((call!.payload.args as SiteView).name).toBe('北京朝阳大悦城店')
    expect((call!.payload.args as SiteView).contact_phone).toBe('13800138000')
  })

  it('delete asks first; cancel keeps the site, confirm queues the delete', async () => {
    let list = [site('s1', '北京朝阳店'), site('s2', '上海徐家汇店')]
    const calls = mockCommands(
      operator({
        operator_sites: () => [...list],
        operator_site_delete: (p) => {
          list = list.filter((s) => s.id !== p.siteId)
          return null
        },
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    await mounted.wrapper.findAll('.site-delete')[0]!.trigger('click')
    await settle()
    expect(bodyText()).toContain('确定删除运营点「北京朝阳店」吗？')
    click('.el-message-box__btns .el-button:not(.site-delete-confirm)')
    await settle(400)
    expect(callsOf(calls, 'operator_site_delete')).toHaveLength(0)

    await mounted.wrapper.findAll('.site-delete')[0]!.trigger('click')
    await settle()
    click('.site-delete-confirm')
    await settle(400)
    expect(callsOf(calls, 'operator_site_delete').map((c) => c.payload)).toEqual([{ siteId: 's1' }])
    expect(mounted.wrapper.find('#page-sites').text()).not.toContain('北京朝阳店')
  })
})

describe('消息中心', () => {
  function msg(id: string, title: string, read: boolean, at: string): MessageView {
    return { id, kind: 'system', title, body: `${title}的内容`, is_read: read, read_at: read ? at : null, created_at: at, pending: false }
  }

  /** `n` messages, 消息 n the newest; every third (消息 3, 6, …) already read. */
  function many(n: number): MessageView[] {
    return Array.from({ length: n }, (_, k) => {
      const i = k + 1
      const at = new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString()
      return msg(`m${i}`, `消息 ${i}`, i % 3 === 0, at)
    })
  }

  /** The core's paged message commands over `list` (newest first, counts, read-all). */
  function messageCommands(list: MessageView[]): Record<string, Handler> {
    const unread = () => list.filter((m) => !m.is_read).length
    const markRead = (m: MessageView) =>
      Object.assign(m, { is_read: true, read_at: '2026-11-25T08:00:00Z', pending: true })
    return {
      operator_message_page: (p): MessagePage => {
        const q = p.query as MessageQuery
        const newest = [...list].sort((a, b) => b.created_at.localeCompare(a.created_at))
        const matching = q.unread_only ? newest.filter((m) => !m.is_read) : newest
        return {
          items: matching.slice(q.offset, q.offset + q.limit).map((m) => ({ ...m })),
          total: matching.length,
          unread: unread(),
        }
      },
      operator_unread_count: () => unread(),
      operator_message_read: (p) => {
        const m = list.find((x) => x.id === p.messageId)!
        if (!m.is_read) markRead(m)
        return { ...m }
      },
      operator_messages_read_all: () => {
        const todo = list.filter((m) => !m.is_read)
        todo.forEach(markRead)
        return todo.length
      },
      sync_status: () => status({ pending: list.filter((m) => m.pending).length }),
    }
  }

  const titles = (m: Mounted) => m.wrapper.findAll('.message__title').map((e) => e.text())
  const queries = (calls: ReturnType<typeof mockCommands>) =>
    callsOf(calls, 'operator_message_page').map((c) => c.payload.query as MessageQuery)
  const lastQuery = (calls: ReturnType<typeof mockCommands>) => queries(calls).at(-1)

  async function goToPage(n: number): Promise<void> {
    const li = [...document.querySelectorAll<HTMLElement>('#messages-pagination .el-pager li')].find(
      (e) => e.textContent?.trim() === String(n),
    )
    if (!li) throw new Error(`no pager button ${n}`)
    li.click()
    await settle(0)
  }

  it('newest first, unread bold, mark read queues and updates the badge', async () => {
    const list = [
      msg('m1', '旧消息', false, '2026-11-20T08:00:00Z'),
      msg('m2', '新消息', false, '2026-11-24T08:00:00Z'),
      msg('m3', '已读消息', true, '2026-11-22T08:00:00Z'),
    ]
    const calls = mockCommands(operator(messageCommands(list)))
    mounted = await mountApp('/ws/operator/messages')
    await settle()
    const w = mounted.wrapper
    expect(titles(mounted)).toEqual(['新消息', '已读消息', '旧消息'])
    expect(queries(calls)[0]).toEqual({ offset: 0, limit: 20, unread_only: false })
    expect(w.findAll('.message.is-unread')).toHaveLength(2)
    expect(w.find('#messages-unread-count').text()).toBe('2 条未读')
    expect(w.find('#menu-messages-badge').text()).toBe('2')
    // a single page: no pager
    expect(w.find('#messages-pagination').exists()).toBe(false)

    await w.findAll('.message-read')[0]!.trigger('click')
    await settle()
    expect(callsOf(calls, 'operator_message_read').map((c) => c.payload)).toEqual([{ messageId: 'm2' }])
    expect(w.findAll('.message.is-unread')).toHaveLength(1)
    expect(w.find('.message-pending').exists()).toBe(true)
    expect(w.find('#menu-messages-badge').text()).toBe('1')
    expect(w.find('#sync-pending').text()).toBe('待同步 1')
    // the whole list is never fetched, neither by the page nor for the badge
    expect(callsOf(calls, 'operator_messages')).toHaveLength(0)
  })

  it('reads one page of 20 at a time: 共 45 条, page 3 holds the 5 oldest', async () => {
    const list = many(45)
    const calls = mockCommands(operator(messageCommands(list)))
    mounted = await mountApp('/ws/operator/messages')
    await settle()
    const w = mounted.wrapper
    expect(w.findAll('.message')).toHaveLength(20)
    expect(titles(mounted)[0]).toBe('消息 45')
    expect(titles(mounted)[19]).toBe('消息 26')
    const pager = w.find('#messages-pagination')
    expect(pager.exists()).toBe(true)
    expect(pager.find('.el-pagination__total').text()).toBe('共 45 条')
    expect(pager.find('.el-pagination__jump').exists()).toBe(true)
    expect(w.find('#messages-unread-count').text()).toBe('30 条未读')

    await goToPage(3)
    expect(lastQuery(calls)).toEqual({ offset: 40, limit: 20, unread_only: false })
    expect(titles(mounted)).toEqual(['消息 5', '消息 4', '消息 3', '消息 2', '消息 1'])
    expect(w.find('#messages-pagination .el-pager li.is-active').text()).toBe('3')
    expect(callsOf(calls, 'operator_messages')).toHaveLength(0)
  })

  it('a sync reload keeps the current page, and steps back when that page is gone', async () => {
    const list = many(45)
    const calls = mockCommands(operator(messageCommands(list)))
    mounted = await mountApp('/ws/operator/messages')
    await settle()
    await goToPage(3)
    const sync = useSyncStore(mounted.pinia)

    sync.revision += 1
    await settle(0)
    expect(lastQuery(calls)).toEqual({ offset: 40, limit: 20, unread_only: false })
    expect(titles(mounted)).toHaveLength(5)

    // the five oldest disappear (e.g. after a rebuild): page 3 no longer exists
    list.splice(0, 5)
    sync.revision += 1
    await settle(0)
    expect(lastQuery(calls)).toEqual({ offset: 20, limit: 20, unread_only: false })
    expect(titles(mounted)).toHaveLength(20)
    expect(titles(mounted).at(-1)).toBe('消息 6')
    expect(mounted.wrapper.find('#messages-pagination .el-pager li.is-active').text()).toBe('2')
  })

  it('the unread-only filter re-queries from page 1', async () => {
    const list = many(45)
    const calls = mockCommands(operator(messageCommands(list)))
    mounted = await mountApp('/ws/operator/messages')
    await settle()
    const w = mounted.wrapper
    await goToPage(2)
    expect(lastQuery(calls)).toEqual({ offset: 20, limit: 20, unread_only: false })

    const before = queries(calls).length
    await w.find('#messages-unread-only').trigger('click')
    await settle(0)
    // one query, straight to page 1 of the unread ones
    expect(queries(calls).slice(before)).toEqual([{ offset: 0, limit: 20, unread_only: true }])
    expect(w.findAll('.message')).toHaveLength(20)
    expect(w.findAll('.message.is-unread')).toHaveLength(20)
    expect(titles(mounted).slice(0, 3)).toEqual(['消息 44', '消息 43', '消息 41'])
    expect(w.find('#messages-pagination .el-pagination__total').text()).toBe('共 30 条')
    expect(w.find('#messages-pagination .el-pager li.is-active').text()).toBe('1')

    await goToPage(2)
    expect(lastQuery(calls)).toEqual({ offset: 20, limit: 20, unread_only: true })
    expect(w.findAll('.message')).toHaveLength(10)
    // back to all messages: page 1 again
    await w.find('#messages-unread-only').trigger('click')
    await settle(0)
    expect(lastQuery(calls)).toEqual({ offset: 0, limit: 20, unread_only: false })
    expect(w.find('#messages-pagination .el-pagination__total').text()).toBe('共 45 条')
  })

  it('全部已读 is one command for every unread message; the unread figure drops to 0', async () => {
    const list = many(45)
    const calls = mockCommands(operator(messageCommands(list)))
    mounted = await mountApp('/ws/operator/messages')
    await settle()
    const w = mounted.wrapper
    expect(w.find('#menu-messages-badge').text()).toBe('30')
    await w.find('#messages-unread-only').trigger('click')
    await settle(0)
    await goToPage(2)
    expect(w.find('#messages-read-all').attributes('disabled')).toBeUndefined()

    await w.find('#messages-read-all').trigger('click')
    await settle()
    expect(callsOf(calls, 'operator_messages_read_all')).toHaveLength(1)
    expect(callsOf(calls, 'operator_message_read')).toHaveLength(0)
    expect(bodyText()).toContain('已将 30 条消息标为已读，将自动同步到服务器')
    // page 2 of the unread ones is gone: back to page 1, which is empty
    expect(lastQuery(calls)).toEqual({ offset: 0, limit: 20, unread_only: true })
    expect(w.find('#messages-empty').text()).toContain('没有未读消息')
    expect(w.find('#messages-pagination').exists()).toBe(false)
    expect(w.find('#messages-unread-count').text()).toBe('全部已读')
    expect(w.find('#messages-read-all').attributes('disabled')).toBeDefined()
    expect(w.find('#menu-messages-badge').exists()).toBe(false)
    expect(w.find('#sync-pending').text()).toBe('待同步 30')

    // all messages again: every one read, the ones read here still waiting for the server
    await w.find('#messages-unread-only').trigger('click')
    await settle(0)
    expect(w.findAll('.message')).toHaveLength(20)
    expect(w.findAll('.message.is-unread')).toHaveLength(0)
    expect(w.findAll('.message-read')).toHaveLength(0)
    expect(w.findAll('.message-pending').length).toBeGreaterThan(0)
    expect(callsOf(calls, 'operator_messages')).toHaveLength(0)
  })

  it('the 全部已读 notice in English', () => {
    applyLocale('en')
    try {
      const t = i18n.global.t
      expect(t('messages.readAllDone', { count: 1 }, 1)).toBe('Marked 1 message as read; it syncs automatically')
      expect(t('messages.readAllDone', { count: 30 }, 30)).toBe('Marked 30 messages as read; they sync automatically')
    } finally {
      applyLocale('zh-CN')
    }
  })

  it('the sync store counts unread messages with operator_unread_count, not the whole list', async () => {
    const calls = mockCommands(operator({ operator_sites: () => [], operator_unread_count: () => 120_000 }))
    mounted = await mountApp('/ws/operator/sites')
    await settle()
    const sync = useSyncStore(mounted.pinia)
    expect(sync.unread).toBe(120_000)
    expect(mounted.wrapper.find('#menu-messages-badge').text()).toBe('99+')
    expect(callsOf(calls, 'operator_unread_count').length).toBeGreaterThan(0)
    expect(callsOf(calls, 'operator_messages')).toHaveLength(0)
  })
})

describe('header sync status', () => {
  const CONFLICTS: Conflict[] = [
    {
      id: 11,
      command_id: 'c-11',
      seq: 3,
      name: 'site.create',
      args: { site_id: 'x', name: '北京朝阳店' },
      code: 'SITE_NAME_TAKEN',
      message: '已存在同名运营点',
      created_at: '2026-11-25T07:00:00Z',
      rejected_at: '2026-11-25T07:01:00Z',
      dismissed_at: null,
    },
    {
      id: 12,
      command_id: 'c-12',
      seq: 4,
      name: 'profile.update',
      args: { display_name: '星际乐园' },
      code: 'VALIDATION_FAILED',
      message: '邮箱格式不正确',
      created_at: '2026-11-25T07:02:00Z',
      rejected_at: '2026-11-25T07:03:00Z',
      dismissed_at: null,
    },
  ]

  it('shows the queued count only when there is one, and polls every 3 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let pending = 0
    const calls = mockCommands(operator({ operator_home: () => null, sync_status: () => status({ pending }) }))
    mounted = await mountApp('/ws/operator/home')
    await settle(0)
    const w = mounted.wrapper
    expect(w.find('#sync-status').exists()).toBe(true)
    expect(w.find('#conn-badge').text()).toContain('在线')
    expect(w.find('#sync-pending').exists()).toBe(false)
    pending = 3
    vi.advanceTimersByTime(SYNC_POLL_MS)
    await settle(0)
    expect(w.find('#sync-pending').text()).toBe('待同步 3')
    expect(callsOf(calls, 'sync_status').every((c) => c.payload.workspace === 'operator')).toBe(true)
  })

  it('a page reloads its list when the cache moved (last_synced_at changes)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let synced = '2026-11-25T08:00:00Z'
    let sites = [site('s1', '北京朝阳店')]
    mockCommands(operator({ operator_sites: () => sites, sync_status: () => status({ last_synced_at: synced }) }))
    mounted = await mountApp('/ws/operator/sites')
    await settle(0)
    sites = [...sites, site('s2', '另一台设备新建的店')]
    synced = '2026-11-25T08:00:05Z'
    vi.advanceTimersByTime(SYNC_POLL_MS)
    await settle(0)
    expect(mounted.wrapper.find('#page-sites').text()).toContain('另一台设备新建的店')
  })

  it('sync now runs a round for this workspace', async () => {
    const calls = mockCommands(operator({ operator_home: () => null, sync_now: () => ({}) }))
    mounted = await mountApp('/ws/operator/home')
    await settle(0)
    await mounted.wrapper.find('#sync-now').trigger('click')
    await settle()
    expect(callsOf(calls, 'sync_now').map((c) => c.payload)).toEqual([{ workspace: 'operator' }])
  })

  it('lists conflicts in words with their reason, and dismisses one', async () => {
    let open = [...CONFLICTS]
    const calls = mockCommands(
      operator({
        operator_home: () => null,
        sync_status: () => status({ conflicts: open.length }),
        sync_conflicts: () => open,
        sync_conflict_dismiss: (p) => {
          open = open.filter((c) => c.id !== p.id)
          return null
        },
      }),
    )
    mounted = await mountApp('/ws/operator/home')
    await settle(0)
    const w = mounted.wrapper
    expect(w.find('#sync-conflicts').text()).toContain('冲突 2')
    await w.find('#sync-conflicts').trigger('click')
    await settle()
    const panel = document.querySelector('#conflicts-panel')!
    expect(panel.textContent).toContain('新建运营点「北京朝阳店」')
    expect(panel.textContent).toContain('已存在同名运营点')
    expect(panel.textContent).toContain('修改账户资料「星际乐园」')
    expect(panel.querySelectorAll('.conflict-dismiss')).toHaveLength(2)

    ;(panel.querySelectorAll('.conflict-dismiss')[0] as HTMLElement).click()
    await settle()
    expect(callsOf(calls, 'sync_conflict_dismiss').map((c) => c.payload)).toEqual([
      { workspace: 'operator', id: 11 },
    ])
    expect(document.querySelector('#conflicts-panel')!.textContent).not.toContain('北京朝阳店')
    expect(w.find('#sync-conflicts').text()).toContain('冲突 1')
  })

  it('admin shows the same element with its own sync state (admin syncs too)', async () => {
    let synced: string | null = null
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const calls = mockCommands({
      settings_get: () => DEFAULT_SETTINGS,
      session_get: () => session('admin'),
      connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
      admin_overview: () => null,
      sync_status: () => status({ last_synced_at: synced }),
      sync_conflicts: () => [],
    })
    mounted = await mountApp('/ws/admin/home')
    await settle(0)
    const text = () => mounted!.wrapper.find('#sync-status').text()
    expect(text()).toContain('在线')
    expect(text()).toContain('尚未同步')
    expect(mounted.wrapper.find('#sync-pending').exists()).toBe(false)

    synced = new Date().toISOString()
    vi.advanceTimersByTime(SYNC_POLL_MS)
    await settle(0)
    expect(mounted.wrapper.find('#sync-state').text()).toMatch(/^已同步 · \d\d:\d\d$/)
    expect(callsOf(calls, 'sync_status').every((c) => c.payload.workspace === 'admin')).toBe(true)
  })
})

describe('initial sync progress', () => {
  it('shows the percentage and grouped counts while a pull runs; the page keeps working', async () => {
    mockCommands(
      operator({
        operator_sites: () => [site('s1', '北京朝阳店')],
        sync_status: () => status({ last_synced_at: null, progress: { applied: 45_000, total: 100_000 } }),
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle(0)
    const w = mounted.wrapper
    expect(w.find('#sync-progress-text').text()).toBe('正在同步 45%（45,000 / 100,000 条）')
    expect(w.find('#sync-progress').attributes('data-indeterminate')).toBe('false')
    const bar = w.find('#sync-progress [role="progressbar"]')
    expect(bar.attributes('aria-valuenow')).toBe('45')
    expect((w.find('#sync-progress .el-progress-bar__inner').element as HTMLElement).style.width).toBe('45%')
    // The progress replaces the state label; nothing else in the window waits for it.
    expect(w.find('#sync-state').exists()).toBe(false)
    expect(w.find('#page-sites').text()).toContain('北京朝阳店')
    expect(w.find('[data-testid="page-loading"]').exists()).toBe(false)

    applyLocale('en')
    await settle(0)
    expect(w.find('#sync-progress-text').text()).toBe('Syncing 45% (45,000 / 100,000 items)')
  })

  it('a pull with no known total shows an indeterminate bar and the count so far', async () => {
    mockCommands(
      operator({
        operator_home: () => null,
        sync_status: () => status({ progress: { applied: 12_000, total: null } }),
      }),
    )
    mounted = await mountApp('/ws/operator/home')
    await settle(0)
    const w = mounted.wrapper
    expect(w.find('#sync-progress-text').text()).toBe('正在同步 12,000 条…')
    expect(w.find('#sync-progress').attributes('data-indeterminate')).toBe('true')
    expect(w.find('#sync-progress .el-progress-bar__inner--indeterminate').exists()).toBe(true)
    expect(w.find('#sync-progress [role="progressbar"]').attributes('aria-valuenow')).toBeUndefined()
    expect(w.find('#sync-progress-text').text()).not.toContain('%')
  })

  it('an estimate the pull outgrew never shows more done than in all', async () => {
    mockCommands(
      operator({
        operator_home: () => null,
        sync_status: () => status({ progress: { applied: 105_000, total: 100_000 } }),
      }),
    )
    mounted = await mountApp('/ws/operator/home')
    await settle(0)
    expect(mounted.wrapper.find('#sync-progress-text').text()).toBe('正在同步 100%（105,000 / 105,000 条）')
  })

  it('polls every 500 ms while the pull runs, then every 3 s again; the list reloads at the end', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let progress: SyncStatus['progress'] = { applied: 0, total: 40_000 }
    let synced: string | null = null
    let sites: SiteView[] = []
    const calls = mockCommands(
      operator({
        operator_sites: () => sites,
        sync_status: () => status({ last_synced_at: synced, progress }),
      }),
    )
    mounted = await mountApp('/ws/operator/sites')
    await settle(0)
    const w = mounted.wrapper
    const polls = () => callsOf(calls, 'sync_status').length
    expect(w.find('#sync-progress-text').text()).toBe('正在同步 0%（0 / 40,000 条）')
    expect(w.find('#sites-empty').exists()).toBe(true)

    let before = polls()
    progress = { applied: 10_000, total: 40_000 }
    vi.advanceTimersByTime(SYNC_PROGRESS_POLL_MS)
    await settle(0)
    expect(polls()).toBe(before + 1)
    expect(w.find('#sync-progress-text').text()).toBe('正在同步 25%（10,000 / 40,000 条）')

    progress = { applied: 30_000, total: 40_000 }
    vi.advanceTimersByTime(SYNC_PROGRESS_POLL_MS)
    await settle(0)
    expect(w.find('#sync-progress-text').text()).toBe('正在同步 75%（30,000 / 40,000 条）')

    // The pull ends: the label comes back, the page shows what arrived, the pace slows down.
    progress = null
    synced = new Date().toISOString()
    sites = [site('s1', '北京朝阳店')]
    vi.advanceTimersByTime(SYNC_PROGRESS_POLL_MS)
    await settle(0)
    expect(w.find('#sync-progress').exists()).toBe(false)
    expect(w.find('#sync-state').text()).toMatch(/^已同步 · \d\d:\d\d$/)
    expect(w.find('#page-sites').text()).toContain('北京朝阳店')

    before = polls()
    vi.advanceTimersByTime(SYNC_POLL_MS - 1)
    await settle(0)
    expect(polls()).toBe(before)
    vi.advanceTimersByTime(1)
    await settle(0)
    expect(polls()).toBe(before + 1)
  })
})

describe('update required (426 PROTOCOL_UNSUPPORTED)', () => {
  function finance(extra: Record<string, Handler> = {}): Record<string, Handler> {
    return {
      settings_get: () => DEFAULT_SETTINGS,
      session_get: () => session('finance'),
      connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
      finance_overview: () => null,
      sync_conflicts: () => [],
      ...extra,
    }
  }
  const PROTOCOL = { code: 'PROTOCOL_UNSUPPORTED' as const, message: 'sync protocol 1 is not supported', details: {} }

  it('shows a persistent alert under the header and the badge reads 需要更新', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let required = true
    mockCommands(
      finance({
        sync_status: () =>
          required
            ? status({ update_required: true, pending: 2, last_error: PROTOCOL })
            : status({ pending: 0 }),
      }),
    )
    mounted = await mountApp('/ws/finance/home')
    await settle(0)
    const w = mounted.wrapper
    const alert = w.find('#sync-update-required')
    expect(alert.exists()).toBe(true)
    expect(alert.classes()).toContain('el-alert--warning')
    expect(alert.text()).toContain('客户端版本过旧，无法与服务器同步')
    expect(alert.text()).toContain('请更新应用后重试；未同步的操作已保留，更新后会自动提交。')
    // not dismissable
    expect(alert.find('.el-alert__close-btn').exists()).toBe(false)
    // sits in the layout, above the page, not inside it
    expect(w.find('#home-finance #sync-update-required').exists()).toBe(false)

    const badge = w.find('#sync-state')
    expect(badge.text()).toBe('需要更新')
    expect(badge.classes()).toContain('is-update')
    expect(badge.text()).not.toContain('上次同步')
    // queued commands are kept and still counted
    expect(w.find('#sync-pending').text()).toBe('待同步 2')

    // Still there on the next poll; gone once the core syncs again (the app was updated).
    vi.advanceTimersByTime(SYNC_POLL_MS)
    await settle(0)
    expect(w.find('#sync-update-required').exists()).toBe(true)
    required = false
    vi.advanceTimersByTime(SYNC_POLL_MS)
    await settle(0)
    expect(w.find('#sync-update-required').exists()).toBe(false)
    expect(w.find('#sync-state').text()).toMatch(/^已同步 · \d\d:\d\d$/)
  })

  it('update required wins over a running pull in the header', async () => {
    mockCommands(
      finance({ sync_status: () => status({ update_required: true, progress: { applied: 5, total: 10 } }) }),
    )
    mounted = await mountApp('/ws/finance/home')
    await settle(0)
    expect(mounted.wrapper.find('#sync-progress').exists()).toBe(false)
    expect(mounted.wrapper.find('#sync-state').text()).toBe('需要更新')
  })
})

describe('sync diagnostics', () => {
  function diagnostics(mirror_counts: { entity: string; count: number }[]) {
    return {
      device_id: 'dev-1',
      cursor: '18-22',
      outbox: [],
      status: status(),
      background_sync: true,
      live_updates: true,
      cache_file: '/tmp/finance.sqlite',
      mirror_counts,
    }
  }

  async function openDiagnostics(counts: { entity: string; count: number }[]): Promise<Element> {
    mockCommands({
      settings_get: () => DEFAULT_SETTINGS,
      session_get: () => session('finance'),
      connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
      finance_overview: () => null,
      sync_status: () => status(),
      sync_conflicts: () => [],
      sync_diagnostics: () => diagnostics(counts),
    })
    mounted = await mountApp('/ws/finance/home')
    await settle(0)
    await mounted.wrapper.find('#sync-diagnostics-open').trigger('click')
    await settle()
    return document.querySelector('#sync-diagnostics')!
  }

  it('lists the cached rows per entity with Chinese names and grouped counts', async () => {
    const dialog = await openDiagnostics([
      { entity: 'operator_account', count: 1286 },
      { entity: 'ledger_entry', count: 48530 },
      { entity: 'payment_order', count: 6120 },
      { entity: 'refund', count: 212 },
      { entity: 'invoice', count: 845 },
      { entity: 'audit_entry', count: 3007 },
      { entity: 'stat_daily', count: 90 },
      { entity: 'some_future_entity', count: 3 },
    ])
    expect(dialog.querySelector('#diag-mirror')!.textContent).toContain('本机缓存数据')
    const rows = [...dialog.querySelectorAll('#diag-mirror-counts tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()),
    )
    expect(rows).toEqual([
      ['运营商账户', '1,286'],
      ['账务流水', '48,530'],
      ['支付订单', '6,120'],
      ['退款', '212'],
      ['发票', '845'],
      ['审计日志', '3,007'],
      ['日统计', '90'],
      ['some_future_entity', '3'],
    ])
    const head = [...dialog.querySelectorAll('#diag-mirror-counts thead th')].map((th) => th.textContent!.trim())
    expect(head).toEqual(['数据类型', '条数'])
    expect(dialog.querySelector('#diag-mirror-empty')).toBeNull()
  })

  it('names every entity of the protocol in Chinese', async () => {
    const names = {
      operator: '运营商',
      site: '运营点',
      message: '消息',
      operator_account: '运营商账户',
      application: '应用',
      authorization_request: '授权申请',
      authorization: '授权',
      announcement: '公告',
      ledger_entry: '账务流水',
      payment_order: '支付订单',
      refund: '退款',
      invoice: '发票',
      audit_entry: '审计日志',
      stat_daily: '日统计',
    }
    const dialog = await openDiagnostics(Object.keys(names).map((entity, i) => ({ entity, count: i + 1 })))
    const labels = [...dialog.querySelectorAll('#diag-mirror-counts .diag-mirror__entity')].map((e) => e.textContent)
    expect(labels).toEqual(Object.values(names))
  })

  it('says so when the cache holds nothing yet', async () => {
    const dialog = await openDiagnostics([])
    expect(dialog.querySelector('#diag-mirror-counts')).toBeNull()
    expect(dialog.querySelector('#diag-mirror-empty')!.textContent).toBe('本机缓存中还没有数据')
  })
})

describe('finance home right after login', () => {
  // Guard for a one-off E2E screenshot (the skeleton seen again after the figures showed).
  // No cause was found in the UI; this pins down that nothing the shell does after a login —
  // the first sync finishing (finance syncs now), sync now, refresh, window focus — remounts
  // the page or empties its data.
  it('never falls back to the loading skeleton once the figures are shown', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let signedIn = false
    let synced: string | null = null
    let progress: SyncStatus['progress'] = { applied: 0, total: 500 }
    const calls = mockCommands({
      settings_get: () => DEFAULT_SETTINGS,
      session_get: () => (signedIn ? session('finance') : null),
      auth_login: () => {
        signedIn = true
        return session('finance')
      },
      connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
      finance_overview: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30))
        return {
          business_date: '2026-11-25',
          recharge_total: '1234.50',
          recharge_count: 1,
          consumption_total: '0',
          refund_total: '0',
          net_income: '1234.50',
          pending_refunds: 0,
          pending_invoices: 0,
        }
      },
      sync_status: () => status({ last_synced_at: synced, progress }),
      sync_conflicts: () => [],
      sync_now: () => ({}),
    })
    mounted = await mountApp('/ws/finance')
    const w = mounted.wrapper
    expect(mounted.router.currentRoute.value.name).toBe('finance-login')
    type('login-username', 'uat_finance')
    type('login-password', 'Uat@123456')
    await w.find('form').trigger('submit')
    await settle()
    expect(w.find('#finance-recharge-total').text()).toBe('¥ 1,234.50')
    const page = w.find('#home-finance').element

    // From here on, any skeleton node added anywhere is a regression.
    let skeletons = 0
    const seen = new MutationObserver(() => {
      if (document.querySelector('[data-testid="page-loading"]')) skeletons += 1
    })
    seen.observe(document.body, { childList: true, subtree: true })

    progress = { applied: 250, total: 500 }
    vi.advanceTimersByTime(SYNC_POLL_MS)
    await settle(0)
    progress = null
    synced = new Date().toISOString()
    vi.advanceTimersByTime(SYNC_PROGRESS_POLL_MS)
    await settle(0)
    window.dispatchEvent(new Event('focus'))
    await w.find('#sync-now').trigger('click')
    await w.find('#page-refresh').trigger('click')
    await settle()
    seen.disconnect()

    expect(skeletons).toBe(0)
    expect(w.find('#home-finance').element).toBe(page)
    expect(w.find('#finance-recharge-total').text()).toBe('¥ 1,234.50')
    expect(callsOf(calls, 'finance_overview')).toHaveLength(2)
  })
})
