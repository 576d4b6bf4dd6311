// 员工账号: the form rules, and the page against the dev IPC mock (src/dev/ipc-mock.ts), whose
// staff live "on the server" like the real ones (uat_admin is the super admin).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/commands'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import {
  STAFF_ROLES,
  serverFieldErrors,
  validatePasswordForm,
  validateStaffForm,
  type StaffForm,
} from '@/utils/validation'
import {
  $,
  bodyText,
  choose,
  devMockFile,
  dialogOpen,
  formErrors,
  freshMock,
  mountApp,
  settle,
  typeInto,
  unmountApps,
  type Mounted,
} from './helpers'

// ----- the form rules -----

function staff(extra: Partial<StaffForm> = {}): StaffForm {
  return { username: 'li_si', display_name: '李四', role: 'analyst', password: 'Passw0rd', confirm: 'Passw0rd', ...extra }
}

describe('validateStaffForm', () => {
  it('a complete form is valid, for every staff role', () => {
    for (const role of STAFF_ROLES) expect(validateStaffForm(staff({ role }))).toEqual({})
    expect(STAFF_ROLES).toEqual(['super_admin', 'admin', 'accountant', 'manager', 'auditor', 'analyst'])
  })

  it('an empty form names every field', () => {
    expect(validateStaffForm({ username: '', display_name: ' ', role: null, password: '', confirm: '' })).toEqual({
      username: { key: 'validation.usernameRequired' },
      display_name: { key: 'validation.staffNameRequired' },
      role: { key: 'validation.staffRoleRequired' },
      password: { key: 'validation.passwordRequired' },
      confirm: { key: 'validation.confirmRequired' },
    })
  })

  it('uses the same username and password rules as registration', () => {
    expect(validateStaffForm(staff({ username: '9abc' })).username).toEqual({ key: 'validation.usernameFormat' })
    expect(validateStaffForm(staff({ username: 'ab' })).username).toEqual({ key: 'validation.usernameFormat' })
    expect(validateStaffForm(staff({ password: 'abcdefgh', confirm: 'abcdefgh' })).password).toEqual({
      key: 'validation.passwordFormat',
    })
    expect(validateStaffForm(staff({ confirm: 'Passw0rd!' })).confirm).toEqual({ key: 'validation.confirmMismatch' })
    expect(validateStaffForm(staff({ role: 'operator' })).role).toEqual({ key: 'validation.staffRoleRequired' })
    expect(validateStaffForm(staff({ display_name: '名'.repeat(65) })).display_name).toEqual({
      key: 'validation.tooLong',
      params: { max: 64 },
    })
  })

  it('重置密码: the password and its confirmation', () => {
    expect(validatePasswordForm({ password: 'NewPass123', confirm: 'NewPass123' })).toEqual({})
    expect(validatePasswordForm({ password: 'short1', confirm: '' })).toEqual({
      password: { key: 'validation.passwordFormat' },
      confirm: { key: 'validation.confirmRequired' },
    })
  })
})

describe('serverFieldErrors', () => {
  const body = (code: ErrorBody['code'], details: Record<string, unknown> = {}): ErrorBody => ({
    code,
    message: '服务器的说明',
    details,
  })
  const fields = ['username', 'password', 'display_name'] as const

  it('maps details.field and details.fields, keeping only known fields', () => {
    expect(serverFieldErrors(body('VALIDATION_FAILED', { field: 'display_name' }), fields)).toEqual({
      display_name: '服务器的说明',
    })
    expect(
      serverFieldErrors(body('VALIDATION_FAILED', { fields: { username: '格式不对', password: '', other: 'x' } }), fields),
    ).toEqual({ username: '格式不对', password: '服务器的说明' })
    expect(serverFieldErrors(body('VALIDATION_FAILED', { field: 'role' }), fields)).toBeNull()
  })

  it('USERNAME_TAKEN is the username’s, WEAK_PASSWORD the password’s; others are not field errors', () => {
    expect(serverFieldErrors(body('USERNAME_TAKEN'), fields)).toEqual({ username: '服务器的说明' })
    expect(serverFieldErrors(body('WEAK_PASSWORD'), fields)).toEqual({ password: '服务器的说明' })
    expect(serverFieldErrors(body('WEAK_PASSWORD'), ['username'] as const)).toBeNull()
    expect(serverFieldErrors(body('CONFLICT', { field: 'username' }), fields)).toBeNull()
  })
})

// ----- the page, against the dev mock -----

let mounted: Mounted | undefined

devMockFile()

afterEach(() => {
  for (const fn of Object.values(api)) if (vi.isMockFunction(fn)) fn.mockRestore()
  unmountApps()
})

/** The table row containing `text` (the e2e tests use //tr[contains(., '<username>')]). */
function row(text: string): HTMLElement {
  const rows = [...document.querySelectorAll<HTMLElement>('#staff-table tbody tr')].filter((tr) =>
    (tr.textContent ?? '').includes(text),
  )
  if (rows.length !== 1) throw new Error(`${rows.length} rows have ${text}`)
  return rows[0]!
}

function rowCount(): number {
  return document.querySelectorAll('#staff-table tbody tr').length
}

async function openPage(): Promise<void> {
  mounted = await mountApp('/ws/admin/staff')
  await settle(300)
}

describe('员工账号 page', () => {
  beforeEach(async () => {
    await freshMock()
    await api.authLogin({ workspace: 'admin', username: 'uat_admin', password: 'Uat@123456' })
  })

  it('lists every staff account with its role in Chinese, status, creation and last sign-in', async () => {
    await openPage()
    expect($('#menu-staff').classList).toContain('is-active')
    expect(rowCount()).toBe(6)
    const me = row('uat_admin')
    expect(me.textContent).toContain('张海峰')
    expect(me.textContent).toContain('超级管理员')
    expect(me.textContent).toContain('当前账号')
    expect(me.querySelector('.staff-status')!.textContent!.trim()).toBe('启用')
    expect(row('uat_analyst').textContent).toContain('数据分析员')
    expect(row('uat_finance').textContent).toContain('财务经理')
    expect(row('uat_finance').textContent).toContain('财务工作台')
    const disabled = row('audit_chengang')
    expect(disabled.querySelector('.staff-status')!.textContent!.trim()).toBe('已停用')
    expect(disabled.textContent).toContain('从未登录')
    expect(disabled.querySelector('.staff-toggle')!.textContent!.trim()).toBe('启用')
    expect($('#staff-count').textContent).toBe('共 6 个账号')
  })

  it('filters by role and by a search on username or name', async () => {
    await openPage()
    await choose('staff-filter-role', '会计')
    expect(rowCount()).toBe(1)
    expect(row('fin_wangfang').textContent).toContain('王芳')
    expect($('#staff-count').textContent).toBe('显示 1 个，共 6 个账号')
    $('#staff-clear-filters').click()
    await settle()
    expect(rowCount()).toBe(6)
    typeInto('staff-search', '李')
    await settle()
    expect(rowCount()).toBe(2) // 李明, 李静
    typeInto('staff-search', 'nobody')
    await settle()
    expect($('#staff-no-match').textContent).toContain('没有符合条件的账号')
  })

  it('新建员工: the rules inline first, a taken username under its field, then the new row', async () => {
    await openPage()
    const create = vi.spyOn(api, 'adminStaffCreate')
    $('#staff-new').click()
    await settle()
    expect(dialogOpen('staff-dialog')).toBe(true)
    $('#staff-save').click()
    await settle()
    expect(formErrors('staff-dialog')).toEqual(['请输入用户名', '请输入姓名', '请选择角色', '请输入密码', '请再次输入密码'])
    expect(create).not.toHaveBeenCalled()

    typeInto('staff-username', 'uat_finance')
    typeInto('staff-display-name', '孙悦')
    await choose('staff-role', '数据分析员')
    typeInto('staff-password', 'Analyst2026')
    typeInto('staff-password-confirm', 'Analyst2027')
    await settle()
    $('#staff-save').click()
    await settle()
    expect(formErrors('staff-dialog')).toEqual(['两次输入的密码不一致'])
    expect(create).not.toHaveBeenCalled()

    typeInto('staff-password-confirm', 'Analyst2026')
    await settle()
    $('#staff-save').click()
    await settle(400)
    expect(formErrors('staff-dialog')).toEqual(['用户名已被占用'])
    expect(dialogOpen('staff-dialog')).toBe(true)

    typeInto('staff-username', 'sun_yue')
    await settle()
    expect(formErrors('staff-dialog')).toEqual([])
    $('#staff-save').click()
    await settle(400)
    expect(create).toHaveBeenLastCalledWith({ username: 'sun_yue', password: 'Analyst2026', display_name: '孙悦', role: 'analyst' })
    expect(dialogOpen('staff-dialog')).toBe(false)
    expect(bodyText()).toContain('已新建员工账号「孙悦」（sun_yue）')
    expect(rowCount()).toBe(7)
    expect(row('sun_yue').textContent).toContain('数据分析员')
    expect(row('sun_yue').textContent).toContain('从未登录')
    // the new account signs in with its own password
    await expect(api.authLogin({ workspace: 'admin', username: 'sun_yue', password: 'Analyst2026' })).resolves.toMatchObject({
      user: { role: 'analyst' },
    })
  })

  it('Enter in the last field saves the form', async () => {
    await openPage()
    $('#staff-new').click()
    await settle()
    typeInto('staff-username', 'zhou_qi')
    typeInto('staff-display-name', '周琦')
    await choose('staff-role', '管理员')
    typeInto('staff-password', 'Admin2026x')
    typeInto('staff-password-confirm', 'Admin2026x')
    await settle()
    $('#staff-password-confirm').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    await settle(400)
    expect(dialogOpen('staff-dialog')).toBe(false)
    expect(row('zhou_qi').textContent).toContain('管理员')
  })

  it('重置密码: checks the new password, then sets it', async () => {
    await openPage()
    const reset = vi.spyOn(api, 'adminStaffResetPassword')
    ;(row('ops_liming').querySelector('.staff-reset') as HTMLElement).click()
    await settle()
    expect(dialogOpen('staff-reset-dialog')).toBe(true)
    expect($('#staff-reset-intro').textContent).toContain('李明')
    typeInto('staff-reset-password', 'short')
    await settle()
    $('#staff-reset-save').click()
    await settle()
    expect(formErrors('staff-reset-dialog')).toEqual(['密码须为 8-64 位，且同时包含字母和数字', '请再次输入密码'])
    expect(reset).not.toHaveBeenCalled()
    typeInto('staff-reset-password', 'Reset2026ok')
    typeInto('staff-reset-confirm', 'Reset2026ok')
    await settle()
    $('#staff-reset-save').click()
    await settle(400)
    expect(reset).toHaveBeenCalledWith('0193a1f0-0000-7000-8000-000000000011', 'Reset2026ok')
    expect(dialogOpen('staff-reset-dialog')).toBe(false)
    expect(bodyText()).toContain('已重置「李明」的密码')
  })

  it('停用 asks first (the employee is signed out at once), then shows 已停用; 启用 brings it back', async () => {
    await openPage()
    const toggle = () => row('ops_liming').querySelector('.staff-toggle') as HTMLElement
    expect(toggle().textContent!.trim()).toBe('停用')
    toggle().click()
    await settle()
    expect(document.querySelector('.el-message-box')!.textContent).toContain('停用后该员工立即退出登录且无法登录')
    // cancelling changes nothing
    $('.el-message-box__btns .staff-toggle-cancel').click()
    await settle(300)
    expect(row('ops_liming').querySelector('.staff-status')!.textContent!.trim()).toBe('启用')

    toggle().click()
    await settle()
    $('.el-message-box__btns .el-button--primary').click()
    await settle(400)
    expect(row('ops_liming').querySelector('.staff-status')!.textContent!.trim()).toBe('已停用')
    expect(toggle().textContent!.trim()).toBe('启用')
    expect(bodyText()).toContain('已停用「李明」')

    toggle().click()
    await settle()
    expect(document.querySelector('.el-message-box')!.textContent).toContain('启用后该员工可以重新登录')
    $('.el-message-box__btns .el-button--primary').click()
    await settle(400)
    expect(row('ops_liming').querySelector('.staff-status')!.textContent!.trim()).toBe('启用')
  })

  it('停用 of one’s own account: the server says why', async () => {
    await openPage()
    ;(row('uat_admin').querySelector('.staff-toggle') as HTMLElement).click()
    await settle()
    $('.el-message-box__btns .el-button--primary').click()
    await settle(400)
    expect(bodyText()).toContain('不能停用自己的账号')
    expect(row('uat_admin').querySelector('.staff-status')!.textContent!.trim()).toBe('启用')
  })

  it('offline: says the page needs the network, and 重试 asks again', async () => {
    const list = vi
      .spyOn(api, 'adminStaffList')
      .mockRejectedValueOnce({ code: 'SERVER_UNREACHABLE', message: '无法连接服务器', details: {} })
    await openPage()
    expect($('#staff-offline').textContent).toContain('员工账号管理需要联网')
    expect(document.querySelector('#staff-table')).toBeNull()
    $('#staff-retry').click()
    await settle(300)
    expect(list).toHaveBeenCalledTimes(2)
    expect(rowCount()).toBe(6)
  })

  it('only a super admin reaches the page; the server refuses anyone else', async () => {
    await api.authLogin({ workspace: 'admin', username: 'uat_analyst', password: 'Uat@123456' })
    mounted = await mountApp('/ws/admin/staff')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(document.querySelector('#page-staff')).toBeNull()
    await expect(api.adminStaffList()).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })
})
