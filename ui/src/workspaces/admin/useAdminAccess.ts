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

// ----- which admin pages a role may open (sidebar items and the router guard) -----

/** The admin workspace's pages, by their sidebar key (`menu-<key>`), in sidebar order. */
export const ADMIN_MENU_KEYS = [
  'home',
  'operators',
  'applications',
  'requests',
  'authorizations',
  'announcements',
  'transactions',
  'statistics',
  'staff',
] as const
export type AdminMenuKey = (typeof ADMIN_MENU_KEYS)[number]

/** Sidebar key → route name. */
export const ADMIN_MENU_ROUTES: Record<AdminMenuKey, string> = {
  home: 'admin-home',
  operators: 'admin-operators',
  applications: 'admin-applications',
  requests: 'admin-requests',
  authorizations: 'admin-authorizations',
  announcements: 'admin-announcements',
  transactions: 'admin-transactions',
  statistics: 'admin-statistics',
  staff: 'admin-staff',
}

/** Only a super admin manages staff accounts (员工账号). */
export const STAFF_MANAGING_ROLES: readonly Role[] = ['super_admin']

export function isAdminMenuKey(value: unknown): value is AdminMenuKey {
  return typeof value === 'string' && (ADMIN_MENU_KEYS as readonly string[]).includes(value)
}

/**
 * The admin pages a role may open, in sidebar order: a super admin every one, an admin every one
 * but 员工账号, an analyst 统计分析 only. Any other role (none should sign in here) gets the home
 * page alone.
 */
export function allowedAdminMenus(role: Role | null | undefined): readonly AdminMenuKey[] {
  switch (role) {
    case 'super_admin':
      return ADMIN_MENU_KEYS
    case 'admin':
      return ADMIN_MENU_KEYS.filter((k) => k !== 'staff')
    case 'analyst':
      return ['statistics']
    default:
      return ['home']
  }
}

export function canOpenAdminMenu(role: Role | null | undefined, key: AdminMenuKey): boolean {
  return allowedAdminMenus(role).includes(key)
}

/** Where a role lands in the admin workspace (after login, or from a page it may not open). */
export function adminLanding(role: Role | null | undefined): AdminMenuKey {
  const allowed = allowedAdminMenus(role)
  return allowed.includes('home') ? 'home' : allowed[0]!
}

/**
 * The router's answer for an admin route: null when the role may open it, else the route name to
 * go to instead. Routes without a sidebar key (login, entry) are always allowed.
 */
export function adminRedirect(role: Role | null | undefined, menu: string | undefined): string | null {
  if (!isAdminMenuKey(menu) || canOpenAdminMenu(role, menu)) return null
  return ADMIN_MENU_ROUTES[adminLanding(role)]
}

/** The sidebar keys the signed-in admin-workspace user sees. */
export function useAdminMenus(): ComputedRef<readonly AdminMenuKey[]> {
  const sessions = useSessionStore()
  return computed(() => allowedAdminMenus(sessions.current('admin')?.user.role))
}

/** Whether the signed-in admin-workspace user manages staff accounts (super admin only). */
export function useCanManageStaff(): ComputedRef<boolean> {
  const sessions = useSessionStore()
  return computed(() => {
    const role = sessions.current('admin')?.user.role
    return !!role && STAFF_MANAGING_ROLES.includes(role)
  })
}
