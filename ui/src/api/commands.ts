// Typed wrappers over the desktop core's Tauri commands.
// Every rejection from Rust is an ErrorBody {code, message, details}; anything else that
// goes wrong (IPC missing, a thrown Error) is normalised to the same shape by `toErrorBody`.
import { invoke } from '@tauri-apps/api/core'
import { listen } from '@tauri-apps/api/event'
import type { AdminOverview } from '@/api/generated/AdminOverview'
import type { AnnouncementInput } from '@/api/generated/AnnouncementInput'
import type { AnnouncementView } from '@/api/generated/AnnouncementView'
import type { ApiKeyShown } from '@/api/generated/ApiKeyShown'
import type { AppSettings } from '@/api/generated/AppSettings'
import type { ApplicationDetail } from '@/api/generated/ApplicationDetail'
import type { ApplicationInput } from '@/api/generated/ApplicationInput'
import type { ApplicationView } from '@/api/generated/ApplicationView'
import type { ApplicationRow } from '@/api/generated/ApplicationRow'
import type { AuthorizationPage } from '@/api/generated/AuthorizationPage'
import type { AuthorizationQuery } from '@/api/generated/AuthorizationQuery'
import type { AuthorizationView } from '@/api/generated/AuthorizationView'
import type { Conflict } from '@/api/generated/Conflict'
import type { ConnectionState } from '@/api/generated/ConnectionState'
import type { CreateRecharge } from '@/api/generated/CreateRecharge'
import type { CreateOperatorRequest } from '@/api/generated/CreateOperatorRequest'
import type { CreateStaffRequest } from '@/api/generated/CreateStaffRequest'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { ErrorCode } from '@/api/generated/ErrorCode'
import type { ExportFormat } from '@/api/generated/ExportFormat'
import type { ExportReport } from '@/api/generated/ExportReport'
import type { FinanceOverview } from '@/api/generated/FinanceOverview'
import type { GrantInput } from '@/api/generated/GrantInput'
import type { LoginArgs } from '@/api/generated/LoginArgs'
import type { LogoutArgs } from '@/api/generated/LogoutArgs'
import type { MessagePage } from '@/api/generated/MessagePage'
import type { MessageQuery } from '@/api/generated/MessageQuery'
import type { MessageView } from '@/api/generated/MessageView'
import type { OperatorHome } from '@/api/generated/OperatorHome'
import type { OperatorOption } from '@/api/generated/OperatorOption'
import type { OperatorPage } from '@/api/generated/OperatorPage'
import type { OperatorProfile } from '@/api/generated/OperatorProfile'
import type { OperatorQuery } from '@/api/generated/OperatorQuery'
import type { OperatorWallet } from '@/api/generated/OperatorWallet'
import type { ProfileFields } from '@/api/generated/ProfileFields'
import type { ProfileView } from '@/api/generated/ProfileView'
import type { RechargeOptions } from '@/api/generated/RechargeOptions'
import type { RechargeOrder } from '@/api/generated/RechargeOrder'
import type { RegisterOperatorRequest } from '@/api/generated/RegisterOperatorRequest'
import type { RegisterOperatorResponse } from '@/api/generated/RegisterOperatorResponse'
import type { RequestPage } from '@/api/generated/RequestPage'
import type { RequestQuery } from '@/api/generated/RequestQuery'
import type { ServerCheck } from '@/api/generated/ServerCheck'
import type { SessionInfo } from '@/api/generated/SessionInfo'
import type { SiteInput } from '@/api/generated/SiteInput'
import type { SiteView } from '@/api/generated/SiteView'
import type { StaffAccount } from '@/api/generated/StaffAccount'
import type { Statistics } from '@/api/generated/Statistics'
import type { StatisticsQuery } from '@/api/generated/StatisticsQuery'
import type { SyncReport } from '@/api/generated/SyncReport'
import type { SyncStatus } from '@/api/generated/SyncStatus'
import type { TransactionPage } from '@/api/generated/TransactionPage'
import type { TransactionQuery } from '@/api/generated/TransactionQuery'
import type { UpdateOperatorRequest } from '@/api/generated/UpdateOperatorRequest'
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

/** Codes meaning "the core could not reach the server": what needs the network says so. */
export const NETWORK_ERROR_CODES: readonly ErrorCode[] = ['SERVER_UNREACHABLE', 'SERVICE_UNAVAILABLE']

export function isNetworkError(err: ErrorBody): boolean {
  return NETWORK_ERROR_CODES.includes(err.code)
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
  /** Marks an alert of the admin home handled (online; the server records who and when). */
  adminAlertAck: (id: string) => call<null>('admin_alert_ack', { id }),
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

  // 充值 (R-O3): the options and a new order ask the server (they need the network: offline
  // they reject with SERVER_UNREACHABLE or SERVICE_UNAVAILABLE); the wallet reads the cache.
  /** The channels (alipay / wechat) and whether each is open, the amount limits, sandbox or
   * not, and how long an order may stay unpaid. */
  operatorRechargeOptions: () => call<RechargeOptions>('operator_recharge_options'),
  /** A new order (status `pending`) with the text to show as a QR code. Refused with
   * VALIDATION_FAILED (`details.field`) or PAYMENT_UNAVAILABLE. */
  operatorRechargeCreate: (args: CreateRecharge) => call<RechargeOrder>('operator_recharge_create', { args }),
  /** From the cache (works offline): the balance (null before the first sync) and the newest
   * 20 or fewer recharge orders; it moves when a sync pulls. */
  operatorWallet: () => call<OperatorWallet>('operator_wallet'),
  /** Sandbox orders only (`is_sandbox`): asks the sandbox gateway to pay, as the buyer would. */
  operatorRechargeSandboxPay: (orderId: string) => call<void>('operator_recharge_sandbox_pay', { orderId }),

  // 交易记录 (R-O4): the operator's own ledger, from the cache (works offline). `operator_id` and
  // `until` are ignored; `from`/`to` are China-time calendar days, both included.
  /** One page (limit 1 to 2,000), newest first, with totals over the whole filter. */
  operatorLedger: (query: TransactionQuery) => call<TransactionPage>('operator_ledger', { query }),
  /** Asks where to save (native dialog), then writes every row the filter matches, sending
   * `export-progress` events; null = the user cancelled. */
  operatorLedgerExport: (query: TransactionQuery, format: ExportFormat) =>
    call<ExportReport | null>('operator_ledger_export', { query, format }),

  // Admin pages: read from the local cache (they work offline); every decision is queued and
  // comes back in later reads with `pending: true` until the server confirms it.
  /** 授权管理: one page (limit 1 to 200) with the pager's total and the counts over all rows. */
  adminAuthorizations: (query: AuthorizationQuery) =>
    call<AuthorizationPage>('admin_authorizations', { query }),
  /** Grants an application (expires_at null = permanent); the new, still pending, row. */
  adminAuthorizationGrant: (args: GrantInput) =>
    call<AuthorizationView>('admin_authorization_grant', { args }),
  adminAuthorizationRevoke: (authorizationId: string, reason: string) =>
    call<void>('admin_authorization_revoke', { authorizationId, reason }),
  /** 授权申请审批: one page (limit 1 to 200); `awaiting` = requests still waiting in all. */
  adminRequests: (query: RequestQuery) => call<RequestPage>('admin_requests', { query }),
  /** R-D8: an OS notification; false when the desktop could not show it. */
  desktopNotify: (title: string, body: string) => call<boolean>('desktop_notify', { title, body }),
  /** Approves a pending request (expiresAt null = permanent); the new authorization's id. */
  adminRequestApprove: (requestId: string, expiresAt: string | null) =>
    call<string>('admin_request_approve', { requestId, expiresAt }),
  adminRequestReject: (requestId: string, reason: string) =>
    call<void>('admin_request_reject', { requestId, reason }),
  /** 运营商管理: one window of the list (limit 1 to 500), with the total matching. */
  adminOperators: (query: OperatorQuery) => call<OperatorPage>('admin_operators', { query }),
  /** Up to 20 operators matching `search`, for pickers. */
  adminOperatorOptions: (search: string) =>
    call<OperatorOption[]>('admin_operator_options', { search }),
  /** The whole catalogue (active and inactive), by name. */
  adminApplications: () => call<ApplicationRow[]>('admin_applications'),
  /** 应用管理: every application (inactive ones too) by name; `pending` until confirmed. */
  adminApplicationList: () => call<ApplicationView[]>('admin_application_list'),
  /** One application, its price history (newest first) and its active authorizations. */
  adminApplicationDetail: (applicationId: string) =>
    call<ApplicationDetail>('admin_application_detail', { applicationId }),
  adminApplicationCreate: (args: ApplicationInput) =>
    call<ApplicationView>('admin_application_create', { args }),
  /** `args.code` is ignored: an application's code never changes. */
  adminApplicationUpdate: (applicationId: string, args: ApplicationInput) =>
    call<ApplicationView>('admin_application_update', { applicationId, args }),
  /** 上架 (true) / 下架 (false). */
  adminApplicationSetActive: (applicationId: string, active: boolean) =>
    call<ApplicationView>('admin_application_set_active', { applicationId, active }),

  /** 公告: every announcement, newest first, from the cache (works offline); the ones
   * published here are `pending` until the server confirms them. */
  adminAnnouncements: () => call<AnnouncementView[]>('admin_announcements'),
  /** Publishes to every operator (`tier` null) or to one tier; queued (works offline).
   * Refused locally with VALIDATION_FAILED, `details.field` title or body. */
  adminAnnouncementPublish: (args: AnnouncementInput) =>
    call<AnnouncementView>('admin_announcement_publish', { args }),

  // API keys: NOT from the cache; the core asks the server (offline: SERVER_UNREACHABLE or
  // SERVICE_UNAVAILABLE).
  /** An operator's key in clear; the server audits every reveal. */
  adminApiKeyReveal: (operatorId: string) => call<ApiKeyShown>('admin_api_key_reveal', { operatorId }),
  /** A new key (shown once): the old one stops working at once and the operator is told. */
  adminApiKeyReset: (operatorId: string) => call<ApiKeyShown>('admin_api_key_reset', { operatorId }),

  // 交易监控: NOT from the local cache; the core asks the server (it needs the network:
  // offline it rejects with SERVER_UNREACHABLE or SERVICE_UNAVAILABLE).
  /** One page (limit 1 to 2,000) of every operator's ledger, newest first, with totals over
   * the whole filter. `from`/`to` are China-time calendar days, both included. */
  adminTransactions: (query: TransactionQuery) =>
    call<TransactionPage>('admin_transactions', { query }),
  /** Asks where to save (native dialog), then writes every row the filter matches, sending
   * `export-progress` events ({@link events.exportProgress}); null = the user cancelled. */
  adminTransactionsExport: (query: TransactionQuery, format: ExportFormat) =>
    call<ExportReport | null>('admin_transactions_export', { query, format }),

  // 统计分析: NOT from the local cache; the core asks the server (offline it rejects with
  // SERVER_UNREACHABLE or SERVICE_UNAVAILABLE). `from`/`to` are China-time calendar days, both
  // included, at most 1,096 days apart.
  adminStatistics: (query: StatisticsQuery) => call<Statistics>('admin_statistics', { query }),
  /** Asks where to save (native dialog), then writes an .xlsx with one sheet per section;
   * null = the user cancelled. */
  adminStatisticsExport: (query: StatisticsQuery) =>
    call<ExportReport | null>('admin_statistics_export', { query }),

  // 员工账号 (super admin only): asks the server, needs the network.
  adminStaffList: () => call<StaffAccount[]>('admin_staff_list'),
  adminStaffCreate: (input: CreateStaffRequest) => call<StaffAccount>('admin_staff_create', { input }),
  adminStaffResetPassword: (id: string, password: string) =>
    call<StaffAccount>('admin_staff_reset_password', { id, password }),
  /** 停用 (true: the account's sessions end at once, logins are refused) / 启用 (false). */
  adminStaffSetDisabled: (id: string, disabled: boolean) =>
    call<StaffAccount>('admin_staff_set_disabled', { id, disabled }),

  // 运营商管理 changes: ask the server (need the network); the list reads the cache, so a sync
  // follows each of them.
  /** A new operator account; the answer carries its API key, shown exactly once. */
  adminOperatorCreate: (input: CreateOperatorRequest) =>
    call<RegisterOperatorResponse>('admin_operator_create', { input }),
  adminOperatorUpdate: (id: string, input: UpdateOperatorRequest) =>
    call<OperatorProfile>('admin_operator_update', { id, input }),
  /** 锁定: the operator's headsets can no longer launch games (CONFLICT when already locked). */
  adminOperatorLock: (id: string, reason: string) => call<OperatorProfile>('admin_operator_lock', { id, reason }),
  adminOperatorUnlock: (id: string, reason: string) =>
    call<OperatorProfile>('admin_operator_unlock', { id, reason }),

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

/** The payload of `export-progress`: rows written so far and how many there are in all. */
export interface ExportProgress {
  done: number
  total: number
}

/** Stops listening; never throws. */
export type StopListening = () => void

/**
 * Events the core sends to this window. A listener that cannot be set up (no Tauri event
 * plugin: unit tests, a plain browser) is a no-op rather than an error: what it feeds is
 * only ever a nicety (a progress bar), never the result itself.
 */
export const events = {
  /** `export-progress` {done, total} while `admin_transactions_export` or
   * `operator_ledger_export` writes its file. */
  exportProgress: async (handler: (progress: ExportProgress) => void): Promise<StopListening> => {
    try {
      const unlisten = await listen<ExportProgress>('export-progress', (event) => {
        const p = event.payload
        if (p && typeof p.done === 'number' && typeof p.total === 'number') handler({ done: p.done, total: p.total })
      })
      return () => {
        void Promise.resolve()
          .then(unlisten)
          .catch(() => {})
      }
    } catch {
      return () => {}
    }
  },
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
