import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { api } from '@/api/commands'
import type { SessionInfo } from '@/api/generated/SessionInfo'
import type { Workspace } from '@/api/generated/Workspace'

/**
 * The signed-in session of each workspace as this window knows it.
 * `undefined` = not asked yet, `null` = asked, nobody signed in.
 */
export const useSessionStore = defineStore('session', () => {
  const sessions = reactive<Partial<Record<Workspace, SessionInfo | null>>>({})

  /** The cached answer, or session_get once. A failing session_get counts as signed out. */
  async function ensure(workspace: Workspace): Promise<SessionInfo | null> {
    const known = sessions[workspace]
    if (known !== undefined) return known
    try {
      sessions[workspace] = (await api.sessionGet(workspace)) ?? null
    } catch {
      sessions[workspace] = null
    }
    return sessions[workspace] ?? null
  }

  function current(workspace: Workspace): SessionInfo | null {
    return sessions[workspace] ?? null
  }

  async function login(workspace: Workspace, username: string, password: string) {
    const session = await api.authLogin({ workspace, username, password })
    sessions[workspace] = session
    return session
  }

  async function logout(workspace: Workspace, wipeCache: boolean): Promise<void> {
    await api.authLogout({ workspace, wipe_cache: wipeCache })
    sessions[workspace] = null
  }

  /** Forget the session locally (e.g. the core said it has ended). */
  function clear(workspace: Workspace): void {
    sessions[workspace] = null
  }

  return { sessions, ensure, current, login, logout, clear }
})
