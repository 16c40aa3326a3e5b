import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Me } from '@/api'
import { useSession } from '@/stores/session'

const api = vi.hoisted(() => ({ token: vi.fn(), me: vi.fn(), config: vi.fn() }))
vi.mock('@/api', () => ({ api, bindSession: vi.fn() }))

const me = (roles: Me['roles'], over: Partial<Me> = {}): Me => ({ id: 'x', name: 'x', unit_id: 'qh.hd', unit_name: '河东区',
  unit_name_en: 'Hedong', level: 'district', roles, community_id: null, ...over })

describe('the session store', () => {
  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
    vi.clearAllMocks()
  })

  it('signs in with a sample principal and keeps the token for the tab', async () => {
    api.token.mockResolvedValue({ token: 'tok', principal_id: 'supervisor@qh.hd', expires_in_s: 3600 })
    api.me.mockResolvedValue(me(['supervisor']))
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

  it.each([
    [['resident'], '/my'],
    [['supervisor'], '/dashboard'],
    [['grid_worker'], '/inbox'],
    [['leader'], '/inbox'],
    [['integration'], '/report'],
  ] as const)('sends %j home to %s', async (roles, home) => {
    api.token.mockResolvedValue({ token: 't', principal_id: 'p', expires_in_s: 1 })
    api.me.mockResolvedValue(me([...roles]))
    const session = useSession()
    await session.signInAs('p')
    expect(session.home).toBe(home)
  })
})
