import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { api, toErrorBody } from '@/api/commands'
import type { Conflict } from '@/api/generated/Conflict'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { SyncStatus } from '@/api/generated/SyncStatus'
import type { Workspace } from '@/api/generated/Workspace'

/** How often the header asks the core for its sync status. */
export const SYNC_POLL_MS = 3_000

/**
 * The sync state of this window's workspace. The core has no change event for the shell, so
 * the header polls `sync_status`; whenever the mirror moved (`last_synced_at`), the queue
 * shrank or grew, or a conflict appeared, `revision` goes up and the open page reloads its list
 * from the cache.
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
  let timer: ReturnType<typeof setInterval> | undefined
  let users = 0

  const pending = computed(() => status.value?.pending ?? 0)
  const conflictCount = computed(() => status.value?.conflicts ?? 0)

  function changed(a: SyncStatus | null, b: SyncStatus): boolean {
    return (
      !a ||
      a.last_synced_at !== b.last_synced_at ||
      a.pending !== b.pending ||
      a.conflicts !== b.conflicts
    )
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
      if (!before || changed(before, next)) await loadUnread()
    } catch (err) {
      statusError.value = toErrorBody(err)
    }
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
      unread.value = (await api.operatorMessages()).filter((m) => !m.is_read).length
    } catch {
      // the badge keeps its last value
    }
  }

  /** A page queued a command: show the new count now rather than at the next poll. */
  async function localChange(): Promise<void> {
    await refresh()
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
    }
    if (!timer) {
      void refresh()
      timer = setInterval(() => void refresh(), intervalMs)
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
    pending,
    conflictCount,
    refresh,
    loadConflicts,
    loadUnread,
    localChange,
    syncNow,
    dismiss,
    start,
    stop,
  }
})
