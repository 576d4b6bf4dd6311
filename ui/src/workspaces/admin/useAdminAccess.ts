import { computed, type ComputedRef } from 'vue'
import type { Role } from '@/api/generated/Role'
import { useSessionStore } from '@/stores/session'

/** Roles that may take decisions (grant, revoke, approve, reject); an analyst only reads. */
export const DECIDING_ROLES: readonly Role[] = ['super_admin', 'admin']

/** Whether the signed-in admin-workspace user may take decisions: buttons are hidden if not. */
export function useCanDecide(): ComputedRef<boolean> {
  const sessions = useSessionStore()
  return computed(() => {
    const role = sessions.current('admin')?.user.role
    return !!role && DECIDING_ROLES.includes(role)
  })
}

/** Roles that may see every operator's transactions (交易监控); an analyst may not see them at all. */
export const TRANSACTION_VIEWING_ROLES: readonly Role[] = ['super_admin', 'admin']

/** Whether the signed-in admin-workspace user may see 交易监控's data (a notice shows if not). */
export function useCanViewTransactions(): ComputedRef<boolean> {
  const sessions = useSessionStore()
  return computed(() => {
    const role = sessions.current('admin')?.user.role
    return !!role && TRANSACTION_VIEWING_ROLES.includes(role)
  })
}
