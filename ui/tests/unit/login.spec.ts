import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { clearMocks } from '@tauri-apps/api/mocks'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import {
  DEFAULT_SETTINGS,
  callsOf,
  input,
  mockCommands,
  mountApp,
  session,
  settle,
  type Mounted,
} from './helpers'

const ADMIN_OVERVIEW = {
  operators_total: 1286,
  operators_active: 1175,
  operators_locked: 3,
  applications_active: 18,
  pending_requests: 7,
  active_authorizations: 4302,
}

let mounted: Mounted | undefined

afterEach(() => {
  mounted?.wrapper.unmount()
  mounted = undefined
  clearMocks()
  document.body.innerHTML = ''
})

function baseHandlers() {
  return {
    settings_get: () => DEFAULT_SETTINGS,
    session_get: () => null,
    connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
    admin_overview: () => ADMIN_OVERVIEW,
  }
}

describe('login page', () => {
  it('shows the workspace title, the server address and focuses the username', async () => {
    mockCommands(baseHandlers())
    mounted = await mountApp('/ws/admin/login')
    const { wrapper } = mounted
    expect(wrapper.find('#login-title').text()).toBe('管理员工作台 · 登录')
    expect(wrapper.find('#login-server').text()).toContain('http://127.0.0.1:8080')
    expect(input(wrapper, 'login-password').attributes('type')).toBe('password')
    expect(document.activeElement).toBe(input(wrapper, 'login-username').element)
  })

  it('empty fields show both messages inline and do not call auth_login', async () => {
    const calls = mockCommands(baseHandlers())
    mounted = await mountApp('/ws/admin/login')
    const { wrapper } = mounted
    await wrapper.find('form').trigger('submit')
    await settle()
    const errors = wrapper.findAll('.el-form-item__error').map((e) => e.text())
    expect(errors).toEqual(['请输入用户名', '请输入密码'])
    expect(callsOf(calls, 'auth_login')).toHaveLength(0)
    expect(wrapper.find('#login-error').exists()).toBe(false)
  })

  it('an empty password alone is reported and nothing is sent', async () => {
    const calls = mockCommands(baseHandlers())
    mounted = await mountApp('/ws/admin/login')
    const { wrapper } = mounted
    await input(wrapper, 'login-username').setValue('uat_admin')
    // The button is the form's submit button: clicking it (like Enter in a field) submits.
    await wrapper.find('#login-submit').trigger('click')
    await settle()
    const errors = wrapper.findAll('.el-form-item__error').map((e) => e.text())
    expect(errors).toEqual(['请输入密码'])
    expect(callsOf(calls, 'auth_login')).toHaveLength(0)
  })

  it('submits auth_login with the workspace and credentials, then goes home', async () => {
    const calls = mockCommands({
      ...baseHandlers(),
      auth_login: () => session('admin'),
    })
    mounted = await mountApp('/ws/admin/login')
    const { wrapper, router } = mounted
    await input(wrapper, 'login-username').setValue('uat_admin')
    await input(wrapper, 'login-password').setValue('Uat@123456')
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    expect(callsOf(calls, 'auth_login').map((c) => c.payload)).toEqual([
      { args: { workspace: 'admin', username: 'uat_admin', password: 'Uat@123456' } },
    ])
    expect(router.currentRoute.value.name).toBe('admin-home')
    expect(wrapper.find('#home-admin').exists()).toBe(true)
    expect(wrapper.find('#admin-operators-total').text()).toBe('1,286')
    expect(wrapper.find('#user-name').text()).toBe('张海峰')
    expect(wrapper.find('#user-role').text()).toBe('超级管理员')
  })

  it('shows the ErrorBody message of a rejected login in #login-error', async () => {
    const rejection: ErrorBody = {
      code: 'INVALID_CREDENTIALS',
      message: '用户名或密码错误',
      details: {},
    }
    const calls = mockCommands({
      ...baseHandlers(),
      auth_login: () => {
        throw rejection
      },
    })
    mounted = await mountApp('/ws/finance/login')
    const { wrapper, router } = mounted
    await input(wrapper, 'login-username').setValue('uat_finance')
    await input(wrapper, 'login-password').setValue('wrong-pass1')
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    expect(callsOf(calls, 'auth_login')).toHaveLength(1)
    const alert = wrapper.find('#login-error')
    expect(alert.exists()).toBe(true)
    expect(alert.classes()).toContain('el-alert--error')
    expect(alert.text()).toContain('用户名或密码错误')
    expect(router.currentRoute.value.name).toBe('finance-login')
  })

  it('only the operator login offers registration', async () => {
    mockCommands(baseHandlers())
    mounted = await mountApp('/ws/operator/login')
    expect(mounted.wrapper.find('#login-register').text()).toBe('注册新账号')
    mounted.wrapper.unmount()

    mockCommands(baseHandlers())
    mounted = await mountApp('/ws/admin/login')
    expect(mounted.wrapper.find('#login-register').exists()).toBe(false)
  })
})

describe('workspace routing', () => {
  it('#/ws/<ws> opens login when session_get returns null', async () => {
    const calls = mockCommands(baseHandlers())
    mounted = await mountApp('/ws/admin')
    expect(mounted.router.currentRoute.value.name).toBe('admin-login')
    expect(callsOf(calls, 'session_get').map((c) => c.payload)).toEqual([{ workspace: 'admin' }])
  })

  it('#/ws/<ws> opens home when a session exists', async () => {
    mockCommands({ ...baseHandlers(), session_get: () => session('admin') })
    mounted = await mountApp('/ws/admin')
    expect(mounted.router.currentRoute.value.name).toBe('admin-home')
    expect(mounted.wrapper.find('#home-admin').exists()).toBe(true)
  })

  it('home without a session redirects to login', async () => {
    const calls = mockCommands(baseHandlers())
    mounted = await mountApp('/ws/admin/home')
    expect(mounted.router.currentRoute.value.name).toBe('admin-login')
    expect(callsOf(calls, 'admin_overview')).toHaveLength(0)
  })
})
