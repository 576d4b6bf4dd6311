// 交易记录 (R-O4) against the dev IPC mock (src/dev/ipc-mock.ts): the operator's own ledger,
// read from the cache (offline too), with its filters, totals, paging and export.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, events, type ExportProgress } from '@/api/commands'
import type { ExportReport } from '@/api/generated/ExportReport'
import type { TransactionQuery } from '@/api/generated/TransactionQuery'
import { useSyncStore } from '@/stores/sync'
import { toLocalDate } from '@/utils/datetime'
import { formatMoney } from '@/utils/money'
import { $, choose, devMockFile, dialogOpen, freshMock, mountApp, settle, unmountApps, type Mounted } from './helpers'

let mounted: Mounted | undefined

devMockFile()

beforeEach(async () => {
  await freshMock()
  await api.authLogin({ workspace: 'operator', username: 'uat_operator', password: 'Uat@123456' })
})

afterEach(() => {
  for (const fn of Object.values(api)) if (vi.isMockFunction(fn)) fn.mockRestore()
  for (const fn of Object.values(events)) if (vi.isMockFunction(fn)) fn.mockRestore()
  unmountApps()
})

const ALL: TransactionQuery = { operator_id: null, entry_type: null, from: null, to: null, until: null, offset: 0, limit: 20 }

function rows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('#ledger-table tbody tr')]
}

function disabled(id: string): boolean {
  return ($(`#${id}`) as HTMLButtonElement).disabled
}

function lastQuery(spy: { mock: { calls: unknown[][] } }): TransactionQuery {
  const calls = spy.mock.calls
  return calls[calls.length - 1]![0] as TransactionQuery
}

async function openPage(): Promise<void> {
  mounted = await mountApp('/ws/operator/ledger')
  await settle(300)
}

/** Opens the export menu and picks a format. */
async function exportAs(format: 'xlsx' | 'csv'): Promise<void> {
  $('#ledger-export').click()
  await settle(100)
  $(`#ledger-export-${format}`).click()
}

describe('交易记录', () => {
  it('shows the totals over the whole filter and a page of rows, newest first', async () => {
    const expected = await api.operatorLedger(ALL)
    expect(expected.totals.count).toBe(90)
    await openPage()
    expect($('#menu-ledger').classList).toContain('is-active')
    expect(document.title).toContain('交易记录')
    expect($('#ledger-total-count').textContent).toBe('90')
    expect($('#ledger-total-credits').textContent).toBe(formatMoney(expected.totals.credits))
    expect($('#ledger-total-debits').textContent).toBe(formatMoney(expected.totals.debits))
    expect($('#ledger-total-net').textContent).toBe(formatMoney(expected.totals.net))

    const shown = rows()
    expect(shown).toHaveLength(20)
    expect(shown.every((tr) => tr.classList.contains('ledger-row'))).toBe(true)
    expected.items.forEach((item, i) => {
      const tr = shown[i]!
      expect(tr.querySelector('.ledger-type')!.getAttribute('data-type')).toBe(item.entry_type)
      expect(tr.querySelector('.ledger-before')!.textContent).toBe(formatMoney(item.balance_before))
      expect(tr.querySelector('.ledger-after')!.textContent).toBe(formatMoney(item.balance_after))
      const amount = tr.querySelector<HTMLElement>('.ledger-amount')!
      if (item.amount.startsWith('-')) {
        expect(amount.dataset.direction).toBe('debit')
        expect(amount.textContent!.trim()).toBe(formatMoney(item.amount))
      } else {
        expect(amount.dataset.direction).toBe('credit')
        expect(amount.textContent!.trim()).toBe(`+${formatMoney(item.amount)}`)
      }
      if (item.description) expect(tr.textContent).toContain(item.description)
    })
    // the newest row ends at the balance the operator has now
    expect(shown[0]!.querySelector('.ledger-after')!.textContent).toBe('¥ 12,860.50')
    const labels: Record<string, string> = { recharge: '充值', consumption: '消费', refund: '退款', adjustment: '调整' }
    for (const tag of document.querySelectorAll<HTMLElement>('#ledger-table .ledger-type')) {
      expect(tag.textContent!.trim()).toBe(labels[tag.dataset.type!])
    }
    const recharge = document.querySelector<HTMLElement>('#ledger-table .ledger-type[data-type="recharge"]')
    if (recharge) expect(recharge.classList).toContain('el-tag--success')
    expect($('#ledger-pagination').textContent).toContain('共 90 条')
    expect(disabled('ledger-export')).toBe(false)
    expect(document.querySelector('#ledger-empty')).toBeNull()

    $('#ledger-pagination .btn-next').click()
    await settle(200)
    expect(rows()[0]!.textContent).toContain(formatMoney((await api.operatorLedger({ ...ALL, offset: 20 })).items[0]!.balance_after))
  })

  it('the filters are sent to operator_ledger (debounced, back to page 1)', async () => {
    const spy = vi.spyOn(api, 'operatorLedger')
    await openPage()
    expect(lastQuery(spy)).toEqual(ALL)

    $('#ledger-pagination .btn-next').click()
    await settle(200)
    expect(lastQuery(spy)).toEqual({ ...ALL, offset: 20 })

    const before = spy.mock.calls.length
    await choose('ledger-type', '消费')
    await settle(450)
    expect(lastQuery(spy)).toEqual({ ...ALL, entry_type: 'consumption' })
    expect(spy.mock.calls.length - before).toBe(1)
    const consumption = await api.operatorLedger({ ...ALL, entry_type: 'consumption' })
    expect($('#ledger-total-count').textContent).toBe(String(consumption.totals.count))
    expect(rows().every((tr) => tr.querySelector('.ledger-type')!.getAttribute('data-type') === 'consumption')).toBe(true)
    expect(rows().every((tr) => tr.querySelector('.ledger-amount')!.getAttribute('data-direction') === 'debit')).toBe(true)
    expect($('#ledger-total-credits').textContent).toBe('¥ 0.00')

    ;($('#ledger-date-from') as HTMLInputElement).click()
    await settle(100)
    const shortcut = [...document.querySelectorAll<HTMLElement>('.el-picker-panel__shortcut')].find(
      (b) => b.textContent!.trim() === '最近7天',
    )
    expect(shortcut).toBeDefined()
    shortcut!.click()
    await settle(450)
    const now = new Date()
    expect(lastQuery(spy)).toEqual({
      ...ALL,
      entry_type: 'consumption',
      from: toLocalDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 6)),
      to: toLocalDate(now),
    })

    await choose('ledger-type', '全部')
    await settle(450)
    expect(lastQuery(spy).entry_type).toBeNull()

    $('#ledger-clear-filters').click()
    await settle(450)
    expect(lastQuery(spy)).toEqual(ALL)
    expect($('#ledger-total-count').textContent).toBe('90')
  })

  it('nothing matching: #ledger-empty, and export is disabled', async () => {
    vi.spyOn(api, 'operatorLedger').mockResolvedValue({
      items: [],
      totals: { count: 0, credits: '0.00', debits: '0.00', net: '0.00' },
    })
    await openPage()
    expect($('#ledger-empty').textContent).toContain('暂无交易记录')
    expect(document.querySelector('#ledger-table')).toBeNull()
    expect(document.querySelector('#ledger-pagination')).toBeNull()
    expect($('#ledger-total-net').textContent).toBe('¥ 0.00')
    expect(disabled('ledger-export')).toBe(true)

    await choose('ledger-type', '调整')
    await settle(450)
    expect($('#ledger-empty').textContent).toContain('没有符合筛选条件的交易记录')
  })

  it('works offline: the cache is read, nothing says it needs the network', async () => {
    vi.spyOn(api, 'connectionState').mockResolvedValue({
      online: false,
      last_online_at: '2026-11-25T08:00:00Z',
      checked_at: '2026-11-25T08:05:00Z',
    })
    await openPage()
    expect(rows()).toHaveLength(20)
    expect(document.querySelector('[id$="-offline"]')).toBeNull()
    expect(disabled('ledger-export')).toBe(false)
  })

  it('a recharge paid meanwhile shows up with the next sync, without a refresh', async () => {
    await openPage()
    const order = await api.operatorRechargeCreate({ channel: 'wechat', amount: '300' })
    await api.operatorRechargeSandboxPay(order.id)
    await useSyncStore(mounted!.pinia).refresh()
    await settle(300)
    expect($('#ledger-total-count').textContent).toBe('91')
    const first = rows()[0]!
    expect(first.querySelector('.ledger-type')!.getAttribute('data-type')).toBe('recharge')
    expect(first.querySelector('.ledger-amount')!.textContent!.trim()).toBe('+¥ 300.00')
    expect(first.querySelector('.ledger-after')!.textContent).toBe('¥ 13,160.50')
    expect(first.textContent).toContain('在线充值（微信支付）')
  })

  it('export: pick CSV, a progress dialog fed by export-progress events, then where the file is', async () => {
    let finish: (r: ExportReport | null) => void = () => {}
    const spy = vi.spyOn(api, 'operatorLedgerExport').mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    await openPage()
    await choose('ledger-type', '消费')
    await settle(450)
    await exportAs('csv')
    await settle(100)
    expect(spy).toHaveBeenCalledTimes(1)
    expect(spy.mock.calls[0]).toEqual([{ ...ALL, entry_type: 'consumption' }, 'csv'])
    expect(dialogOpen('ledger-export-progress')).toBe(true)
    expect($('#ledger-export-progress').querySelector('.el-dialog__headerbtn')).toBeNull()
    expect($('#ledger-export-progress-text').textContent).toBe('正在准备导出…')
    expect(disabled('ledger-export')).toBe(true)

    const { emit } = await import('@tauri-apps/api/event')
    await emit('export-progress', { done: 30, total: 60 })
    await settle(50)
    expect($('#ledger-export-progress-text').textContent).toBe('已导出 30 / 60 条')
    expect($('#ledger-export-progress').textContent).toContain('50%')

    finish({ path: '/Users/uat_operator/Documents/交易记录_20261125_153000.csv', rows: 60 })
    await settle(300)
    expect(dialogOpen('ledger-export-progress')).toBe(false)
    expect(dialogOpen('ledger-export-done')).toBe(true)
    expect($('#ledger-export-path').textContent).toBe('/Users/uat_operator/Documents/交易记录_20261125_153000.csv')
    expect($('#ledger-export-done').textContent).toContain('共导出 60 条交易记录')
  })

  it('export against the mock writes the whole filtered set; a failure says why', async () => {
    const spy = vi.spyOn(api, 'operatorLedgerExport')
    const heard: ExportProgress[] = []
    const listen = events.exportProgress
    vi.spyOn(events, 'exportProgress').mockImplementation((handler) =>
      listen((p) => {
        heard.push(p)
        handler(p)
      }),
    )
    await openPage()
    await exportAs('xlsx')
    await settle(900)
    expect(spy).toHaveBeenCalledWith(ALL, 'xlsx')
    expect(heard).toHaveLength(5)
    expect(heard[4]).toEqual({ done: 90, total: 90 })
    expect(dialogOpen('ledger-export-done')).toBe(true)
    expect($('#ledger-export-path').textContent).toMatch(/交易记录_\d{8}_\d{6}\.xlsx$/)
    expect($('#ledger-export-done').textContent).toContain('共导出 90 条交易记录')
    $('#ledger-export-close').click()
    await settle(300)

    spy.mockRejectedValue({ code: 'LOCAL_CACHE_ERROR', message: '写入文件失败：磁盘空间不足', details: {} })
    await exportAs('csv')
    await settle(300)
    expect(document.body.textContent).toContain('导出失败：写入文件失败：磁盘空间不足')
    expect(dialogOpen('ledger-export-progress')).toBe(false)
    expect(dialogOpen('ledger-export-done')).toBe(false)
  })
})
