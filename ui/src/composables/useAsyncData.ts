import { computed, onMounted, ref, shallowRef, type ComputedRef, type Ref, type ShallowRef } from 'vue'
import { useRouter } from 'vue-router'
import { ElMessage } from 'element-plus'
import { SESSION_ENDED_CODES, toErrorBody } from '@/api/commands'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { Workspace } from '@/api/generated/Workspace'
import { i18n } from '@/i18n'
import { loginRoute } from '@/router/names'
import { formatDateTime } from '@/utils/datetime'
import { useSessionStore } from '@/stores/session'

export interface AsyncData<T> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  error: ShallowRef<ErrorBody | null>
  loadedAt: Ref<Date | null>
  /** When the data was last loaded, for the page header (empty before the first load). */
  updatedText: ComputedRef<string>
  reload: () => Promise<void>
}

/**
 * Fetch on mount, with loading / error state and reload. When the core says the
 * workspace's session has ended, forget it and go back to that workspace's login.
 */
export function useAsyncData<T>(fetcher: () => Promise<T>, workspace?: Workspace): AsyncData<T> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = shallowRef<ErrorBody | null>(null)
  const loadedAt = ref<Date | null>(null)
  const router = useRouter()
  const sessions = useSessionStore()

  /** Each reload's number; an answer that arrives after a newer reload started is dropped
   * (e.g. a paged list flipped twice quickly: the first page must not land last). */
  let latest = 0

  async function reload(): Promise<void> {
    const seq = ++latest
    loading.value = true
    error.value = null
    try {
      const next = await fetcher()
      if (seq !== latest) return
      data.value = next
      loadedAt.value = new Date()
    } catch (err) {
      if (seq !== latest) return
      const body = toErrorBody(err)
      error.value = body
      if (workspace && SESSION_ENDED_CODES.includes(body.code)) {
        sessions.clear(workspace)
        ElMessage.warning(i18n.global.t('layout.sessionEnded'))
        await router.replace(loginRoute(workspace))
      }
    } finally {
      if (seq === latest) loading.value = false
    }
  }

  const updatedText = computed(() =>
    loadedAt.value ? formatDateTime(loadedAt.value.toISOString(), true) : '',
  )

  onMounted(reload)
  return { data, loading, error, loadedAt, updatedText, reload }
}
