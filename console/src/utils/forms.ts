/**
 * An action's form built from the JSON Schema the API publishes for its data (`GET /v1/actions`): the payload
 * model the workflow validates against, so the console keeps no copy of it. Strings are text areas, whole numbers
 * number inputs with their bounds, enums radio groups, and `x-options` says where a field's choices come from.
 */
import type { FieldKind, FieldSpec, OptionSource } from './actions'

export interface JsonSchema {
  type?: string
  title?: string
  enum?: string[]
  anyOf?: JsonSchema[]
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  'x-options'?: string
  [other: string]: unknown
}

/** The enums of the vocabulary, by their model's name, and the labels they are shown with. */
const ENUMS: Record<string, OptionSource> = { WhistleKind: 'whistleKind', ListType: 'listType', Rating: 'rating' }
const LISTS = new Set<string>(['units', 'checkedIn', 'matters'])

/** The one type of a field, an optional one's `anyOf: [T, null]` unwrapped. */
function plain(schema: JsonSchema): JsonSchema {
  const options = (schema.anyOf ?? []).filter((s) => s.type !== 'null')
  return options.length === 1 ? { ...options[0], ...schema, anyOf: undefined, type: options[0].type } : schema
}

function field(name: string, raw: JsonSchema, required: boolean): FieldSpec {
  const schema = plain(raw)
  const source = schema['x-options']
  if (source === 'lines') return { name, kind: 'lines', required }
  if (source && LISTS.has(source)) {
    const kind: FieldKind = schema.type === 'array' ? 'multiselect' : 'select'
    return { name, kind, required, options: source as OptionSource }
  }
  if (schema.enum) {
    const options = ENUMS[schema.title ?? '']
    return { name, kind: 'radio', required, ...(options ? { options } : {}), values: schema.enum }
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return { name, kind: 'number', required, min: schema.minimum, max: schema.maximum }
  }
  if (schema.type === 'array') return { name, kind: 'lines', required }
  return { name, kind: 'textarea', required }
}

/** The fields of one action's form, in the order the payload model declares them. */
export function fieldsFromSchema(schema: JsonSchema): FieldSpec[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => field(name, prop, required.has(name)))
}
