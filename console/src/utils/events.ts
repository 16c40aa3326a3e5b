/** How a staff timeline event reads: its name (an action's own name for `action` events) and a short detail. */
import type { StaffEvent } from '@/api'

export interface EventLine {
  /** the message key of its name */
  key: string
  /** words the event carries: a note, a reason, a result, minutes */
  text: string
  /** units it names (routed, lead, co-units) */
  units: string[]
  /** late (true), on time (false), or not a deadline (null) */
  late: boolean | null
}

const TEXT_FIELDS = ['note', 'reason', 'result', 'text', 'minutes', 'explanation', 'comment', 'message']

export function eventLine(e: Pick<StaffEvent, 'kind' | 'data'>): EventLine {
  const data = (e.data ?? {}) as Record<string, unknown>
  const inner = (typeof data.data === 'object' && data.data !== null ? data.data : {}) as Record<string, unknown>
  const key = e.kind === 'action' && typeof data.action === 'string' ? `action.${data.action}` : `event.${e.kind}`
  const text = [...TEXT_FIELDS.map((k) => inner[k]), ...TEXT_FIELDS.map((k) => data[k])]
    .find((v): v is string => typeof v === 'string' && v.trim() !== '') ?? ''
  const units: string[] = []
  for (const source of [inner, data]) {
    for (const k of ['unit_ids', 'co_unit_ids']) {
      const v = source[k]
      if (Array.isArray(v)) units.push(...v.map(String))
    }
    if (typeof source.lead_unit_id === 'string') units.unshift(source.lead_unit_id)
  }
  const late = typeof data.late === 'boolean' && e.kind === 'task_closed' ? data.late : null
  return { key, text, units: [...new Set(units)], late }
}
