import { describe, expect, it } from 'vitest'
import { fieldsFromSchema, type JsonSchema } from '@/utils/forms'

// as GET /v1/actions publishes them (pydantic's JSON Schema, enums inlined)
const whistle: JsonSchema = {
  properties: {
    kind: { enum: ['daily', 'hard_case', 'emergency'], title: 'WhistleKind', type: 'string' },
    note: { maxLength: 4000, minLength: 1, title: 'Note', type: 'string' },
    matter_code: { anyOf: [{ maxLength: 100, minLength: 1, type: 'string' }, { type: 'null' }], title: 'Matter Code',
      'x-options': 'matters' },
  },
  required: ['kind', 'note'],
  type: 'object',
}
const conclude: JsonSchema = {
  properties: {
    lead_unit_id: { minLength: 1, type: 'string', 'x-options': 'checkedIn' },
    co_unit_ids: { items: { type: 'string' }, type: 'array', 'x-options': 'checkedIn' },
    list_type: { enum: ['immediate', 'phased', 'understanding'], title: 'ListType', type: 'string' },
    handling_days: { anyOf: [{ maximum: 120, minimum: 1, type: 'integer' }, { type: 'null' }] },
    minutes: { type: 'string' },
  },
  required: ['lead_unit_id', 'list_type', 'minutes'],
}

describe('forms from the published schemas', () => {
  it('builds a whistle: the kind as radios, the note as text, the matter from the catalogue', () => {
    expect(fieldsFromSchema(whistle)).toEqual([
      { name: 'kind', kind: 'radio', required: true, options: 'whistleKind', values: ['daily', 'hard_case', 'emergency'] },
      { name: 'note', kind: 'textarea', required: true },
      { name: 'matter_code', kind: 'select', required: false, options: 'matters' },
    ])
  })

  it('builds a consultation: units that checked in, the list, optional days within their bounds', () => {
    expect(fieldsFromSchema(conclude)).toEqual([
      { name: 'lead_unit_id', kind: 'select', required: true, options: 'checkedIn' },
      { name: 'co_unit_ids', kind: 'multiselect', required: false, options: 'checkedIn' },
      { name: 'list_type', kind: 'radio', required: true, options: 'listType', values: ['immediate', 'phased', 'understanding'] },
      { name: 'handling_days', kind: 'number', required: false, min: 1, max: 120 },
      { name: 'minutes', kind: 'textarea', required: true },
    ])
  })

  it('gives an action without data no fields, and evidence as lines', () => {
    expect(fieldsFromSchema({ properties: {}, type: 'object' })).toEqual([])
    expect(fieldsFromSchema({ properties: { evidence: { items: { type: 'string' }, type: 'array', 'x-options': 'lines' } } }))
      .toEqual([{ name: 'evidence', kind: 'lines', required: false }])
  })
})
