import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'
import { api } from '@/api/commands'
import type { ConnectionState } from '@/api/generated/ConnectionState'
import type { Workspace } from '@/api/generated/Workspace'

export const CONNECTION_POLL_MS = 10_000

/** Poll connection_state every 10 s while the component lives. */
export function useConnection(workspace: Workspace, intervalMs = CONNECTION_POLL_MS) {
  const state = shallowRef<ConnectionState | null>(null)
  const failed = ref(false)
  let timer: ReturnType<typeof setInterval> | undefined

  async function refresh(): Promise<void> {
    try {
      state.value = await api.connectionState(workspace)
      failed.value = false
    } catch {
      // The core could not even answer: show offline, keep the last known online time.
      failed.value = true
      state.value = {
        online: false,
        last_online_at: state.value?.last_online_at,
        checked_at: new Date().toISOString(),
      }
    }
  }

  onMounted(() => {
    void refresh()
    timer = setInterval(() => void refresh(), intervalMs)
  })
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer)
  })

  return { state, failed, refresh }
}
