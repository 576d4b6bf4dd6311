import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { clearMocks } from '@tauri-apps/api/mocks'
import { DEFAULT_SETTINGS, callsOf, input, mockCommands, mountApp, type Mounted } from './helpers'

let mounted: Mounted | undefined

afterEach(() => {
  mounted?.wrapper.unmount()
  mounted = undefined
  clearMocks()
  document.body.innerHTML = ''
})

function handlers(extra: Record<string, (p: Record<string, unknown>) => unknown> = {}) {
  let saved = { ...DEFAULT_SETTINGS }
  return {
    settings_get: () => saved,
    settings_set: (p: Record<string, unknown>) => {
      saved = p.args as typeof saved
      return saved
    },
    workspace_open: () => null,
    ...extra,
  }
}

describe('launcher', () => {
  it('shows the product title and one button per workspace', async () => {
    mockCommands(handlers())
    mounted = await mountApp('/')
    const { wrapper } = mounted
    expect(wrapper.find('#app-title').text()).toBe('MR游戏运营管理平台')
    const buttons = ['operator', 'admin', 'finance'].map((ws) => wrapper.find(`#open-${ws}`))
    expect(buttons.map((b) => b.element.tagName)).toEqual(['BUTTON', 'BUTTON', 'BUTTON'])
    expect(buttons[0]!.text()).toContain('运营商工作台')
    expect(buttons[1]!.text()).toContain('管理员工作台')
    expect(buttons[2]!.text()).toContain('财务工作台')
  })

  it('fills the server address from settings_get', async () => {
    mockCommands(handlers())
    mounted = await mountApp('/')
    const el = input(mounted.wrapper, 'server-url').element as HTMLInputElement
    expect(el.value).toBe('http://127.0.0.1:8080')
  })

  it('clicking a workspace invokes workspace_open with that workspace', async () => {
    const calls = mockCommands(handlers())
    mounted = await mountApp('/')
    await mounted.wrapper.find('#open-finance').trigger('click')
    await flushPromises()
    await mounted.wrapper.find('#open-operator').trigger('click')
    await flushPromises()
    expect(callsOf(calls, 'workspace_open').map((c) => c.payload)).toEqual([
      { workspace: 'finance' },
      { workspace: 'operator' },
    ])
  })

  it('server check shows version and latency, and remembers the address', async () => {
    const calls = mockCommands(
      handlers({ server_check: () => ({ reachable: true, version: '0.1.0', latency_ms: 12 }) }),
    )
    mounted = await mountApp('/')
    const { wrapper } = mounted
    expect(wrapper.find('#server-status').text()).toBe('尚未检测连接')
    await input(wrapper, 'server-url').setValue('http://10.0.0.5:8080')
    await wrapper.find('#server-check').trigger('click')
    await flushPromises()

    expect(callsOf(calls, 'server_check').map((c) => c.payload)).toEqual([
      { serverUrl: 'http://10.0.0.5:8080' },
    ])
    expect(wrapper.find('#server-status').text()).toBe('已连接 · v0.1.0 · 12 ms')
    expect(callsOf(calls, 'settings_set').map((c) => c.payload)).toEqual([
      { args: { server_url: 'http://10.0.0.5:8080', locale: 'zh-CN' } },
    ])
  })

  it('an unreachable server shows the core message and saves nothing', async () => {
    const calls = mockCommands(
      handlers({
        server_check: () => ({ reachable: false, latency_ms: 0, message: '无法连接服务器：连接被拒绝' }),
      }),
    )
    mounted = await mountApp('/')
    await mounted.wrapper.find('#server-check').trigger('click')
    await flushPromises()
    expect(mounted.wrapper.find('#server-status').text()).toBe('无法连接服务器：连接被拒绝')
    expect(mounted.wrapper.find('#server-status').attributes('data-state')).toBe('fail')
    expect(callsOf(calls, 'settings_set')).toHaveLength(0)
  })

  it('a rejected server_check shows the ErrorBody message', async () => {
    mockCommands(
      handlers({
        server_check: () => {
          throw { code: 'VALIDATION_FAILED', message: '服务器地址格式不正确', details: {} }
        },
      }),
    )
    mounted = await mountApp('/')
    await mounted.wrapper.find('#server-check').trigger('click')
    await flushPromises()
    expect(mounted.wrapper.find('#server-status').text()).toBe('服务器地址格式不正确')
  })

  it('the save button stores the address through settings_set', async () => {
    const calls = mockCommands(handlers())
    mounted = await mountApp('/')
    await input(mounted.wrapper, 'server-url').setValue('  https://ops.example.cn  ')
    await mounted.wrapper.find('#server-save').trigger('click')
    await flushPromises()
    expect(callsOf(calls, 'settings_set').map((c) => c.payload)).toEqual([
      { args: { server_url: 'https://ops.example.cn', locale: 'zh-CN' } },
    ])
  })

  it('switching to English relabels the page and remembers the choice', async () => {
    const calls = mockCommands(handlers())
    mounted = await mountApp('/')
    const { wrapper } = mounted
    await wrapper.find('#lang-switch input[value="en"]').setValue(true)
    await flushPromises()
    expect(wrapper.find('#app-title').text()).toBe('MR Game Operations Platform')
    expect(wrapper.find('#open-admin').text()).toContain('Admin Workspace')
    expect(callsOf(calls, 'settings_set').map((c) => c.payload)).toEqual([
      { args: { server_url: 'http://127.0.0.1:8080', locale: 'en' } },
    ])
  })

  it('starts in English when settings say so', async () => {
    mockCommands({ ...handlers(), settings_get: () => ({ ...DEFAULT_SETTINGS, locale: 'en' }) })
    mounted = await mountApp('/')
    expect(mounted.wrapper.find('#server-check').text()).toBe('Test connection')
  })
})
