// 充值 (R-O3) against the dev IPC mock (src/dev/ipc-mock.ts): the same handlers `npm run dev:mock`
// uses, so an order, its sandbox payment and the sync that brings it behave as in the core.
// Every test gets a fresh mock (its data lives in module state); the session is in localStorage.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/commands'
import type { RechargeOptions } from '@/api/generated/RechargeOptions'
import type { RechargeOrder } from '@/api/generated/RechargeOrder'
import { i18n } from '@/i18n'
import { useSyncStore } from '@/stores/sync'
import { normalizeAmount, validateRechargeAmount } from '@/utils/validation'
import { $, bodyText, devMockFile, freshMock, mountApp, settle, typeInto, unmountApps, type Mounted } from './helpers'

let mounted: Mounted | undefined

async function signIn(): Promise<void> {
  await api.authLogin({ workspace: 'operator', username: 'uat_operator', password: 'Uat@123456' })
}

devMockFile()

/** For the describes that run against the mock: a fresh one, signed in, for every test. */
function withMock(): void {
  beforeEach(async () => {
    await freshMock()
    await signIn()
  })
  afterEach(() => {
    for (const fn of Object.values(api)) if (vi.isMockFunction(fn)) fn.mockRestore()
    unmountApps()
  })
}

// ----- helpers -----

function disabled(id: string): boolean {
  return ($(`#${id}`) as HTMLButtonElement).disabled
}

function amountInput(): HTMLInputElement {
  return $('#recharge-amount').tagName === 'INPUT'
    ? ($('#recharge-amount') as HTMLInputElement)
    : ($('#recharge-amount').querySelector('input') as HTMLInputElement)
}

function pressEnter(el: HTMLElement): void {
  el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }))
}

function historyRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('#recharge-history tbody tr')]
}

function messages(): string {
  return [...document.querySelectorAll('.el-message')].map((m) => m.textContent ?? '').join('\n')
}

async function openPage(): Promise<void> {
  mounted = await mountApp('/ws/operator/recharge')
  await settle(300)
}

/** Types an amount, picks the channel and presses Enter in the amount field. */
async function placeOrder(amount: string, channel: 'alipay' | 'wechat' = 'alipay'): Promise<void> {
  typeInto('recharge-amount', amount)
  $(`#recharge-channel-${channel} input`).click()
  await settle(0)
  pressEnter(amountInput())
  await settle(400)
}

const LIMITS = { min: '1.00', max: '50000.00' }

// ----- the amount rule -----

describe('充值金额的校验', () => {
  const cases: [string, string | null][] = [
    ['0', 'validation.rechargeAmountPositive'],
    ['0.00', 'validation.rechargeAmountPositive'],
    ['0.001', 'validation.rechargeAmountPlaces'],
    ['1.001', 'validation.rechargeAmountPlaces'],
    ['1.00', null],
    ['1', null],
    ['0.99', 'validation.rechargeAmountMin'],
    ['100.5', null],
    [' 500 ', null],
    ['50000.00', null],
    ['50000', null],
    ['50000.01', 'validation.rechargeAmountMax'],
    ['99999999999999999999', 'validation.rechargeAmountMax'],
    ['abc', 'validation.rechargeAmountFormat'],
    ['1e3', 'validation.rechargeAmountFormat'],
    ['-1', 'validation.rechargeAmountFormat'],
    ['.5', 'validation.rechargeAmountFormat'],
    ['1.', 'validation.rechargeAmountFormat'],
    ['1,000', 'validation.rechargeAmountFormat'],
    ['', 'validation.rechargeAmountRequired'],
    ['   ', 'validation.rechargeAmountRequired'],
  ]
  it.each(cases)('%j → %s', (text, key) => {
    expect(validateRechargeAmount(text, LIMITS)?.key ?? null).toBe(key)
  })

  it('names the limits in the message, and checks only the shape while the limits are unknown', () => {
    const t = i18n.global.t
    const max = validateRechargeAmount('50000.01', LIMITS)!
    expect(t(max.key, max.params ?? {})).toBe('单笔充值金额不能超过 ¥ 50,000.00')
    const min = validateRechargeAmount('0.5', LIMITS)!
    expect(t(min.key, min.params ?? {})).toBe('单笔充值金额不能低于 ¥ 1.00')
    expect(validateRechargeAmount('50000.01', null)).toBeNull()
    expect(validateRechargeAmount('0', null)?.key).toBe('validation.rechargeAmountPositive')
  })

  it('sends the amount as the server’s money text', () => {
    expect(normalizeAmount('100')).toBe('100.00')
    expect(normalizeAmount('007.5')).toBe('7.50')
    expect(normalizeAmount(' 1.00 ')).toBe('1.00')
    expect(normalizeAmount('0.01')).toBe('0.01')
  })
})

// ----- the page -----

describe('充值页', () => {
  withMock()

  it('shows the cached balance, the sandbox warning, the channels and the history', async () => {
    await openPage()
    expect($('#menu-recharge').classList).toContain('is-active')
    expect(document.title).toContain('充值')
    expect($('#recharge-balance').textContent).toBe('¥ 12,860.50')
    expect($('#recharge-sandbox').textContent).toContain('沙箱环境：不会产生真实扣款')
    expect(document.querySelector('#recharge-offline')).toBeNull()
    expect(($('#recharge-channel-alipay input') as HTMLInputElement).checked).toBe(true)
    expect($('#recharge-channel-alipay').textContent).toContain('支付宝')
    expect($('#recharge-channel-wechat').textContent).toContain('微信支付')
    expect($('#recharge-channel-wechat').textContent).not.toContain('未开通')
    for (const q of ['100', '500', '1000', '5000']) expect(document.querySelector(`#recharge-quick-${q}`)).not.toBeNull()
    expect(disabled('recharge-submit')).toBe(false)
    expect(document.activeElement).toBe(amountInput())

    const wallet = await api.operatorWallet()
    expect(wallet.orders.length).toBeGreaterThan(0)
    const rows = historyRows()
    expect(rows).toHaveLength(wallet.orders.length)
    expect(rows[0]!.textContent).toContain(wallet.orders[0]!.out_trade_no)
    const statuses = rows.map((tr) => tr.querySelector('.recharge-order__status')!.getAttribute('data-status'))
    expect(statuses).toContain('paid')
    expect(statuses).toContain('closed')
    const closed = rows.find((tr) => tr.querySelector('.recharge-order__status')!.getAttribute('data-status') === 'closed')!
    expect(closed.querySelector('.recharge-order__status')!.textContent!.trim()).toBe('已关闭')
    expect(closed.textContent).toContain('微信支付')
  })

  it('validates the amount under the field and sends nothing until it is right; a quick amount fills it', async () => {
    const create = vi.spyOn(api, 'operatorRechargeCreate')
    await openPage()
    $('#recharge-submit').click()
    await settle(0)
    expect($('#recharge-amount-error').textContent!.trim()).toBe('请输入充值金额')

    typeInto('recharge-amount', '0.001')
    await settle(0)
    expect($('#recharge-amount-error').textContent!.trim()).toBe('金额最多保留两位小数')
    typeInto('recharge-amount', '1e3')
    await settle(0)
    expect($('#recharge-amount-error').textContent!.trim()).toBe('请输入正确的金额，例如 100 或 100.50')
    typeInto('recharge-amount', '50000.01')
    await settle(0)
    expect($('#recharge-amount-error').textContent!.trim()).toBe('单笔充值金额不能超过 ¥ 50,000.00')
    pressEnter(amountInput())
    await settle(0)
    expect(create).not.toHaveBeenCalled()

    $('#recharge-quick-500').click()
    await settle(0)
    expect(amountInput().value).toBe('500')
    expect(document.querySelector('#recharge-amount-error')).toBeNull()
    expect($('#recharge-quick-500').classList).toContain('el-button--primary')
    expect($('#recharge-submit').textContent).toContain('充值 ¥ 500.00')
  })

  it('places the order on Enter and shows its QR code, amount, channel, order number and countdown', async () => {
    const create = vi.spyOn(api, 'operatorRechargeCreate')
    await openPage()
    await placeOrder('100', 'wechat')
    expect(create).toHaveBeenCalledTimes(1)
    expect(create.mock.calls[0]![0]).toEqual({ channel: 'wechat', amount: '100.00' })
    const order = (await create.mock.results[0]!.value) as RechargeOrder

    expect(document.querySelector('#recharge-form')).toBeNull()
    const panel = $('#recharge-qr')
    expect(panel.dataset.status).toBe('pending')
    const img = $('#recharge-qr-image') as HTMLImageElement
    expect(img.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,/)
    expect(decodeURIComponent(img.getAttribute('src')!)).toContain('<svg')
    expect(img.getAttribute('alt')).toBe('微信支付付款二维码')
    expect($('#recharge-status').dataset.status).toBe('pending')
    expect($('#recharge-status').textContent).toContain('等待支付…')
    expect($('#recharge-qr-amount').textContent).toBe('¥ 100.00')
    expect($('#recharge-qr-channel').textContent).toBe('微信支付')
    expect($('#recharge-order-no').textContent).toBe(order.out_trade_no)
    expect(order.out_trade_no).toMatch(/^R\d{18}$/)
    expect($('#recharge-countdown').textContent).toMatch(/^1[45]:\d{2}$/)
    expect($('#recharge-qr-sandbox').textContent!.trim()).toBe('沙箱')
    expect(document.querySelector('#recharge-sandbox-pay')).not.toBeNull()

    // the new order is in the history too, as 待支付 with its 沙箱 tag
    const row = historyRows().find((tr) => tr.textContent!.includes(order.out_trade_no))!
    expect(row.querySelector('.recharge-order__status')!.getAttribute('data-status')).toBe('pending')
    expect(row.querySelector('.recharge-order__sandbox')!.textContent!.trim()).toBe('沙箱')

    // 返回修改: back to the form, the order stays in the history
    $('#recharge-back').click()
    await settle(0)
    expect(document.querySelector('#recharge-qr')).toBeNull()
    expect(amountInput().value).toBe('100')

    // 继续支付 from the history: the same order's QR code again
    const again = historyRows().find((tr) => tr.textContent!.includes(order.out_trade_no))!
    ;(again.querySelector('.recharge-order__resume') as HTMLElement).click()
    await settle(200)
    expect($('#recharge-order-no').textContent).toBe(order.out_trade_no)
    expect($('#recharge-status').dataset.status).toBe('pending')
    expect(document.querySelector('#recharge-qr-image')).not.toBeNull()
  })

  it('模拟支付（沙箱）: the order turns paid, the balance rises and the ledger has the recharge', async () => {
    const pay = vi.spyOn(api, 'operatorRechargeSandboxPay')
    await openPage()
    $('#recharge-quick-100').click()
    await settle(0)
    $('#recharge-submit').click()
    await settle(400)
    expect($('#recharge-status').dataset.status).toBe('pending')

    $('#recharge-sandbox-pay').click()
    await settle(2000)
    expect(pay).toHaveBeenCalledTimes(1)
    expect($('#recharge-status').dataset.status).toBe('paid')
    expect($('#recharge-status').textContent).toContain('支付成功')
    expect($('#recharge-qr').classList).toContain('is-paid')
    expect(document.querySelector('#recharge-qr-image')).toBeNull()
    expect(document.querySelector('#recharge-sandbox-pay')).toBeNull()
    expect(document.querySelector('#recharge-countdown')).toBeNull()
    expect($('#recharge-paid-amount').textContent).toBe('已到账 ¥ 100.00')
    expect($('#recharge-new-balance').textContent).toBe('当前余额 ¥ 12,960.50')
    expect($('#recharge-balance').textContent).toBe('¥ 12,960.50')
    expect(messages()).toContain('充值成功：¥ 100.00 已到账')
    expect(historyRows()[0]!.querySelector('.recharge-order__status')!.getAttribute('data-status')).toBe('paid')

    $('#recharge-view-ledger').click()
    await settle(300)
    expect(mounted!.router.currentRoute.value.name).toBe('operator-ledger')
    const first = document.querySelector<HTMLElement>('#ledger-table .ledger-row')!
    expect(first.querySelector('.ledger-type')!.getAttribute('data-type')).toBe('recharge')
    expect(first.querySelector('.ledger-amount')!.textContent!.trim()).toBe('+¥ 100.00')
    expect(first.querySelector('.ledger-before')!.textContent).toBe('¥ 12,860.50')
    expect(first.querySelector('.ledger-after')!.textContent).toBe('¥ 12,960.50')
  })

  it('the status follows the cache: a payment that arrives with a sync turns the panel green', async () => {
    await openPage()
    await placeOrder('250.5')
    // the pull the new order asked for
    await settle(700)
    expect($('#recharge-status').dataset.status).toBe('pending')
    const { orders } = await api.operatorWallet()
    const order = orders.find((o) => o.status === 'pending')!
    expect(order.amount).toBe('250.50')

    // paid elsewhere (the buyer's phone): nothing on this page asked for it
    await api.operatorRechargeSandboxPay(order.id)
    await settle(0)
    expect($('#recharge-status').dataset.status).toBe('pending')
    // the next sync status poll sees the pull (last_synced_at moved): the revision goes up
    const sync = useSyncStore(mounted!.pinia)
    const revision = sync.revision
    await sync.refresh()
    await settle(200)
    expect(sync.revision).toBe(revision + 1)
    expect($('#recharge-status').dataset.status).toBe('paid')
    expect($('#recharge-balance').textContent).toBe('¥ 13,111.00')
    expect(messages()).toContain('充值成功：¥ 250.50 已到账')

    // 继续充值: a fresh form
    $('#recharge-again').click()
    await settle(0)
    expect(document.querySelector('#recharge-qr')).toBeNull()
    expect(amountInput().value).toBe('')
  })

  it('模拟支付 pays an order straight after it was placed, then pulls', async () => {
    const syncNow = vi.spyOn(api, 'syncNow')
    const pay = vi.spyOn(api, 'operatorRechargeSandboxPay')
    await openPage()
    await placeOrder('100')
    await settle(700)
    // the order placed here asked for a pull
    expect(syncNow).toHaveBeenCalledWith('operator')
    const pulls = syncNow.mock.calls.length
    $('#recharge-sandbox-pay').click()
    await settle(2500)
    expect(pay).toHaveBeenCalledTimes(1)
    expect(syncNow.mock.calls.length).toBeGreaterThan(pulls)
    expect($('#recharge-status').dataset.status).toBe('paid')
    expect(document.querySelector('#recharge-sandbox-error')).toBeNull()
  })

  it('a failed simulated payment says why and keeps the order waiting', async () => {
    vi.spyOn(api, 'operatorRechargeSandboxPay').mockRejectedValue({
      code: 'CONFLICT',
      message: '该订单已关闭，不能再支付',
      details: {},
    })
    await openPage()
    await placeOrder('100')
    $('#recharge-sandbox-pay').click()
    await settle(200)
    expect($('#recharge-sandbox-error').textContent).toContain('模拟支付失败：该订单已关闭，不能再支付')
    expect($('#recharge-status').dataset.status).toBe('pending')
  })

  it('offline: says recharging needs the network and disables 立即充值; the cache still shows', async () => {
    const options = vi
      .spyOn(api, 'operatorRechargeOptions')
      .mockRejectedValue({ code: 'SERVER_UNREACHABLE', message: '无法连接服务器', details: {} })
    await openPage()
    expect($('#recharge-offline').textContent).toContain('充值需要网络连接，当前处于离线状态')
    expect(disabled('recharge-submit')).toBe(true)
    expect($('#recharge-balance').textContent).toBe('¥ 12,860.50')
    expect(historyRows().length).toBeGreaterThan(0)
    expect(document.querySelector('#recharge-sandbox')).toBeNull()

    options.mockRejectedValue({ code: 'SERVICE_UNAVAILABLE', message: '服务暂不可用', details: {} })
    $('#recharge-retry').click()
    await settle(200)
    expect($('#recharge-offline').textContent).toContain('充值需要网络连接，当前处于离线状态')

    options.mockRestore()
    $('#recharge-retry').click()
    await settle(300)
    expect(document.querySelector('#recharge-offline')).toBeNull()
    expect(disabled('recharge-submit')).toBe(false)
  })

  it('offline by the connection state too, even with the options known', async () => {
    vi.spyOn(api, 'connectionState').mockResolvedValue({
      online: false,
      last_online_at: '2026-11-25T08:00:00Z',
      checked_at: '2026-11-25T08:05:00Z',
    })
    await openPage()
    expect($('#recharge-offline').textContent).toContain('充值需要网络连接，当前处于离线状态')
    expect(disabled('recharge-submit')).toBe(true)
  })

  it('an order that cannot reach the server turns the page offline', async () => {
    vi.spyOn(api, 'operatorRechargeCreate').mockRejectedValue({
      code: 'SERVER_UNREACHABLE',
      message: '无法连接服务器',
      details: {},
    })
    await openPage()
    await placeOrder('100')
    expect($('#recharge-offline').textContent).toContain('充值需要网络连接，当前处于离线状态')
    expect(disabled('recharge-submit')).toBe(true)
    expect(document.querySelector('#recharge-qr')).toBeNull()
  })

  it('PAYMENT_UNAVAILABLE: its message in a toast and above the form; no QR code', async () => {
    vi.spyOn(api, 'operatorRechargeCreate').mockRejectedValue({
      code: 'PAYMENT_UNAVAILABLE',
      message: '支付服务暂时不可用，请稍后再试',
      details: {},
    })
    await openPage()
    await placeOrder('100')
    expect($('#recharge-error').textContent).toContain('支付服务暂时不可用，请稍后再试')
    expect(messages()).toContain('支付服务暂时不可用，请稍后再试')
    expect(document.querySelector('#recharge-qr')).toBeNull()
    expect(disabled('recharge-submit')).toBe(false)
  })

  it('VALIDATION_FAILED naming the amount shows under the field', async () => {
    vi.spyOn(api, 'operatorRechargeCreate').mockRejectedValue({
      code: 'VALIDATION_FAILED',
      message: '单笔充值金额须在 ¥ 1.00 至 ¥ 50,000.00 之间',
      details: { field: 'amount', reason: 'out_of_range' },
    })
    await openPage()
    await placeOrder('100')
    expect($('#recharge-amount-error').textContent!.trim()).toBe('单笔充值金额须在 ¥ 1.00 至 ¥ 50,000.00 之间')
    expect(document.querySelector('#recharge-error')).toBeNull()
    // typing again clears the server's message
    typeInto('recharge-amount', '200')
    await settle(0)
    expect(document.querySelector('#recharge-amount-error')).toBeNull()
  })

  it('a channel that is not enabled is disabled with 未开通; no sandbox, no 模拟支付', async () => {
    const options: RechargeOptions = {
      channels: [
        { channel: 'alipay', available: false },
        { channel: 'wechat', available: true },
      ],
      min_amount: '10.00',
      max_amount: '20000.00',
      sandbox: false,
      pay_within_minutes: 30,
    }
    vi.spyOn(api, 'operatorRechargeOptions').mockResolvedValue(options)
    const create = vi.spyOn(api, 'operatorRechargeCreate').mockResolvedValue({
      id: 'o-1',
      out_trade_no: 'R202611251530001234',
      channel: 'wechat',
      amount: '100.00',
      status: 'pending',
      qr_code: 'weixin://wxpay/bizpayurl?pr=abc1234',
      is_sandbox: false,
      expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
      paid_at: null,
    })
    await openPage()
    expect(document.querySelector('#recharge-sandbox')).toBeNull()
    expect($('#recharge-channel-alipay').classList).toContain('is-disabled')
    expect($('#recharge-channel-alipay').textContent).toContain('未开通')
    expect(($('#recharge-channel-wechat input') as HTMLInputElement).checked).toBe(true)
    expect(bodyText()).toContain('单笔 ¥ 10.00 – ¥ 20,000.00，下单后请在 30 分钟内完成支付')
    typeInto('recharge-amount', '5')
    $('#recharge-submit').click()
    await settle(0)
    expect($('#recharge-amount-error').textContent!.trim()).toBe('单笔充值金额不能低于 ¥ 10.00')

    typeInto('recharge-amount', '100')
    $('#recharge-submit').click()
    await settle(300)
    expect(create.mock.calls[0]![0]).toEqual({ channel: 'wechat', amount: '100.00' })
    expect($('#recharge-qr').dataset.status).toBe('pending')
    expect(document.querySelector('#recharge-qr-sandbox')).toBeNull()
    expect(document.querySelector('#recharge-sandbox-pay')).toBeNull()
    expect($('#recharge-countdown').textContent).toMatch(/^(30:00|29:5\d)$/)
  })
})

// ----- the operator home -----

describe('运营商首页的充值入口', () => {
  withMock()

  it('充值 opens the recharge page; the balance follows a sync', async () => {
    mounted = await mountApp('/ws/operator/home')
    await settle(500)
    expect($('#operator-balance').textContent!.trim()).toBe('¥ 12,860.50')
    expect($('#home-recharge').textContent).toContain('充值')

    // a recharge paid meanwhile arrives with a sync: the home page reloads by itself
    const order = await api.operatorRechargeCreate({ channel: 'alipay', amount: '1000.00' })
    await api.operatorRechargeSandboxPay(order.id)
    await useSyncStore(mounted.pinia).refresh()
    await settle(500)
    expect($('#operator-balance').textContent!.trim()).toBe('¥ 13,860.50')

    $('#home-recharge').click()
    await settle(300)
    expect(mounted.router.currentRoute.value.name).toBe('operator-recharge')
    expect($('#recharge-balance').textContent).toBe('¥ 13,860.50')
  })
})

// ----- the mock itself -----

describe('dev IPC mock: 充值', () => {
  withMock()

  it('refuses bad orders like the server', async () => {
    await expect(api.operatorRechargeCreate({ channel: 'alipay', amount: '0.5' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'amount' },
    })
    await expect(api.operatorRechargeCreate({ channel: 'alipay', amount: '1e3' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'amount' },
    })
    await expect(api.operatorRechargeCreate({ channel: 'unionpay', amount: '100' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'channel' },
    })
    const order = await api.operatorRechargeCreate({ channel: 'alipay', amount: '50000.00' })
    expect(order).toMatchObject({ status: 'pending', is_sandbox: true, amount: '50000.00', paid_at: null })
    expect(order.qr_code).toMatch(/^https:\/\//)
    await api.operatorRechargeSandboxPay(order.id)
    await expect(api.operatorRechargeSandboxPay(order.id)).rejects.toMatchObject({ code: 'CONFLICT' })
    const wallet = await api.operatorWallet()
    expect(wallet.balance).toBe('62860.50')
    expect(wallet.orders[0]).toMatchObject({ id: order.id, status: 'paid' })
    expect(wallet.orders.length).toBeLessThanOrEqual(20)
  })

  it('?payfail=1 answers PAYMENT_UNAVAILABLE; ?offline=1 SERVER_UNREACHABLE (the wallet still reads)', async () => {
    const url = window.location.href
    try {
      window.history.replaceState(null, '', '/?payfail=1')
      await freshMock()
      await signIn()
      await expect(api.operatorRechargeCreate({ channel: 'alipay', amount: '100' })).rejects.toMatchObject({
        code: 'PAYMENT_UNAVAILABLE',
        message: '支付服务暂时不可用，请稍后再试',
      })
      window.history.replaceState(null, '', '/?offline=1')
      await freshMock()
      await signIn()
      await expect(api.operatorRechargeOptions()).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' })
      await expect(api.operatorRechargeCreate({ channel: 'alipay', amount: '100' })).rejects.toMatchObject({
        code: 'SERVER_UNREACHABLE',
      })
      expect((await api.operatorWallet()).balance).toBe('12860.50')
    } finally {
      window.history.replaceState(null, '', url)
      await freshMock()
    }
  })
})
