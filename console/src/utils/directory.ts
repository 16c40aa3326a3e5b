/**
 * The directory's pages, without the pages: the unit tree of a jurisdiction and its search, the successors a retired
 * unit may name, the catalogue by category, a record's edited fields, and a version's changes field by field.
 * Whether a change is allowed the API decides (and says why not); this only shapes what is shown and sent.
 */
import type { ChangeOut, MatterOut, RecordKind, UnitOut } from '@/api'
import { XLSX } from '@/api/client'
import { within } from './units'

/** A unit with the units under it, as the tree table draws it. */
export type UnitNode = UnitOut & { children?: UnitNode[] }

const byOrder = (a: UnitOut, b: UnitOut) => a.order - b.order || a.id.localeCompare(b.id)

/** The tree under `rootId` (itself included), children by their order then id; null when there is no such unit. */
export function unitTree(units: Iterable<UnitOut>, rootId: string): UnitNode | null {
  const children = new Map<string, UnitOut[]>()
  let root: UnitOut | undefined
  for (const u of units) {
    if (u.id === rootId) root = u
    if (u.parent_id) children.set(u.parent_id, [...(children.get(u.parent_id) ?? []), u])
  }
  if (!root) return null
  const seen = new Set<string>()
  const grow = (u: UnitOut): UnitNode => {
    seen.add(u.id)
    const below = (children.get(u.id) ?? []).filter((c) => !seen.has(c.id)).sort(byOrder).map(grow)
    return below.length ? { ...u, children: below } : { ...u }
  }
  return grow(root)
}

/** Whether the unit's id, names or function hold every word of `query` (case aside). */
export function unitMatches(u: UnitOut, query: string): boolean {
  const hay = [u.id, u.name, u.name_en, u.function ?? ''].join(' ').toLowerCase()
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w))
}

/** The tree cut to the units that match and the way down to them; a unit that matches keeps all below it. */
export function searchTree(node: UnitNode, match: (u: UnitOut) => boolean): UnitNode | null {
  if (match(node)) return node
  const kept = (node.children ?? []).map((c) => searchTree(c, match)).filter((c): c is UnitNode => c !== null)
  return kept.length ? { ...node, children: kept } : null
}

/** Every unit of a tree, parents first. */
export function flatten(node: UnitNode | null): UnitOut[] {
  if (!node) return []
  return [node, ...(node.children ?? []).flatMap(flatten)]
}

/** The units that may take over a unit's open work when it is retired: in use, of its level and kind, not itself
 * nor below it. (The API checks the successor again when the change is made.) */
export function successorChoices(units: ReadonlyMap<string, UnitOut>, unit: UnitOut): UnitOut[] {
  return [...units.values()]
    .filter((u) => u.active && u.level === unit.level && u.kind === unit.kind && !within(units, u.id, unit.id))
    .sort((a, b) => a.id.localeCompare(b.id))
}

/** The fields of `edited` that differ from `original` (an empty text counts as no value): what a change sends. */
export function changedFields(original: Record<string, unknown>, edited: Record<string, unknown>): Record<string, unknown> {
  const norm = (v: unknown) => (v === '' || v === undefined ? null : v)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(edited)) {
    if (JSON.stringify(norm(v)) !== JSON.stringify(norm(original[k]))) out[k] = norm(v)
  }
  return out
}

/** A matter as the directory's JSON form writes it (the record a change of it sends), from the catalogue's shape. */
export interface MatterRecord {
  name: string
  name_en: string
  category: string
  category_name: string
  departments: string[]
  list_type: string
  report_hours: number
  handling_immediate: number
  handling_phased: number
  handling_understanding: number
  on_the_spot: boolean
  mediation: boolean
}

export function matterRecord(m: MatterOut): MatterRecord {
  return { name: m.name, name_en: m.name_en, category: m.category, category_name: m.category_name,
    departments: [...m.departments], list_type: m.list_type, report_hours: m.report_hours,
    handling_immediate: m.handling_days.immediate, handling_phased: m.handling_days.phased,
    handling_understanding: m.handling_days.understanding, on_the_spot: m.on_the_spot, mediation: m.mediation }
}

export interface Category { code: string; name: string; count: number }

/** The catalogue's categories, in the order of their codes, each with how many matters it holds. */
export function categories(matters: readonly MatterOut[]): Category[] {
  const out = new Map<string, Category>()
  for (const m of matters) {
    const c = out.get(m.category) ?? { code: m.category, name: m.category_name, count: 0 }
    c.count += 1
    out.set(m.category, c)
  }
  return [...out.values()].sort((a, b) => a.code.localeCompare(b.code))
}

/** Whether a matter's code, names, category or functions hold every word of `query`. */
export function matterMatches(m: MatterOut, query: string): boolean {
  const hay = [m.code, m.name, m.name_en, m.category, m.category_name, ...m.departments].join(' ').toLowerCase()
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w))
}

// --- a version's changes ------------------------------------------------------------------------------------

/** One field of a changed record: its value before and after (undefined where the record did not exist). */
export interface FieldChange {
  field: string
  before: unknown
  after: unknown
}

/** Values that are one thing, however they are built: a grid's shape is not opened field by field. */
const WHOLE = new Set(['shape'])

function flat(row: Record<string, unknown> | null | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [k, v] of Object.entries(row ?? {})) {
    if (v && typeof v === 'object' && !Array.isArray(v) && !WHOLE.has(k)) {
      for (const [sub, x] of Object.entries(v as Record<string, unknown>)) out.set(`${k}.${sub}`, x)
    } else {
      out.set(k, v)
    }
  }
  return out
}

/** The fields a change touches, nested objects (a matter's `handling_days`) opened one level as `handling_days.phased`:
 * every field with a value for a record added or removed, only those that differ for one changed. */
export function fieldChanges(change: Pick<ChangeOut, 'before' | 'after'>): FieldChange[] {
  const before = flat(change.before)
  const after = flat(change.after)
  const fields = [...new Set([...before.keys(), ...after.keys()])]
  const out: FieldChange[] = []
  for (const field of fields) {
    const b = change.before ? (before.get(field) ?? null) : undefined
    const a = change.after ? (after.get(field) ?? null) : undefined
    if (change.before && change.after && JSON.stringify(b) === JSON.stringify(a)) continue
    if ((!change.before || !change.after) && (b ?? a ?? null) === null) continue
    out.push({ field, before: b, after: a })
  }
  return out
}

export const RECORD_KINDS: readonly RecordKind[] = ['unit', 'principal', 'matter', 'rules']

export interface CountRow { kind: RecordKind; added: number; changed: number; removed: number }

/** A version's (or a file's) counts per kind of record, in the order unit, principal, matter, rules; kinds without a
 * change left out. */
export function countRows(counts: Record<string, Record<string, number>>): CountRow[] {
  return RECORD_KINDS.filter((k) => counts[k]).map((kind) => ({ kind, added: counts[kind].added ?? 0,
    changed: counts[kind].changed ?? 0, removed: counts[kind].removed ?? 0 }))
    .filter((r) => r.added + r.changed + r.removed > 0)
}

/** A value as one line of text: nothing as a dash, a list joined, a flag in words, a shape or object as JSON. */
export function plainValue(v: unknown, words: { yes: string; no: string }, max = 80): string {
  if (v === null || v === undefined || v === '') return '—'
  if (typeof v === 'boolean') return v ? words.yes : words.no
  if (Array.isArray(v)) return v.length ? v.map((x) => plainValue(x, words, max)).join('、') : '—'
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The content type a directory file is sent as, by its name: the JSON form or a workbook; null for neither. */
export function fileType(name: string): string | null {
  const lower = name.toLowerCase()
  if (lower.endsWith('.json')) return 'application/json'
  if (lower.endsWith('.xlsx')) return XLSX
  return null
}
