/** 我的待办: the open tasks of the caller's unit for their roles, earliest due first; claim and unclaim. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, type InboxTask, type TaskKind } from '@/api'

/** The inbox's queues as the API counts and lists them (待签收 / 在办 / 将超时 / 已超时 / 待回访). */
export const QUEUES = ['unclaimed', 'claimed', 'due_soon', 'overdue', 'follow_up'] as const
export type Queue = (typeof QUEUES)[number]

export interface InboxFilters {
  queue: Queue | ''
  kind: TaskKind | ''
  overdueOnly: boolean
  mineOnly: boolean
}

/** Earliest due first; tasks without a deadline last; ties by task id. */
export function byDue(a: InboxTask, b: InboxTask): number {
  const da = a.due_at ? Date.parse(a.due_at) : Infinity
  const db = b.due_at ? Date.parse(b.due_at) : Infinity
  return da === db ? a.task_id.localeCompare(b.task_id) : da - db
}

export const useInbox = defineStore('inbox', () => {
  const tasks = ref<InboxTask[]>([])
  const loading = ref(false)
  const filters = ref<InboxFilters>({ queue: '', kind: '', overdueOnly: false, mineOnly: false })
  const counts = ref<Record<string, number>>({})

  async function load(): Promise<void> {
    loading.value = true
    try {
      const all: InboxTask[] = []
      let cursor: string | null | undefined
      const queue = filters.value.queue || undefined
      do {
        const page = await api.tasks({ limit: 200, cursor: cursor ?? undefined, queue })
        all.push(...page.items)
        cursor = page.next_cursor
      } while (cursor && all.length < 1000)
      tasks.value = all
      counts.value = { ...(await api.taskQueues()) }
    } finally {
      loading.value = false
    }
  }

  function visible(me: string | undefined, now: number): InboxTask[] {
    const f = filters.value
    return tasks.value
      .filter((t) => !f.kind || t.kind === f.kind)
      .filter((t) => !f.overdueOnly || (t.due_at !== null && t.due_at !== undefined && Date.parse(t.due_at) <= now))
      .filter((t) => !f.mineOnly || t.claimed_by === me)
      .sort(byDue)
  }

  const kinds = computed(() => [...new Set(tasks.value.map((t) => t.kind))].sort())

  function replace(taskId: string, claimedBy: string | null): void {
    tasks.value = tasks.value.map((t) => (t.task_id === taskId ? { ...t, claimed_by: claimedBy } : t))
  }

  async function claim(taskId: string, me: string): Promise<void> {
    await api.claim(taskId)
    replace(taskId, me)
  }

  async function unclaim(taskId: string): Promise<void> {
    await api.unclaim(taskId)
    replace(taskId, null)
  }

  return { tasks, loading, filters, counts, kinds, load, visible, claim, unclaim }
})
