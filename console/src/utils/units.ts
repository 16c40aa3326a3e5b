/** Walking the organisation the directory loaded: a unit's subtree, the grids within it. */
import type { UnitOut } from '@/api'

/** Whether `unitId` is `rootId` or lies below it. */
export function within(units: ReadonlyMap<string, UnitOut>, unitId: string, rootId: string): boolean {
  let at: string | null | undefined = unitId
  for (let guard = 0; at && guard < 32; guard++) {
    if (at === rootId) return true
    at = units.get(at)?.parent_id
  }
  return false
}

/** The grids within `rootId`'s subtree (all grids without a root), by id. */
export function gridsWithin(units: ReadonlyMap<string, UnitOut>, rootId: string | null): UnitOut[] {
  return [...units.values()]
    .filter((u) => u.level === 'grid' && u.kind === 'territorial' && (!rootId || within(units, u.id, rootId)))
    .sort((a, b) => a.id.localeCompare(b.id))
}
