import { describe, expect, it } from 'vitest'
import type { MatterOut, UnitOut } from '@/api'
import { XLSX } from '@/api/client'
import { categories, changedFields, countRows, fieldChanges, fileType, flatten, matterMatches, matterRecord,
  plainValue, searchTree, successorChoices, unitMatches, unitTree } from '@/utils/directory'

const unit = (id: string, over: Partial<UnitOut> = {}): UnitOut => ({ id, name: id, name_en: id, level: 'street',
  kind: 'territorial', parent_id: id.includes('.') ? id.slice(0, id.lastIndexOf('.')) : null, function: null, order: 0,
  active: true, successor_id: null, ...over })

const UNITS = [
  unit('qh', { level: 'city', name: '清河市' }),
  unit('qh.hd', { level: 'district', name: '河东区' }),
  unit('qh.hd.xh', { name: '新华街道', order: 2 }),
  unit('qh.hd.cy', { name: '朝阳街道', order: 1 }),
  unit('qh.hd.cy.c1', { level: 'community', name: '朝阳东苑社区' }),
  unit('qh.hd.cy.c2', { level: 'community', name: '朝阳西苑社区', active: false, successor_id: 'qh.hd.cy.c1' }),
  unit('qh.hd.dept.water', { level: 'district', kind: 'department', name: '河东区水务局', function: 'water', order: 3,
    parent_id: 'qh.hd' }),
  unit('qh.hx', { level: 'district', name: '河西区' }),
  unit('qh.hx.hp', { name: '和平街道' }),
]
const byId = new Map(UNITS.map((u) => [u.id, u]))

const matter = (code: string, over: Partial<MatterOut> = {}): MatterOut => ({ code, name: code, name_en: code,
  category: code.split('.')[0], category_name: code.split('.')[0], departments: ['heating'], list_type: 'immediate',
  report_hours: 24, handling_days: { immediate: 1, phased: 15, understanding: 5 }, on_the_spot: false,
  mediation: false, ...over })

describe('the unit tree', () => {
  it('grows from the jurisdiction down, children by order then id, other districts left out', () => {
    const tree = unitTree(UNITS, 'qh.hd')
    expect(tree?.id).toBe('qh.hd')
    expect(tree?.children?.map((u) => u.id)).toEqual(['qh.hd.cy', 'qh.hd.xh', 'qh.hd.dept.water'])
    expect(flatten(tree).map((u) => u.id)).toEqual(['qh.hd', 'qh.hd.cy', 'qh.hd.cy.c1', 'qh.hd.cy.c2', 'qh.hd.xh',
      'qh.hd.dept.water'])
    expect(tree?.children?.[1].children).toBeUndefined() // a leaf has no children to expand
    expect(unitTree(UNITS, 'nowhere')).toBeNull()
  })

  it('survives a cycle in the data', () => {
    const looped = [unit('a', { parent_id: 'b' }), unit('b', { parent_id: 'a' })]
    expect(flatten(unitTree(looped, 'a')).map((u) => u.id)).toEqual(['a', 'b'])
  })

  it('is searched by name, id or function, keeping the way down and all below a match', () => {
    const tree = unitTree(UNITS, 'qh.hd')!
    const cut = (q: string) => flatten(searchTree(tree, (u) => unitMatches(u, q))).map((u) => u.id)
    expect(cut('东苑')).toEqual(['qh.hd', 'qh.hd.cy', 'qh.hd.cy.c1'])
    expect(cut('朝阳街道')).toEqual(['qh.hd', 'qh.hd.cy', 'qh.hd.cy.c1', 'qh.hd.cy.c2'])
    expect(cut('WATER')).toEqual(['qh.hd', 'qh.hd.dept.water'])
    expect(cut('qh.hd.xh')).toEqual(['qh.hd', 'qh.hd.xh'])
    expect(cut('nothing')).toEqual([])
  })
})

describe('a retired unit\'s successor', () => {
  it('is a unit in use of its level and kind, not itself nor below it', () => {
    const ids = (u: string) => successorChoices(byId, byId.get(u)!).map((x) => x.id)
    expect(ids('qh.hd.cy')).toEqual(['qh.hd.xh', 'qh.hx.hp'])
    expect(ids('qh.hd.cy.c1')).toEqual([]) // its sibling is retired
    expect(ids('qh.hd.dept.water')).toEqual([]) // no other department of the district's level
    expect(ids('qh.hd')).toEqual(['qh.hx'])
  })
})

describe('an edited record', () => {
  it('sends only the fields that differ, an emptied text as no value', () => {
    const before = { name: '新华街道', name_en: 'Xinhua Street', function: null, order: 0, roles: ['handler'] }
    expect(changedFields(before, { name: '新华街道办事处', name_en: 'Xinhua Street', function: '', order: 0,
      roles: ['handler'] })).toEqual({ name: '新华街道办事处' })
    expect(changedFields(before, { name_en: '', order: 2, roles: ['handler', 'leader'] }))
      .toEqual({ name_en: null, order: 2, roles: ['handler', 'leader'] })
  })

  it('writes a matter as the JSON form does, its handling days flat', () => {
    expect(matterRecord(matter('heating.no_heat', { list_type: 'phased' }))).toEqual({ name: 'heating.no_heat',
      name_en: 'heating.no_heat', category: 'heating', category_name: 'heating', departments: ['heating'],
      list_type: 'phased', report_hours: 24, handling_immediate: 1, handling_phased: 15, handling_understanding: 5,
      on_the_spot: false, mediation: false })
  })
})

describe('the catalogue', () => {
  const matters = [matter('water.leak'), matter('heating.no_heat', { category_name: '供热' }),
    matter('heating.noise', { name: '供热噪音', departments: ['environment'] })]

  it('is grouped by category, in code order, with counts', () => {
    expect(categories(matters)).toEqual([{ code: 'heating', name: '供热', count: 2 },
      { code: 'water', name: 'water', count: 1 }])
  })

  it('is searched by name, code, category or function', () => {
    expect(matters.filter((m) => matterMatches(m, '噪音')).map((m) => m.code)).toEqual(['heating.noise'])
    expect(matters.filter((m) => matterMatches(m, 'environment')).map((m) => m.code)).toEqual(['heating.noise'])
    expect(matters.filter((m) => matterMatches(m, 'heating no_heat')).map((m) => m.code)).toEqual(['heating.no_heat'])
  })
})

describe('a version\'s changes', () => {
  it('lists a changed record\'s differing fields, nested ones opened a level', () => {
    const before = { code: 'h', name: '暖气不热', handling_days: { immediate: 1, phased: 15, understanding: 5 },
      departments: ['heating'] }
    const after = { ...before, name: '暖气不热（供热期）', handling_days: { immediate: 2, phased: 15, understanding: 5 },
      departments: ['heating', 'housing'] }
    expect(fieldChanges({ before, after })).toEqual([
      { field: 'name', before: '暖气不热', after: '暖气不热（供热期）' },
      { field: 'handling_days.immediate', before: 1, after: 2 },
      { field: 'departments', before: ['heating'], after: ['heating', 'housing'] },
    ])
  })

  it('lists every field with a value of a record added, and keeps a shape whole', () => {
    const shape = { type: 'Polygon', coordinates: [[[1, 2]]] }
    expect(fieldChanges({ before: null, after: { id: 'g', name: '网格', function: null, shape } })).toEqual([
      { field: 'id', before: undefined, after: 'g' }, { field: 'name', before: undefined, after: '网格' },
      { field: 'shape', before: undefined, after: shape }])
    expect(fieldChanges({ before: { active: true, successor_id: null }, after: { active: false, successor_id: 'x' } }))
      .toEqual([{ field: 'active', before: true, after: false }, { field: 'successor_id', before: null, after: 'x' }])
  })

  it('counts per kind of record, in a fixed order, leaving out kinds without a change', () => {
    expect(countRows({ matter: { added: 0, changed: 2, removed: 0 }, unit: { added: 1, changed: 0, removed: 0 },
      principal: { added: 0, changed: 0, removed: 0 } })).toEqual([
      { kind: 'unit', added: 1, changed: 0, removed: 0 }, { kind: 'matter', added: 0, changed: 2, removed: 0 }])
  })

  it('shows values as one line', () => {
    const words = { yes: '是', no: '否' }
    expect(plainValue(null, words)).toBe('—')
    expect(plainValue('', words)).toBe('—')
    expect(plainValue(false, words)).toBe('否')
    expect(plainValue(['heating', 'housing'], words)).toBe('heating、housing')
    expect(plainValue([], words)).toBe('—')
    expect(plainValue(0, words)).toBe('0')
    expect(plainValue({ type: 'Polygon', coordinates: [[[117.2, 39.13], [117.2046322, 39.13]]] }, words, 20))
      .toBe('{"type":"Polygon","…')
  })
})

describe('a directory file', () => {
  it('is sent as JSON or as a workbook by its name, nothing else', () => {
    expect(fileType('directory.JSON')).toBe('application/json')
    expect(fileType('河东区目录.xlsx')).toBe(XLSX)
    expect(fileType('directory.xls')).toBeNull()
  })
})
