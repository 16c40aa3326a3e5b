/** The units a dispatcher may summon, mirroring `Organisation.routable` (DESIGN §4, "who hears the whistle"):
 * a street its own offices, its communities and its district's departments; a district or the city itself, its
 * territorial children and its departments. The API decides; this only offers the choice. */
import type { UnitOut } from '@/api'

export function routable(units: ReadonlyMap<string, UnitOut>, dispatchUnitId: string): UnitOut[] {
  const unit = units.get(dispatchUnitId)
  if (!unit) return []
  const all = [...units.values()]
  const children = (id: string) => all.filter((u) => u.parent_id === id)
  const territorial = children(unit.id).filter((u) => u.kind === 'territorial')
  const departments = (id: string) => children(id).filter((u) => u.kind === 'department')
  if (unit.level === 'street') {
    return [unit, ...territorial, ...(unit.parent_id ? departments(unit.parent_id) : [])]
  }
  if (unit.level === 'district' || unit.level === 'city') return [unit, ...territorial, ...departments(unit.id)]
  return [unit]
}

/** Suggested units first (in the catalogue's order), then the rest as the organisation lists them. */
export function suggestedFirst(choices: UnitOut[], suggested: readonly string[]): UnitOut[] {
  const first = suggested.map((id) => choices.find((u) => u.id === id)).filter((u): u is UnitOut => !!u)
  return [...first, ...choices.filter((u) => !suggested.includes(u.id))]
}
