import { watch } from 'vue'
import type { Workspace } from '@/api/generated/Workspace'
import { useAsyncData, type AsyncData } from '@/composables/useAsyncData'
import { useSyncStore } from '@/stores/sync'

/**
 * `useAsyncData` for a page that reads the local cache: it loads on mount and again whenever
 * the sync status says the cache moved (a pull, a queued or settled command, a conflict).
 */
export function useSyncedList<T>(fetcher: () => Promise<T>, workspace: Workspace): AsyncData<T> {
  const data = useAsyncData(fetcher, workspace)
  const sync = useSyncStore()
  watch(
    () => sync.revision,
    () => void data.reload(),
  )
  return data
}
