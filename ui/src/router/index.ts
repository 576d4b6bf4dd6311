import {
  createRouter,
  createWebHashHistory,
  type RouteRecordRaw,
  type RouterHistory,
} from 'vue-router'
import type { Workspace } from '@/api/generated/Workspace'
import { WORKSPACES } from '@/api/commands'
import { useSessionStore } from '@/stores/session'
import { homeRoute, loginRoute } from './names'
import LauncherPage from '@/workspaces/launcher/pages/LauncherPage.vue'
import LoginPage from '@/workspaces/shared/pages/LoginPage.vue'
import WorkspaceLayout from '@/workspaces/shared/WorkspaceLayout.vue'
import WorkspaceEntry from '@/workspaces/shared/pages/WorkspaceEntry.vue'
import RegisterPage from '@/workspaces/operator/pages/register/RegisterPage.vue'
import OperatorHomePage from '@/workspaces/operator/pages/home/OperatorHomePage.vue'
import SitesPage from '@/workspaces/operator/pages/sites/SitesPage.vue'
import MessagesPage from '@/workspaces/operator/pages/messages/MessagesPage.vue'
import ProfilePage from '@/workspaces/operator/pages/profile/ProfilePage.vue'
import RechargePage from '@/workspaces/operator/pages/recharge/RechargePage.vue'
import LedgerPage from '@/workspaces/operator/pages/ledger/LedgerPage.vue'
import AdminHomePage from '@/workspaces/admin/pages/home/AdminHomePage.vue'
import OperatorsPage from '@/workspaces/admin/pages/operators/OperatorsPage.vue'
import RequestsPage from '@/workspaces/admin/pages/requests/RequestsPage.vue'
import AuthorizationsPage from '@/workspaces/admin/pages/authorizations/AuthorizationsPage.vue'
import AnnouncementsPage from '@/workspaces/admin/pages/announcements/AnnouncementsPage.vue'
import ApplicationsPage from '@/workspaces/admin/pages/applications/ApplicationsPage.vue'
import TransactionsPage from '@/workspaces/admin/pages/transactions/TransactionsPage.vue'
import StatisticsPage from '@/workspaces/admin/pages/statistics/StatisticsPage.vue'
import StaffPage from '@/workspaces/admin/pages/staff/StaffPage.vue'
import { adminRedirect } from '@/workspaces/admin/useAdminAccess'
import FinanceHomePage from '@/workspaces/finance/pages/home/FinanceHomePage.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** The workspace this route belongs to (absent for the launcher). */
    workspace?: Workspace
    /** `#/ws/<ws>`: decide between login and home. */
    entry?: boolean
    /** Needs a signed-in session of `workspace`. */
    requiresAuth?: boolean
    /** Login page: skipped when already signed in. */
    loginPage?: boolean
    /** i18n key of the page title (window title). */
    titleKey?: string
    /** Which sidebar item is active. */
    menu?: string
  }
}

const HOME_PAGES = {
  operator: OperatorHomePage,
  admin: AdminHomePage,
  finance: FinanceHomePage,
} as const

/** The operator's pages. They read the local cache and work offline, except that 充值 places
 * its orders on the server (its balance and history still come from the cache). */
const OPERATOR_PAGES: RouteRecordRaw[] = [
  {
    path: 'recharge',
    name: 'operator-recharge',
    component: RechargePage,
    meta: { requiresAuth: true, menu: 'recharge', titleKey: 'recharge.title' },
  },
  {
    path: 'ledger',
    name: 'operator-ledger',
    component: LedgerPage,
    meta: { requiresAuth: true, menu: 'ledger', titleKey: 'ledger.title' },
  },
  {
    path: 'sites',
    name: 'operator-sites',
    component: SitesPage,
    meta: { requiresAuth: true, menu: 'sites', titleKey: 'sites.title' },
  },
  {
    path: 'messages',
    name: 'operator-messages',
    component: MessagesPage,
    meta: { requiresAuth: true, menu: 'messages', titleKey: 'messages.title' },
  },
  {
    path: 'profile',
    name: 'operator-profile',
    component: ProfilePage,
    meta: { requiresAuth: true, menu: 'profile', titleKey: 'profile.title' },
  },
]

/** The admin's pages: the synced ones (公告 too) read the local cache and queue decisions (offline too);
 * 交易监控 (transactions), 统计分析 (statistics) and 员工账号 (staff) ask the server and need the
 * network. Which of them a role may open is `allowedAdminMenus` (useAdminAccess.ts): the guard
 * below sends a role elsewhere from a page it may not open (an analyst to 统计分析). */
const ADMIN_PAGES: RouteRecordRaw[] = [
  {
    path: 'operators',
    name: 'admin-operators',
    component: OperatorsPage,
    meta: { requiresAuth: true, menu: 'operators', titleKey: 'operators.title' },
  },
  {
    path: 'applications',
    name: 'admin-applications',
    component: ApplicationsPage,
    meta: { requiresAuth: true, menu: 'applications', titleKey: 'apps.title' },
  },
  {
    path: 'requests',
    name: 'admin-requests',
    component: RequestsPage,
    meta: { requiresAuth: true, menu: 'requests', titleKey: 'requests.title' },
  },
  {
    path: 'authorizations',
    name: 'admin-authorizations',
    component: AuthorizationsPage,
    meta: { requiresAuth: true, menu: 'authorizations', titleKey: 'auth.title' },
  },
  {
    path: 'announcements',
    name: 'admin-announcements',
    component: AnnouncementsPage,
    meta: { requiresAuth: true, menu: 'announcements', titleKey: 'ann.title' },
  },
  {
    path: 'transactions',
    name: 'admin-transactions',
    component: TransactionsPage,
    meta: { requiresAuth: true, menu: 'transactions', titleKey: 'tx.title' },
  },
  {
    path: 'statistics',
    name: 'admin-statistics',
    component: StatisticsPage,
    meta: { requiresAuth: true, menu: 'statistics', titleKey: 'stats.title' },
  },
  {
    path: 'staff',
    name: 'admin-staff',
    component: StaffPage,
    meta: { requiresAuth: true, menu: 'staff', titleKey: 'staff.title' },
  },
]

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'launcher', component: LauncherPage, meta: { titleKey: 'app.title' } },
  {
    path: '/ws/operator/register',
    name: 'operator-register',
    component: RegisterPage,
    meta: { workspace: 'operator', titleKey: 'register.title' },
  },
  ...WORKSPACES.flatMap((ws): RouteRecordRaw[] => [
    {
      path: `/ws/${ws}/login`,
      name: `${ws}-login`,
      component: LoginPage,
      props: { workspace: ws },
      meta: { workspace: ws, loginPage: true, titleKey: 'login.submit' },
    },
    {
      path: `/ws/${ws}`,
      component: WorkspaceLayout,
      props: { workspace: ws },
      meta: { workspace: ws },
      children: [
        { path: '', name: `${ws}-entry`, component: WorkspaceEntry, meta: { entry: true } },
        {
          path: 'home',
          name: `${ws}-home`,
          component: HOME_PAGES[ws],
          meta: { requiresAuth: true, menu: 'home', titleKey: 'home.title' },
        },
        ...(ws === 'operator' ? OPERATOR_PAGES : []),
        ...(ws === 'admin' ? ADMIN_PAGES : []),
      ],
    },
  ]),
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export function createAppRouter(history: RouterHistory = createWebHashHistory()) {
  const router = createRouter({ history, routes })

  router.beforeEach(async (to) => {
    const ws = to.meta.workspace
    if (!ws) return true
    const needsSession = to.meta.entry || to.meta.requiresAuth || to.meta.loginPage
    if (!needsSession) return true
    const session = await useSessionStore().ensure(ws)
    if (to.meta.entry) return session ? homeRoute(ws) : loginRoute(ws)
    if (to.meta.requiresAuth && !session) return loginRoute(ws)
    if (to.meta.loginPage && session) return homeRoute(ws)
    if (ws === 'admin' && session && to.meta.requiresAuth) {
      const elsewhere = adminRedirect(session.user.role, to.meta.menu)
      if (elsewhere) return { name: elsewhere }
    }
    return true
  })

  return router
}
