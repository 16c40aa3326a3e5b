import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { NotificationOut } from '@/api'
import { useNotifications } from '@/stores/notifications'

const api = vi.hoisted(() => ({ notifications: vi.fn(), markRead: vi.fn(), streamNotifications: vi.fn() }))
vi.mock('@/api', () => ({ api }))

const notice = (id: number, read = false): NotificationOut => ({ id, issue_id: 'i1', kind: 'task_opened',
  text: '新任务', created_at: '2026-11-24T00:00:00Z', read })

describe('the notification store (the bell)', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.clearAllMocks()
  })

  it('counts a notice from the stream once and tells its listeners', () => {
    const store = useNotifications()
    const heard: number[] = []
    const stop = store.subscribe((n) => heard.push(n.id))
    store.receive(notice(1))
    store.receive(notice(1))
    store.receive(notice(2, true))
    expect(store.items.map((n) => n.id)).toEqual([2, 1])
    expect(store.unread).toBe(1)
    expect(heard).toEqual([1, 2])
    stop()
    store.receive(notice(3))
    expect(heard).toEqual([1, 2])
  })

  it('starts the stream once, loads the page, and stops cleanly', async () => {
    api.notifications.mockResolvedValue({ items: [notice(5)], unread: 1 })
    let signal: AbortSignal | undefined
    api.streamNotifications.mockImplementation((_on: unknown, s: AbortSignal) => {
      signal = s
      return new Promise<void>((resolve) => s.addEventListener('abort', () => resolve()))
    })
    const store = useNotifications()
    store.start()
    store.start()
    expect(api.streamNotifications).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(store.unread).toBe(1))
    expect(store.live).toBe(true)
    store.stop()
    expect(signal?.aborted).toBe(true)
    expect(store.items).toEqual([])
  })

  it('marks everything read', async () => {
    api.markRead.mockResolvedValue({ marked: 2 })
    const store = useNotifications()
    store.receive(notice(1))
    store.receive(notice(2))
    await store.markAllRead()
    expect(store.unread).toBe(0)
    expect(store.items.every((n) => n.read)).toBe(true)
  })
})
