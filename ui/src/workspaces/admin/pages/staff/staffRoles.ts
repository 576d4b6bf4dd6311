import type { Role } from '@/api/generated/Role'

/** The finance workspace's roles; every other staff role signs in to the admin workspace. */
export const FINANCE_ROLES: readonly Role[] = ['accountant', 'manager', 'auditor']

/** The workspace a staff role signs in to. */
export function staffWorkspace(role: Role): 'admin' | 'finance' {
  return FINANCE_ROLES.includes(role) ? 'finance' : 'admin'
}
