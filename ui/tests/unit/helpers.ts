import { afterAll, beforeAll, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, type Router } from 'vue-router'
import ElementPlus from 'element-plus'
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
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

/** Every app mountApp mounted that unmountApps has not unmounted yet. */
const mountedApps: VueWrapper[] = []

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
  mountedApps.push(wrapper)
  await flushPromises()
  return { wrapper, router, pinia }
}

/** After a test: unmount what mountApp mounted and empty <body> (dialogs are appended there). */
export function unmountApps(): void {
  while (mountedApps.length > 0) mountedApps.pop()!.unmount()
  document.body.innerHTML = ''
}

/** After a test against mocked commands: unmountApps, then forget the IPC mock. */
export function unmountAndClearMocks(): void {
  unmountApps()
  clearMocks()
}

// ----- the dev IPC mock (src/dev/ipc-mock.ts: the handlers `npm run dev:mock` uses) -----

/** A fresh dev mock: its data lives in module state, so the module is loaded anew. */
export async function freshMock(): Promise<void> {
  vi.resetModules()
  const { installIpcMock } = await import('@/dev/ipc-mock')
  installIpcMock()
}

/** For a spec file against the dev mock: its console.info quiet, its session (kept in
 * localStorage) gone before the first test and after the last. */
export function devMockFile(): void {
  beforeAll(() => {
    vi.spyOn(console, 'info').mockImplementation(() => {})
    localStorage.clear()
  })
  afterAll(() => {
    clearMocks()
    localStorage.clear()
  })
}

/** The admin sidebar of a super admin, in order. */
export const ALL_ADMIN_MENUS = [
  'menu-home',
  'menu-operators',
  'menu-applications',
  'menu-requests',
  'menu-authorizations',
  'menu-announcements',
  'menu-transactions',
  'menu-statistics',
  'menu-staff',
]

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

// ----- the DOM, as the e2e tests see it (dialogs and dropdowns live in <body>) -----

export function $(selector: string): HTMLElement {
  const el = document.querySelector(selector) as HTMLElement | null
  if (!el) throw new Error(`nothing matches ${selector}`)
  return el
}

/** Types into the input or textarea with that id (or the one inside it). */
export function typeInto(id: string, value: string): void {
  const el = $(`#${id}`)
  const target = (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el : el.querySelector('input, textarea')) as
    | HTMLInputElement
    | HTMLTextAreaElement
  target.value = value
  target.dispatchEvent(new Event('input'))
}

/** The native input of an el-select: the element with the id, or the one inside it. */
export function selectInput(id: string): HTMLInputElement {
  const el = $(`#${id}`)
  return (el.tagName === 'INPUT' ? el : el.querySelector('input')) as HTMLInputElement
}

/** Opens an el-select and clicks the option whose text contains `text`. */
export async function choose(id: string, text: string): Promise<void> {
  const input = selectInput(id)
  input.click()
  await settle(50)
  const list = document.getElementById(input.getAttribute('aria-controls') ?? '')
  const option = [...(list?.querySelectorAll<HTMLElement>('li.el-select-dropdown__item') ?? [])].find((li) =>
    (li.textContent ?? '').includes(text),
  )
  if (!option) throw new Error(`#${id} has no option "${text}"`)
  option.click()
  await settle()
}

/** Whether an (appended-to-body) el-dialog with that id is open. */
export function dialogOpen(id: string): boolean {
  const overlay = document.getElementById(id)?.closest<HTMLElement>('.el-overlay')
  return !!overlay && overlay.style.display !== 'none'
}

/** The messages under the form items of a dialog, in order. */
export function formErrors(dialogId: string): string[] {
  return [...document.querySelectorAll(`#${dialogId} .el-form-item__error`)].map((e) => (e.textContent ?? '').trim())
}
