/** The bell: the caller's notifications, kept live from the server-sent event stream. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, type NotificationOut } from '@/api'

type Listener = (n: NotificationOut) => void

export const useNotifications = defineStore('notifications', () => {
  const items = ref<NotificationOut[]>([])
  const unread = ref(0)
  const live = ref(false)
  const listeners = new Set<Listener>()
  let controller: AbortController | null = null

  async function load(): Promise<void> {
    const page = await api.notifications({ limit: 50 })
    items.value = page.items
    unread.value = page.unread
  }

  /** A notice that arrived on the stream: shown first, counted unread, told to whoever listens. */
  function receive(n: NotificationOut): void {
    if (items.value.some((i) => i.id === n.id)) return
    items.value = [n, ...items.value].slice(0, 100)
    if (!n.read) unread.value += 1
    for (const listener of listeners) listener(n)
  }

  function start(): void {
    if (controller) return
    controller = new AbortController()
    live.value = true
    void load().catch(() => undefined)
    void api.streamNotifications(receive, controller.signal).finally(() => { live.value = false })
  }

  function stop(): void {
    controller?.abort()
    controller = null
    live.value = false
    items.value = []
    unread.value = 0
  }

  async function markAllRead(): Promise<void> {
    await api.markRead()
    items.value = items.value.map((i) => ({ ...i, read: true }))
    unread.value = 0
  }

  /** Be told of every notice as it arrives; returns the function that stops it. */
  function subscribe(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  return { items, unread, live, load, receive, start, stop, markAllRead, subscribe }
})
