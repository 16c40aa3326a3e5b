import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Me } from '@/api'
import { useSession } from '@/stores/session'

const api = vi.hoisted(() => ({ token: vi.fn(), me: vi.fn(), config: vi.fn(), actionForms: vi.fn() }))
vi.mock('@/api', () => ({ api, bindSession: vi.fn() }))

const me = (roles: Me['roles'], over: Partial<Me> = {}): Me => ({ id: 'x', name: 'x', unit_id: 'qh.hd', unit_name: '河东区',
  unit_name_en: 'Hedong', level: 'district', roles, community_id: null, capabilities: [], ...over })

describe('the session store', () => {
  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
    vi.clearAllMocks()
  })

  it('signs in with a sample principal and keeps the token for the tab', async () => {
    api.token.mockResolvedValue({ token: 'tok', principal_id: 'supervisor@qh.hd', expires_in_s: 3600 })
    api.me.mockResolvedValue(me(['supervisor'], { capabilities: ['inbox', 'issue_pages', 'statistics', 'audit'] }))
    const session = useSession()
    await session.signInAs('supervisor@qh.hd')
    expect(api.token).toHaveBeenCalledWith('supervisor@qh.hd')
    expect(session.token).toBe('tok')
    expect(sessionStorage.getItem('whistle.token')).toBe('tok')
    expect(session.readsStats && session.readsAudit && session.isStaff).toBe(true)
    session.signOut()
    expect(session.token).toBeNull()
    expect(sessionStorage.getItem('whistle.token')).toBeNull()
  })

  it('forgets a token the API refuses', async () => {
    api.me.mockRejectedValue(new Error('401'))
    const session = useSession()
    await expect(session.useToken('bad')).rejects.toThrow()
    expect(session.token).toBeNull()
  })

  // the roles say nothing here: what the API lists as the principal's capabilities decides
  it.each([
    [['own_issues', 'file_reports'], '/my'],
    [['inbox', 'issue_pages', 'file_reports', 'statistics', 'audit'], '/dashboard'],
    [['inbox', 'issue_pages', 'file_reports'], '/inbox'],
    [['inbox', 'issue_pages', 'file_reports', 'statistics'], '/inbox'],
    [['issue_pages', 'file_reports'], '/report'],
  ] as const)('sends a principal who may open %j home to %s', async (capabilities, home) => {
    api.token.mockResolvedValue({ token: 't', principal_id: 'p', expires_in_s: 1 })
    api.me.mockResolvedValue(me(['resident'], { capabilities: [...capabilities] }))
    const session = useSession()
    await session.signInAs('p')
    expect(session.home).toBe(home)
  })

  it('asks the API what a principal may open: an administrator starts at the organisation', async () => {
    api.token.mockResolvedValue({ token: 't', principal_id: 'administrator@qh.hd', expires_in_s: 1 })
    api.me.mockResolvedValue(me(['administrator'], { capabilities: ['read_directory', 'administer_directory'] }))
    const session = useSession()
    await session.signInAs('administrator@qh.hd')
    expect(session.can('administer_directory')).toBe(true)
    expect(session.can('inbox', 'statistics')).toBe(false)
    expect(session.home).toBe('/admin/units')
  })
})
