// Which admin pages a role may open: the sidebar lists only those, and the router sends a role
// away from the others (an analyst to 统计分析, an admin away from 员工账号).
import { afterEach, describe, expect, it } from 'vitest'
import type { Role } from '@/api/generated/Role'
import {
  ADMIN_MENU_KEYS,
  adminLanding,
  adminRedirect,
  allowedAdminMenus,
  canOpenAdminMenu,
} from '@/workspaces/admin/useAdminAccess'
import {
  ALL_ADMIN_MENUS,
  DEFAULT_SETTINGS,
  input,
  mockCommands,
  mountApp,
  session,
  settle,
  unmountAndClearMocks,
  type Mounted,
} from './helpers'

describe('admin menus by role', () => {
  it('a super admin opens every page, 员工账号 included', () => {
    expect(allowedAdminMenus('super_admin')).toEqual(ADMIN_MENU_KEYS)
    expect(canOpenAdminMenu('super_admin', 'staff')).toBe(true)
    expect(adminLanding('super_admin')).toBe('home')
  })

  it('an admin opens every page but 员工账号', () => {
    expect(allowedAdminMenus('admin')).toEqual(ADMIN_MENU_KEYS.filter((k) => k !== 'staff'))
    expect(canOpenAdminMenu('admin', 'statistics')).toBe(true)
    expect(canOpenAdminMenu('admin', 'staff')).toBe(false)
    expect(adminLanding('admin')).toBe('home')
  })

  it('an analyst opens 统计分析 only and lands there', () => {
    expect(allowedAdminMenus('analyst')).toEqual(['statistics'])
    expect(adminLanding('analyst')).toBe('statistics')
    for (const key of ADMIN_MENU_KEYS) expect(canOpenAdminMenu('analyst', key)).toBe(key === 'statistics')
  })

  it('any other role (none should sign in here) keeps the home page alone', () => {
    for (const role of ['operator', 'accountant', 'manager', 'auditor', null, undefined] as (Role | null | undefined)[]) {
      expect(allowedAdminMenus(role)).toEqual(['home'])
      expect(adminLanding(role)).toBe('home')
    }
  })

  it('the router is sent to the landing page of a role, and only from pages it may not open', () => {
    expect(adminRedirect('analyst', 'home')).toBe('admin-statistics')
    expect(adminRedirect('analyst', 'operators')).toBe('admin-statistics')
    expect(adminRedirect('analyst', 'statistics')).toBeNull()
    expect(adminRedirect('admin', 'staff')).toBe('admin-home')
    expect(adminRedirect('admin', 'transactions')).toBeNull()
    expect(adminRedirect('super_admin', 'staff')).toBeNull()
    // routes without a sidebar key (entry, login) are left alone
    expect(adminRedirect('analyst', undefined)).toBeNull()
  })
})

// ----- the sidebar and the router, mounted -----

let mounted: Mounted | undefined

afterEach(unmountAndClearMocks)

const STATS = {
  from: '2026-11-20',
  to: '2026-11-25',
  granularity: 'day',
  totals: { operators: 1, active_operators: 0, sessions: 0, players: 0, revenue: '0.00' },
  apps: [],
  player_counts: [],
  app_players: [],
  sites: [],
  operators: [],
  operator_apps: [],
}

function signedInAs(role: Role) {
  mockCommands({
    settings_get: () => DEFAULT_SETTINGS,
    session_get: () => session('admin', { role }),
    connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
    admin_overview: () => ({
      operators_total: 1,
      operators_active: 1,
      operators_locked: 0,
      applications_active: 1,
      pending_requests: 0,
      active_authorizations: 0,
    }),
    admin_statistics: () => STATS,
    admin_staff_list: () => [],
  })
}

function menuIds(): string[] {
  return [...document.querySelectorAll('.ws-menu__item')].map((el) => el.id)
}

describe('admin sidebar and routes by role', () => {
  it('an analyst sees only 统计分析 and lands on it from the workspace entry', async () => {
    signedInAs('analyst')
    mounted = await mountApp('/ws/admin')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(menuIds()).toEqual(['menu-statistics'])
    expect(document.querySelector('#menu-statistics')!.textContent).toContain('统计分析')
    expect(document.querySelector('#page-statistics')).not.toBeNull()
  })

  it('an analyst lands on 统计分析 right after signing in', async () => {
    mockCommands({
      settings_get: () => DEFAULT_SETTINGS,
      session_get: () => null,
      connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
      auth_login: () => session('admin', { username: 'uat_analyst', display_name: '赵思远', role: 'analyst' }),
      admin_statistics: () => STATS,
    })
    mounted = await mountApp('/ws/admin/login')
    await input(mounted.wrapper, 'login-username').setValue('uat_analyst')
    await input(mounted.wrapper, 'login-password').setValue('Uat@123456')
    await mounted.wrapper.find('form').trigger('submit')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
    expect(menuIds()).toEqual(['menu-statistics'])
    expect(document.querySelector('#user-role')!.textContent).toBe('数据分析员')
  })

  it('an analyst is sent to 统计分析 from every other admin page', async () => {
    signedInAs('analyst')
    mounted = await mountApp('/ws/admin/home')
    for (const path of ['operators', 'applications', 'requests', 'authorizations', 'announcements', 'transactions', 'staff', 'home']) {
      await mounted.router.push(`/ws/admin/${path}`)
      await settle(0)
      expect(mounted.router.currentRoute.value.name, path).toBe('admin-statistics')
    }
  })

  it('a super admin sees every item, 统计分析 and 员工账号 last', async () => {
    signedInAs('super_admin')
    mounted = await mountApp('/ws/admin/home')
    expect(menuIds()).toEqual(ALL_ADMIN_MENUS)
    await mounted.router.push('/ws/admin/staff')
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('admin-staff')
    expect(document.querySelector('#page-staff')).not.toBeNull()
  })

  it('an admin sees every item but 员工账号, and is sent home from it', async () => {
    signedInAs('admin')
    mounted = await mountApp('/ws/admin/home')
    expect(menuIds()).toContain('menu-statistics')
    expect(menuIds()).not.toContain('menu-staff')
    await mounted.router.push('/ws/admin/staff')
    await settle(0)
    expect(mounted.router.currentRoute.value.name).toBe('admin-home')
    await mounted.router.push('/ws/admin/statistics')
    await settle(0)
    expect(mounted.router.currentRoute.value.name).toBe('admin-statistics')
  })
})
