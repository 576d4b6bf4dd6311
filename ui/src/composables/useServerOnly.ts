import { computed, watch, type ComputedRef, type Ref } from 'vue'
import { isNetworkError } from '@/api/commands'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import { useSyncStore } from '@/stores/sync'

/**
 * For a page asked straight from the server (not the local cache): whether its last error says
 * the server could not be reached, so the page shows its 需要联网 notice instead of an error;
 * and, once the connection comes back while it shows that, one reload by itself.
 */
export function useServerOnly(error: Ref<ErrorBody | null>, reload: () => Promise<void>): ComputedRef<boolean> {
  const sync = useSyncStore()
  const offline = computed(() => !!error.value && isNetworkError(error.value))
  watch(
    () => sync.status?.online,
    (online, was) => {
      if (online && was === false && offline.value) void reload()
    },
  )
  return offline
}
