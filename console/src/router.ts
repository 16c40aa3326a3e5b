/** The console's pages under /console/. Each route says who may open it; the guard sends others home. */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Capability } from '@/api'
import { useSession } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** open without signing in */
    public?: boolean
    /** any one of these capabilities (the API's word, `/console/api/me`) opens the page */
    capabilities?: Capability[]
    /** the message key of the page's title */
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: { render: () => null } },
  { path: '/sign-in', name: 'sign-in', component: () => import('@/views/SignInView.vue'),
    meta: { public: true, title: 'signIn.title' } },
  { path: '/inbox', name: 'inbox', component: () => import('@/views/InboxView.vue'),
    meta: { capabilities: ['inbox'], title: 'nav.inbox' } },
  { path: '/issues/:id', name: 'issue', component: () => import('@/views/IssueView.vue'), props: true,
    meta: { capabilities: ['issue_pages'], title: 'nav.issue' } },
  { path: '/issues/:id/audit', name: 'audit', component: () => import('@/views/AuditView.vue'), props: true,
    meta: { capabilities: ['audit'], title: 'nav.audit' } },
  { path: '/search', name: 'search', component: () => import('@/views/SearchView.vue'),
    meta: { capabilities: ['inbox'], title: 'nav.search' } },
  { path: '/inquiries', name: 'inquiries', component: () => import('@/views/InquiriesView.vue'),
    meta: { capabilities: ['answer_inquiries'], title: 'nav.inquiries' } },
  { path: '/report', name: 'report', component: () => import('@/views/ReportView.vue'),
    meta: { capabilities: ['file_reports'], title: 'nav.report' } },
  { path: '/dashboard', name: 'dashboard', component: () => import('@/views/DashboardView.vue'),
    meta: { capabilities: ['statistics'], title: 'nav.dashboard' } },
  { path: '/map', name: 'map', component: () => import('@/views/MapView.vue'),
    meta: { capabilities: ['inbox'], title: 'nav.map' } },
  { path: '/assessment', name: 'assessment', component: () => import('@/views/AssessmentView.vue'),
    meta: { capabilities: ['statistics'], title: 'nav.assessment' } },
  { path: '/admin/units', name: 'admin-units', component: () => import('@/views/AdminUnitsView.vue'),
    meta: { capabilities: ['read_directory'], title: 'nav.units' } },
  { path: '/admin/people', name: 'admin-people', component: () => import('@/views/AdminPeopleView.vue'),
    meta: { capabilities: ['read_directory'], title: 'nav.people' } },
  { path: '/admin/matters', name: 'admin-matters', component: () => import('@/views/AdminMattersView.vue'),
    meta: { capabilities: ['read_directory'], title: 'nav.matters' } },
  { path: '/admin/directory', name: 'admin-directory', component: () => import('@/views/AdminDirectoryView.vue'),
    meta: { capabilities: ['read_directory'], title: 'nav.directory' } },
  { path: '/my', name: 'my-issues', component: () => import('@/views/MyIssuesView.vue'),
    meta: { title: 'nav.myIssues' } },
  { path: '/my/:id', name: 'my-issue', component: () => import('@/views/MyIssueView.vue'), props: true,
    meta: { title: 'nav.myIssue' } },
  { path: '/board/:communityId?', name: 'board', component: () => import('@/views/BoardView.vue'), props: true,
    meta: { title: 'nav.board' } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'),
    meta: { public: true, title: 'nav.notFound' } },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach(async (to) => {
  const session = useSession()
  await session.loadConfig().catch(() => undefined) // the sign-in page says when the API is away
  if (to.meta.public) return true
  if (!session.token) return { name: 'sign-in', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  try {
    await session.loadMe()
  } catch {
    session.signOut()
    return { name: 'sign-in', query: { next: to.fullPath } }
  }
  if (to.name === 'home') return session.home
  const capabilities = to.meta.capabilities
  if (capabilities && !session.can(...capabilities)) return session.home
  return true
})
