import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { api, toErrorBody } from '@/api/commands'
import { i18n } from '@/i18n'
import type { Conflict } from '@/api/generated/Conflict'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { SyncStatus } from '@/api/generated/SyncStatus'
import type { Workspace } from '@/api/generated/Workspace'

/** How often the header asks the core for its sync status. */
export const SYNC_POLL_MS = 3_000
/** While a pull of several pages runs (`status.progress`): often enough for the bar to move. */
export const SYNC_PROGRESS_POLL_MS = 500

/**
 * The sync state of this window's workspace. The core has no change event for the shell, so
 * the header polls `sync_status`; whenever the mirror moved (`last_synced_at`), the queue
 * shrank or grew, or a conflict appeared, `revision` goes up and the open page reloads its list
 * from the cache. While a long pull runs (`progress`, the initial sync above all) the poll is
 * faster so the header's progress bar moves; it drops back once the pull is done.
 */
export const useSyncStore = defineStore('sync', () => {
  const workspace = ref<Workspace | null>(null)
  const status = shallowRef<SyncStatus | null>(null)
  /** The status could not be read (the core failed, not the server). */
  const statusError = shallowRef<ErrorBody | null>(null)
  const conflicts = shallowRef<Conflict[]>([])
  const syncing = ref(false)
  const revision = ref(0)
  /** Unread messages (operator), for the menu badge. */
  const unread = ref(0)
  /** Authorization requests still waiting for a decision (admin), for the menu badge. */
  const awaiting = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined
  /** The interval the running timer was set with, and the normal one `start` asked for. */
  let timerMs = SYNC_POLL_MS
  let baseMs = SYNC_POLL_MS
  /** A timer tick is skipped while the previous poll is still waiting for the core. */
  let polling = false
  let users = 0

  const pending = computed(() => status.value?.pending ?? 0)
  const conflictCount = computed(() => status.value?.conflicts ?? 0)
  /** How far a running multi-page pull is; null when none runs. */
  const progress = computed(() => status.value?.progress ?? null)
  /** The server no longer speaks this app's sync protocol (426): the app must be updated. */
  const updateRequired = computed(() => status.value?.update_required === true)

  function changed(a: SyncStatus | null, b: SyncStatus): boolean {
    return (
      !a ||
      a.last_synced_at !== b.last_synced_at ||
      a.pending !== b.pending ||
      a.conflicts !== b.conflicts ||
      // a long pull just finished: the cache holds much more than before
      (!!a.progress && !b.progress)
    )
  }

  function schedule(ms: number): void {
    if (timer) clearInterval(timer)
    timerMs = ms
    timer = setInterval(() => void tick(), ms)
  }

  async function tick(): Promise<void> {
    if (polling) return
    polling = true
    try {
      await refresh()
    } finally {
      polling = false
    }
  }

  /** Fast polling while a pull reports progress, the normal interval otherwise (or when the
   * core stopped answering: no point asking a failing core twice a second). */
  function adjustPace(): void {
    if (!timer) return
    const fast = !!status.value?.progress && !statusError.value
    const want = fast ? Math.min(SYNC_PROGRESS_POLL_MS, baseMs) : baseMs
    if (want !== timerMs) schedule(want)
  }

  async function refresh(): Promise<void> {
    const ws = workspace.value
    if (!ws) return
    try {
      const next = await api.syncStatus(ws)
      const before = status.value
      status.value = next
      statusError.value = null
      if (before && changed(before, next)) revision.value += 1
      if (!before || before.conflicts !== next.conflicts) await loadConflicts()
      if (!before || changed(before, next)) await loadBadges()
    } catch (err) {
      statusError.value = toErrorBody(err)
    }
    adjustPace()
  }

  async function loadConflicts(): Promise<void> {
    const ws = workspace.value
    if (!ws) return
    try {
      conflicts.value = await api.syncConflicts(ws)
    } catch {
      // keep the last list; the count in the status still shows
    }
  }

  async function loadUnread(): Promise<void> {
    if (workspace.value !== 'operator') return
    try {
      // a count from the cache, not the whole list (a cache may hold 100,000+ messages)
      unread.value = await api.operatorUnreadCount()
    } catch {
      // the badge keeps its last value
    }
  }

  /** The count has been read once in this session: later rises are new requests (R-D8). */
  let awaitingKnown = false

  async function loadAwaiting(): Promise<void> {
    if (workspace.value !== 'admin') return
    try {
      // the page's `awaiting` is a count over the cache with queued decisions taken off
      const next = (await api.adminRequests({ status: 'pending', offset: 0, limit: 1 })).awaiting
      const arrived = awaitingKnown ? next - awaiting.value : 0
      awaiting.value = next
      awaitingKnown = true
      if (arrived > 0) notifyRequests(arrived)
    } catch {
      // the badge keeps its last value
    }
  }

  /** A desktop notification when requests arrived with a sync; the badge tells either way. */
  function notifyRequests(count: number): void {
    const t = i18n.global.t
    api
      .desktopNotify(t('requests.notifyTitle'), t('requests.notifyBody', { count }))
      .catch(() => undefined)
  }

  /** The menu badges of this workspace. */
  async function loadBadges(): Promise<void> {
    await loadUnread()
    await loadAwaiting()
  }

  /** A page queued a command: show the new count now rather than at the next poll. */
  async function localChange(): Promise<void> {
    const seen = revision.value
    await refresh()
    // a decision taken here changes the awaiting count even when the status did not move
    if (revision.value === seen) await loadAwaiting()
  }

  /** "Sync now": one round; the error, if any, lands in the status's `last_error`. */
  async function syncNow(): Promise<ErrorBody | null> {
    const ws = workspace.value
    if (!ws || syncing.value) return null
    syncing.value = true
    let failure: ErrorBody | null = null
    try {
      await api.syncNow(ws)
    } catch (err) {
      failure = toErrorBody(err)
    } finally {
      syncing.value = false
    }
    await refresh()
    revision.value += 1
    return failure
  }

  async function dismiss(id: number): Promise<void> {
    const ws = workspace.value
    if (!ws) return
    await api.syncConflictDismiss(ws, id)
    conflicts.value = conflicts.value.filter((c) => c.id !== id)
    await refresh()
  }

  /** The header starts polling when it mounts and stops when the last user unmounts. */
  function start(ws: Workspace, intervalMs = SYNC_POLL_MS): void {
    users += 1
    if (workspace.value !== ws) {
      workspace.value = ws
      status.value = null
      conflicts.value = []
      unread.value = 0
      awaiting.value = 0
      awaitingKnown = false
    }
    if (!timer) {
      baseMs = intervalMs
      schedule(intervalMs)
      void tick()
    }
  }

  function stop(): void {
    users = Math.max(0, users - 1)
    if (users === 0 && timer) {
      clearInterval(timer)
      timer = undefined
    }
  }

  return {
    workspace,
    status,
    statusError,
    conflicts,
    syncing,
    revision,
    unread,
    awaiting,
    pending,
    conflictCount,
    progress,
    updateRequired,
    refresh,
    loadConflicts,
    loadUnread,
    loadAwaiting,
    localChange,
    syncNow,
    dismiss,
    start,
    stop,
  }
})
