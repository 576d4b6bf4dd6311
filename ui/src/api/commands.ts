// Typed wrappers over the desktop core's Tauri commands.
// Every rejection from Rust is an ErrorBody {code, message, details}; anything else that
// goes wrong (IPC missing, a thrown Error) is normalised to the same shape by `toErrorBody`.
import { invoke } from '@tauri-apps/api/core'
import type { AdminOverview } from '@/api/generated/AdminOverview'
import type { AppSettings } from '@/api/generated/AppSettings'
import type { Conflict } from '@/api/generated/Conflict'
import type { ConnectionState } from '@/api/generated/ConnectionState'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { ErrorCode } from '@/api/generated/ErrorCode'
import type { FinanceOverview } from '@/api/generated/FinanceOverview'
import type { LoginArgs } from '@/api/generated/LoginArgs'
import type { LogoutArgs } from '@/api/generated/LogoutArgs'
import type { MessagePage } from '@/api/generated/MessagePage'
import type { MessageQuery } from '@/api/generated/MessageQuery'
import type { MessageView } from '@/api/generated/MessageView'
import type { OperatorHome } from '@/api/generated/OperatorHome'
import type { ProfileFields } from '@/api/generated/ProfileFields'
import type { ProfileView } from '@/api/generated/ProfileView'
import type { RegisterOperatorRequest } from '@/api/generated/RegisterOperatorRequest'
import type { RegisterOperatorResponse } from '@/api/generated/RegisterOperatorResponse'
import type { ServerCheck } from '@/api/generated/ServerCheck'
import type { SessionInfo } from '@/api/generated/SessionInfo'
import type { SiteInput } from '@/api/generated/SiteInput'
import type { SiteView } from '@/api/generated/SiteView'
import type { SyncReport } from '@/api/generated/SyncReport'
import type { SyncStatus } from '@/api/generated/SyncStatus'
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

  // Operator pages: read from the local cache; changes are queued (they work offline).
  operatorSites: () => call<SiteView[]>('operator_sites'),
  operatorSiteCreate: (args: SiteInput) => call<SiteView>('operator_site_create', { args }),
  operatorSiteUpdate: (siteId: string, args: SiteInput) =>
    call<SiteView>('operator_site_update', { siteId, args }),
  operatorSiteDelete: (siteId: string) => call<void>('operator_site_delete', { siteId }),
  /** One page of the message centre, newest first (limit 1 to 200), with the pager's total
   * and the unread count; never the whole list. */
  operatorMessagePage: (query: MessageQuery) => call<MessagePage>('operator_message_page', { query }),
  /** Unread messages in all (read ones pending on this device count as read). */
  operatorUnreadCount: () => call<number>('operator_unread_count'),
  operatorMessageRead: (messageId: string) =>
    call<MessageView>('operator_message_read', { messageId }),
  /** "全部已读": queues every unread message as read (works offline); how many were queued. */
  operatorMessagesReadAll: () => call<number>('operator_messages_read_all'),
  operatorProfile: () => call<ProfileView | null>('operator_profile'),
  operatorProfileUpdate: (args: ProfileFields) =>
    call<ProfileView | null>('operator_profile_update', { args }),

  // Sync, for any workspace window.
  syncNow: (workspace: Workspace) => call<SyncReport>('sync_now', { workspace }),
  syncStatus: (workspace: Workspace) => call<SyncStatus>('sync_status', { workspace }),
  syncConflicts: (workspace: Workspace) => call<Conflict[]>('sync_conflicts', { workspace }),
  syncConflictDismiss: (workspace: Workspace, id: number) =>
    call<void>('sync_conflict_dismiss', { workspace, id }),
  syncDiagnostics: (workspace: Workspace) =>
    call<SyncDiagnostics>('sync_diagnostics', { workspace }),
  syncRebuild: (workspace: Workspace) => call<SyncReport>('sync_rebuild', { workspace }),
}

/** One queued command in the diagnostics view (`src-tauri/src/commands/sync.rs`). */
export interface OutboxItem {
  seq: number
  command_id: string
  name: string
  args: unknown
  /** `pending` (not sent or not answered yet) or `accepted` (waiting for the pull). */
  status: string
  attempts: number
  last_error: string | null
  created_at: string
}

/** Rows of one entity in the local mirror (diagnostics view); only entities with rows are listed. */
export interface MirrorCount {
  /** The sync entity name (`site`, `ledger_entry`, …; see `Entity` in crates/protocol). */
  entity: string
  count: number
}

/** The diagnostics view (hand-written: the struct lives in the shell, not in a TS-exporting crate). */
export interface SyncDiagnostics {
  device_id: string | null
  cursor: string | null
  outbox: OutboxItem[]
  status: SyncStatus
  background_sync: boolean
  live_updates: boolean
  cache_file: string
  /** Rows per entity in the local cache. */
  mirror_counts: MirrorCount[]
}

export type Api = typeof api
