import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, type Router } from 'vue-router'
import ElementPlus from 'element-plus'
import { mockIPC } from '@tauri-apps/api/mocks'
import App from '@/App.vue'
import type { SessionInfo } from '@/api/generated/SessionInfo'
import type { Workspace } from '@/api/generated/Workspace'
import { applyLocale, i18n } from '@/i18n'
import { createAppRouter } from '@/router'

export type Handler = (payload: Record<string, unknown>) => unknown

export interface IpcCall {
  cmd: string
  payload: Record<string, unknown>
}

/**
 * mockIPC with a table of handlers and a log of every call. Unknown commands fail loudly.
 * A handler that throws makes invoke reject with what it threw (an ErrorBody here).
 */
export function mockCommands(handlers: Record<string, Handler>): IpcCall[] {
  const calls: IpcCall[] = []
  mockIPC((cmd, payload) => {
    const p = (payload ?? {}) as Record<string, unknown>
    calls.push({ cmd, payload: p })
    const h = handlers[cmd]
    if (!h) throw { code: 'INTERNAL_ERROR', message: `unmocked command ${cmd}`, details: {} }
    return h(p)
  })
  return calls
}

export function callsOf(calls: IpcCall[], cmd: string): IpcCall[] {
  return calls.filter((c) => c.cmd === cmd)
}

export const DEFAULT_SETTINGS = { server_url: 'http://127.0.0.1:8080', locale: 'zh-CN' }

export function session(workspace: Workspace, overrides: Partial<SessionInfo['user']> = {}): SessionInfo {
  const users = {
    operator: { username: 'uat_operator', display_name: '星际乐园VR体验馆', role: 'operator' as const },
    admin: { username: 'uat_admin', display_name: '张海峰', role: 'super_admin' as const },
    finance: { username: 'uat_finance', display_name: '李静', role: 'manager' as const },
  }
  return {
    workspace,
    user: { id: `id-${workspace}`, ...users[workspace], ...overrides },
    server_url: DEFAULT_SETTINGS.server_url,
    signed_in_at: '2026-11-25T08:00:00Z',
    cache_file: `/tmp/${workspace}.sqlite`,
  }
}

export interface Mounted {
  wrapper: VueWrapper
  router: Router
  pinia: Pinia
}

/** Mount the whole app (router, stores, i18n, Element Plus) at `path`. */
export async function mountApp(path: string): Promise<Mounted> {
  applyLocale('zh-CN')
  const pinia = createPinia()
  setActivePinia(pinia)
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  await router.isReady()
  const wrapper = mount(App, {
    global: {
      plugins: [pinia, i18n, ElementPlus, router],
      // Real transitions, so attributes land where they do in the app (e.g. el-alert's id).
      stubs: { transition: false, 'transition-group': false },
    },
    attachTo: document.body,
  })
  await flushPromises()
  return { wrapper, router, pinia }
}

/** The native <input> inside an el-input with that id. */
export function input(wrapper: VueWrapper, id: string) {
  const byId = wrapper.find(`input#${id}`)
  return byId.exists() ? byId : wrapper.find(`#${id} input`)
}

export function bodyText(): string {
  return document.body.textContent ?? ''
}

/** Let promises, the DOM and Element Plus's 100 ms debounced form-item errors settle. */
export async function settle(ms = 150): Promise<void> {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, ms))
  await flushPromises()
}
