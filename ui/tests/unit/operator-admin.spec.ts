// 运营商管理: 新建 (the API key shown once), 编辑, 锁定 / 解锁 with a required reason, against
// mocked commands; and the operator form's rules.
import { afterEach, describe, expect, it } from 'vitest'
import type { OperatorAccountRow } from '@/api/generated/OperatorAccountRow'
import type { Role } from '@/api/generated/Role'
import { profileOf } from '@/dev/ipc-mock'
import { validateOperatorForm, type OperatorForm } from '@/utils/validation'
import {
  $,
  DEFAULT_SETTINGS,
  bodyText,
  callsOf,
  choose,
  dialogOpen,
  formErrors,
  mockCommands,
  mountApp,
  session,
  settle,
  typeInto,
  unmountAndClearMocks,
  type Handler,
} from './helpers'

// ----- the form rules -----

function form(extra: Partial<OperatorForm> = {}): OperatorForm {
  return {
    username: 'vr_xinghe',
    password: 'Welcome2026',
    display_name: '星河VR体验馆',
    contact_name: '',
    phone: '13912345678',
    email: 'ops@xinghe.cn',
    tier: 'standard',
    ...extra,
  }
}

describe('validateOperatorForm', () => {
  it('a complete form is valid; the contact is optional', () => {
    expect(validateOperatorForm(form(), { editing: false })).toEqual({})
    expect(validateOperatorForm(form({ contact_name: '王五', phone: '010-12345678' }), { editing: false })).toEqual({})
  })

  it('creating: username, password and the company fields are required', () => {
    expect(
      validateOperatorForm(
        { username: '', password: '', display_name: '', contact_name: '', phone: '', email: '', tier: null },
        { editing: false },
      ),
    ).toEqual({
      username: { key: 'validation.usernameRequired' },
      password: { key: 'validation.passwordRequired' },
      display_name: { key: 'validation.displayNameRequired' },
      phone: { key: 'validation.phoneRequired' },
      email: { key: 'validation.emailRequired' },
      tier: { key: 'validation.tierRequired' },
    })
  })

  it('the same formats as registration', () => {
    const errors = validateOperatorForm(
      form({ username: '1abc', password: 'onlyletters', phone: '12345', email: 'no-at-sign', contact_name: '名'.repeat(65) }),
      { editing: false },
    )
    expect(errors).toEqual({
      username: { key: 'validation.usernameFormat' },
      password: { key: 'validation.passwordFormat' },
      contact_name: { key: 'validation.contactNameFormat' },
      phone: { key: 'validation.phoneFormat' },
      email: { key: 'validation.emailFormat' },
    })
  })

  it('editing ignores the username and the password (read-only / absent)', () => {
    expect(validateOperatorForm(form({ username: '', password: '' }), { editing: true })).toEqual({})
    expect(validateOperatorForm(form({ username: '', password: '', tier: null }), { editing: true })).toEqual({
      tier: { key: 'validation.tierRequired' },
    })
  })
})

// ----- the page, against mocked commands -----

const KEY = 'Qx7Lr2Vb9TfK1mZp8WcN4hJd6YsA3uGe5RkB0oPiXvLnMqTa2SyD7wEj1HgFc9Ub'

function row(n: number, username: string, display_name: string, extra: Partial<OperatorAccountRow> = {}): OperatorAccountRow {
  return {
    id: `op-${n}`,
    username,
    display_name,
    contact_name: null,
    phone: `1380013800${n}`,
    email: `${username}@example.cn`,
    tier: 'standard',
    status: 'active',
    balance: '100.00',
    is_locked: false,
    locked_reason: null,
    locked_at: null,
    api_key_last4: `k${n}00`,
    closed_at: null,
    created_at: `2026-11-0${n}T02:00:00Z`,
    updated_at: `2026-11-0${n}T02:00:00Z`,
    ...extra,
  }
}

let rows: OperatorAccountRow[] = []

afterEach(unmountAndClearMocks)

/** The commands the operators page needs; `rows` is "the cache" it lists. */
function commands(extra: Record<string, Handler> = {}, role: Role = 'super_admin') {
  rows = [row(1, 'uat_operator', '星际乐园VR体验馆'), row(2, 'vr_haiyang', '海洋之心VR馆', { tier: 'vip' })]
  return mockCommands({
    settings_get: () => DEFAULT_SETTINGS,
    session_get: () => session('admin', { role }),
    connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
    sync_status: () => ({
      online: true,
      pending: 0,
      last_synced_at: '2026-11-25T08:00:00Z',
      last_error: null,
      conflicts: 0,
      update_required: false,
      progress: null,
    }),
    sync_conflicts: () => [],
    sync_now: () => ({}),
    admin_requests: () => ({ items: [], total: 0, awaiting: 0 }),
    admin_operators: () => ({ items: rows.map((r) => ({ ...r })), total: rows.length }),
    admin_authorizations: () => ({ items: [], total: 0, counts: { active: 0, expired: 0, revoked: 0, expiring_soon: 0 } }),
    ...extra,
  })
}

async function openPage(): Promise<void> {
  await mountApp('/ws/admin/operators')
  await settle(300)
}

/** 新建运营商 with a valid form for `username`, then 保存. */
async function createOperator(username: string): Promise<void> {
  $('#operator-new').click()
  await settle()
  typeInto('operator-username', username)
  typeInto('operator-password', 'Welcome2026')
  typeInto('operator-display-name', '星河VR体验馆')
  typeInto('operator-phone', '13912345678')
  typeInto('operator-email', 'ops@xinghe.cn')
  await settle()
  $('#operator-save').click()
  await settle(300)
}

async function openDetail(username: string): Promise<void> {
  $(`.op-row[data-username="${username}"]`).click()
  await settle()
}

describe('运营商管理: 新建运营商', () => {
  it('validates inline, sends the form, then shows the API key once behind 我已保存', async () => {
    const calls = commands({
      admin_operator_create: (p) => {
        const input = p.input as { username: string; display_name: string; phone: string; email: string; tier: 'vip' }
        const created = row(3, input.username, input.display_name, { phone: input.phone, email: input.email, tier: input.tier })
        rows.push(created)
        return { operator: profileOf(created), api_key: KEY }
      },
    })
    await openPage()
    $('#operator-new').click()
    await settle()
    expect(dialogOpen('operator-dialog')).toBe(true)
    expect($('#operator-dialog').textContent).toContain('新建运营商')
    $('#operator-save').click()
    await settle()
    expect(formErrors('operator-dialog')).toEqual([
      '请输入用户名',
      '请输入密码',
      '请输入公司或场馆名称',
      '请输入联系电话',
      '请输入邮箱',
    ])
    expect(callsOf(calls, 'admin_operator_create')).toHaveLength(0)

    typeInto('operator-username', 'vr_xinghe')
    typeInto('operator-password', 'Welcome2026')
    typeInto('operator-display-name', '星河VR体验馆')
    typeInto('operator-contact-name', '赵六')
    typeInto('operator-phone', '13912345678')
    typeInto('operator-email', 'ops@xinghe.cn')
    await choose('operator-tier', 'VIP')
    expect(formErrors('operator-dialog')).toEqual([])
    $('#operator-save').click()
    await settle(300)

    expect(callsOf(calls, 'admin_operator_create').map((c) => c.payload)).toEqual([
      {
        input: {
          username: 'vr_xinghe',
          password: 'Welcome2026',
          display_name: '星河VR体验馆',
          contact_name: '赵六',
          phone: '13912345678',
          email: 'ops@xinghe.cn',
          tier: 'vip',
        },
      },
    ])
    expect(dialogOpen('operator-dialog')).toBe(false)
    expect(dialogOpen('operator-key-dialog')).toBe(true)
    expect($('#operator-created-key').textContent).toBe(KEY)
    expect($('#operator-key-dialog').textContent).toContain('只显示这一次')
    expect(document.querySelector('#operator-key-copy')).not.toBeNull()
    // no ✕, no Esc: only 我已保存 closes it
    expect(document.querySelector('#operator-key-dialog .el-dialog__headerbtn')).toBeNull()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true }))
    await settle()
    expect(dialogOpen('operator-key-dialog')).toBe(true)

    // the cache is synced and the list read again: the new operator is there
    expect(callsOf(calls, 'sync_now')).toHaveLength(1)
    expect(document.querySelector('.op-row[data-username="vr_xinghe"]')).not.toBeNull()

    $('#operator-key-done').click()
    await settle(400)
    expect(dialogOpen('operator-key-dialog')).toBe(false)
    // the key is forgotten once closed
    expect(bodyText()).not.toContain(KEY)
  })

  it('a taken username shows under the username; the form stays open', async () => {
    commands({
      admin_operator_create: () => {
        throw { code: 'USERNAME_TAKEN', message: '用户名已被占用', details: { field: 'username' } }
      },
    })
    await openPage()
    await createOperator('vr_haiyang')
    expect(formErrors('operator-dialog')).toEqual(['用户名已被占用'])
    expect(dialogOpen('operator-dialog')).toBe(true)
    expect(dialogOpen('operator-key-dialog')).toBe(false)
  })

  it('the server’s VALIDATION_FAILED fields show under their inputs', async () => {
    commands({
      admin_operator_create: () => {
        throw { code: 'VALIDATION_FAILED', message: '字段无效', details: { fields: { email: '该邮箱已被使用', phone: '手机号无效' } } }
      },
    })
    await openPage()
    await createOperator('vr_xinghe')
    expect(formErrors('operator-dialog')).toEqual(['手机号无效', '该邮箱已被使用'])
  })

  it('only super admins and admins see 新建 / 编辑 / 锁定', async () => {
    commands({}, 'admin')
    await openPage()
    expect(document.querySelector('#operator-new')).not.toBeNull()
    await openDetail('vr_haiyang')
    expect(document.querySelector('#operator-edit')).not.toBeNull()
    expect(document.querySelector('#operator-lock')).not.toBeNull()
    expect(document.querySelector('#operator-unlock')).toBeNull()
  })
})

describe('运营商管理: 编辑 and 锁定 / 解锁', () => {
  it('编辑: the username is read-only, no password; the tier can change', async () => {
    const calls = commands({
      admin_operator_update: (p) => {
        const input = p.input as { display_name: string; phone: string; email: string; tier: 'trial' }
        const r = rows.find((x) => x.id === p.id)!
        Object.assign(r, input)
        return profileOf(r)
      },
    })
    await openPage()
    await openDetail('vr_haiyang')
    $('#operator-edit').click()
    await settle()
    expect($('#operator-dialog').textContent).toContain('编辑运营商')
    const username = $('#operator-username') as HTMLInputElement
    expect(username.value).toBe('vr_haiyang')
    expect(username.disabled).toBe(true)
    expect(document.querySelector('#operator-password')).toBeNull()
    expect(($('#operator-display-name') as HTMLInputElement).value).toBe('海洋之心VR馆')
    typeInto('operator-phone', '010-87654321')
    await choose('operator-tier', '试用')
    $('#operator-save').click()
    await settle(300)
    expect(callsOf(calls, 'admin_operator_update').map((c) => c.payload)).toEqual([
      {
        id: 'op-2',
        input: { display_name: '海洋之心VR馆', phone: '010-87654321', email: 'vr_haiyang@example.cn', tier: 'trial' },
      },
    ])
    expect(dialogOpen('operator-dialog')).toBe(false)
    expect(document.querySelector('#op-detail')!.textContent).toContain('010-87654321')
    expect(callsOf(calls, 'sync_now')).toHaveLength(1)
  })

  it('锁定 needs a reason; then the drawer offers 解锁', async () => {
    const calls = commands({
      admin_operator_lock: (p) => {
        const r = rows.find((x) => x.id === p.id)!
        Object.assign(r, { is_locked: true, locked_reason: p.reason, locked_at: '2026-11-25T08:00:00Z' })
        return profileOf(r)
      },
    })
    await openPage()
    await openDetail('vr_haiyang')
    expect(document.querySelector('#operator-unlock')).toBeNull()
    $('#operator-lock').click()
    await settle()
    expect(dialogOpen('operator-lock-dialog')).toBe(true)
    expect($('#operator-lock-dialog').textContent).toContain('所有头显将无法启动游戏')
    $('#operator-lock-confirm').click()
    await settle()
    expect(formErrors('operator-lock-dialog')).toEqual(['请填写原因'])
    typeInto('operator-lock-reason', '   ')
    await settle()
    $('#operator-lock-confirm').click()
    await settle()
    expect(formErrors('operator-lock-dialog')).toEqual(['请填写原因'])
    expect(callsOf(calls, 'admin_operator_lock')).toHaveLength(0)

    typeInto('operator-lock-reason', ' 欠费超过 30 天 ')
    await settle()
    expect(formErrors('operator-lock-dialog')).toEqual([])
    $('#operator-lock-confirm').click()
    await settle(300)
    expect(callsOf(calls, 'admin_operator_lock').map((c) => c.payload)).toEqual([{ id: 'op-2', reason: '欠费超过 30 天' }])
    expect(dialogOpen('operator-lock-dialog')).toBe(false)
    expect(bodyText()).toContain('已锁定「海洋之心VR馆」')
    expect(document.querySelector('#operator-lock')).toBeNull()
    expect(document.querySelector('#operator-unlock')).not.toBeNull()
    expect(document.querySelector('#op-detail')!.textContent).toContain('欠费超过 30 天')
  })

  it('解锁 also needs a reason; a CONFLICT shows the server’s message in the dialog', async () => {
    const calls = commands({
      admin_operator_unlock: () => {
        throw { code: 'CONFLICT', message: '该运营商未被锁定', details: {} }
      },
    })
    rows[1] = { ...rows[1]!, is_locked: true, locked_reason: '异常启动', locked_at: '2026-11-24T08:00:00Z' }
    await openPage()
    await openDetail('vr_haiyang')
    $('#operator-unlock').click()
    await settle()
    expect($('#operator-lock-dialog').textContent).toContain('解锁运营商')
    expect($('#operator-lock-dialog').textContent).toContain('当前锁定原因：异常启动')
    $('#operator-lock-confirm').click()
    await settle()
    expect(formErrors('operator-lock-dialog')).toEqual(['请填写原因'])
    typeInto('operator-lock-reason', '已补缴费用')
    await settle()
    $('#operator-lock-confirm').click()
    await settle(300)
    expect(callsOf(calls, 'admin_operator_unlock').map((c) => c.payload)).toEqual([{ id: 'op-2', reason: '已补缴费用' }])
    expect($('#operator-lock-error').textContent).toContain('解锁失败：该运营商未被锁定')
    expect(dialogOpen('operator-lock-dialog')).toBe(true)
  })
})
