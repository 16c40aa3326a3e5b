import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { byDue, useInbox } from '@/stores/inbox'
import { inboxTask } from './helpers'

const api = vi.hoisted(() => ({ tasks: vi.fn(), claim: vi.fn(), unclaim: vi.fn(),
  taskQueues: vi.fn().mockResolvedValue({ all: 2, unclaimed: 1, claimed: 1, due_soon: 0, overdue: 0, follow_up: 0 }) }))
vi.mock('@/api', () => ({ api }))

describe('the inbox store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.clearAllMocks()
  })

  it('orders by due time, tasks without a deadline last', () => {
    const a = inboxTask({ task_id: 'a.1', due_at: '2026-11-26T00:00:00Z' })
    const b = inboxTask({ task_id: 'b.1', due_at: '2026-11-25T00:00:00Z' })
    const c = inboxTask({ task_id: 'c.1', due_at: null })
    expect([a, c, b].sort(byDue).map((t) => t.task_id)).toEqual(['b.1', 'a.1', 'c.1'])
  })

  it('loads every page and filters by kind, overdue and claimant', async () => {
    api.tasks
      .mockResolvedValueOnce({ items: [inboxTask({ task_id: 'a.1', kind: 'verify' })], next_cursor: 'next' })
      .mockResolvedValueOnce({ items: [inboxTask({ task_id: 'b.1', kind: 'dispatch', claimed_by: 'me',
        due_at: '2026-11-20T00:00:00Z' })], next_cursor: null })
    const inbox = useInbox()
    await inbox.load()
    expect(api.tasks).toHaveBeenCalledTimes(2)
    expect(api.tasks.mock.calls[1][0]).toMatchObject({ cursor: 'next' })
    const now = Date.parse('2026-11-22T00:00:00Z')
    expect(inbox.visible('me', now).map((t) => t.task_id)).toEqual(['b.1', 'a.1'])
    inbox.filters.kind = 'verify'
    expect(inbox.visible('me', now).map((t) => t.task_id)).toEqual(['a.1'])
    inbox.filters.kind = ''
    inbox.filters.overdueOnly = true
    expect(inbox.visible('me', now).map((t) => t.task_id)).toEqual(['b.1'])
    inbox.filters.overdueOnly = false
    inbox.filters.mineOnly = true
    expect(inbox.visible('me', now).map((t) => t.task_id)).toEqual(['b.1'])
    expect(inbox.kinds).toEqual(['dispatch', 'verify'])
  })

  it('claims and unclaims through the API and shows who holds the task', async () => {
    api.tasks.mockResolvedValue({ items: [inboxTask()], next_cursor: null })
    api.claim.mockResolvedValue({})
    api.unclaim.mockResolvedValue({})
    const inbox = useInbox()
    await inbox.load()
    await inbox.claim('i1.1', 'grid_worker@g1')
    expect(api.claim).toHaveBeenCalledWith('i1.1')
    expect(inbox.tasks[0].claimed_by).toBe('grid_worker@g1')
    await inbox.unclaim('i1.1')
    expect(inbox.tasks[0].claimed_by).toBeNull()
  })
})
