// Typed wrappers over the desktop core's Tauri commands.
// Every rejection from Rust is an ErrorBody {code, message, details}; anything else that
// goes wrong (IPC missing, a thrown Error) is normalised to the same shape by `toErrorBody`.
import { invoke } from '@tauri-apps/api/core'
import type { AdminOverview } from '@/api/generated/AdminOverview'
import type { AppSettings } from '@/api/generated/AppSettings'
import type { ConnectionState } from '@/api/generated/ConnectionState'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { ErrorCode } from '@/api/generated/ErrorCode'
import type { FinanceOverview } from '@/api/generated/FinanceOverview'
import type { LoginArgs } from '@/api/generated/LoginArgs'
import type { LogoutArgs } from '@/api/generated/LogoutArgs'
import type { OperatorHome } from '@/api/generated/OperatorHome'
import type { RegisterOperatorRequest } from '@/api/generated/RegisterOperatorRequest'
import type { RegisterOperatorResponse } from '@/api/generated/RegisterOperatorResponse'
import type { ServerCheck } from '@/api/generated/ServerCheck'
import type { SessionInfo } from '@/api/generated/SessionInfo'
import type { Workspace } from '@/api/generated/Workspace'

export const WORKSPACES: readonly Workspace[] = ['operator', 'admin', 'finance'] as const

export function isWorkspace(value: unknown): value is Workspace {
  return typeof value === 'string' && (WORKSPACES as readonly string[]).includes(value)
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}

/** Any rejection → an ErrorBody, so pages only ever show `message`. */
export function toErrorBody(err: unknown): ErrorBody {
  if (isErrorBody(err)) {
    return { code: err.code, message: err.message, details: err.details ?? {} }
  }
  const message =
    err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err)
  return { code: 'INTERNAL_ERROR', message, details: {} }
}

/** Codes meaning "this workspace has no usable session any more": back to login. */
export const SESSION_ENDED_CODES: readonly ErrorCode[] = [
  'NOT_SIGNED_IN',
  'UNAUTHENTICATED',
  'SESSION_REVOKED',
  'TOKEN_INVALID',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
]

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args)
  } catch (err) {
    throw toErrorBody(err)
  }
}

export const api = {
  settingsGet: () => call<AppSettings>('settings_get'),
  settingsSet: (args: AppSettings) => call<AppSettings>('settings_set', { args }),
  serverCheck: (serverUrl: string) => call<ServerCheck>('server_check', { serverUrl }),
  workspaceOpen: (workspace: Workspace) => call<void>('workspace_open', { workspace }),
  sessionGet: (workspace: Workspace) => call<SessionInfo | null>('session_get', { workspace }),
  authLogin: (args: LoginArgs) => call<SessionInfo>('auth_login', { args }),
  authLogout: (args: LogoutArgs) => call<void>('auth_logout', { args }),
  operatorRegister: (args: RegisterOperatorRequest) =>
    call<RegisterOperatorResponse>('operator_register', { args }),
  connectionState: (workspace: Workspace) =>
    call<ConnectionState>('connection_state', { workspace }),
  operatorHome: () => call<OperatorHome>('operator_home'),
  adminOverview: () => call<AdminOverview>('admin_overview'),
  financeOverview: () => call<FinanceOverview>('finance_overview'),
}

export type Api = typeof api
