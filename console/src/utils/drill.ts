/** The issues behind a figure, for `IssueIdsDialog`. A unit's own figures carry their issues; a ranking's come
 * without them (a quarter at a million issues a year would carry millions), so they are asked for when one of its
 * figures is opened. Only the figure opened last is shown: an earlier answer, or failure, arriving late is dropped. */
import { ref } from 'vue'
import type { StatsQuery, UnitStats } from '@/api'
import { figure } from '@/utils/figures'
import { periodQuery } from '@/utils/periods'

export interface Drill {
  open: boolean
  title: string
  ids: string[]
  loading: boolean
}

export function useDrill(load: (query: StatsQuery) => Promise<UnitStats>, onError: (err: unknown) => void) {
  const drill = ref<Drill>({ open: false, title: '', ids: [], loading: false })
  let opened = 0

  /** A figure whose issues are at hand. */
  function show(title: string, ids: string[] | undefined): void {
    opened += 1
    drill.value = { open: true, title, ids: ids ?? [], loading: false }
  }

  /** A figure of a unit whose issues must be asked for: the unit's figures, for the period they were counted over. */
  async function fetch(title: string, bare: UnitStats, key: string): Promise<void> {
    const mine = ++opened
    drill.value = { open: true, title, ids: [], loading: true }
    try {
      const stats = await load({ unit: bare.unit_id, ...periodQuery(bare.period.label) })
      if (mine === opened) drill.value = { ...drill.value, ids: figure(stats, key)?.issue_ids ?? [], loading: false }
    } catch (err) {
      if (mine !== opened) return
      drill.value = { ...drill.value, open: false, loading: false }
      onError(err)
    }
  }

  return { drill, show, fetch }
}
