/**
 * The forms of the action vocabulary (DESIGN §4): for each task kind and action, the fields its data takes.
 * The API says which actions a task offers (`allowed_actions`), whether it is the caller's (`yours`), which
 * issue-level actions the reader may take (`issue_actions`), and what each action's data is (`GET /v1/actions`,
 * the payload models' schemas); this turns that into form fields and back into the action's `data`.
 */
export type FieldKind = 'textarea' | 'number' | 'select' | 'multiselect' | 'radio' | 'lines'
export type OptionSource = 'whistleKind' | 'listType' | 'rating' | 'units' | 'checkedIn' | 'matters'

export interface FieldSpec {
  name: string
  kind: FieldKind
  required: boolean
  options?: OptionSource
  values?: string[]  // an enum's values, as the payload's schema lists them
  min?: number
  max?: number
}

/** Each action's fields (`<task kind>.<action>`, `issue.<action>`), as built from the schemas the API publishes
 * (`GET /v1/actions`, see utils/forms.ts); set once a session has loaded them. */
let published: Record<string, FieldSpec[]> = {}

export function setForms(forms: Record<string, FieldSpec[]>): void {
  published = forms
}

/** The units a task suggests (a dispatch: the catalogue's choice), offered first. */
export function suggestedUnits(taskData: Record<string, unknown>): string[] {
  const s = taskData.suggested_unit_ids
  return Array.isArray(s) ? s.map(String) : []
}

/** The units that checked in (a consultation's choice of lead and co-units). */
export function checkedInUnits(taskData: Record<string, unknown>): string[] {
  const u = taskData.units
  return Array.isArray(u) ? u.map(String) : []
}

/** Claim and unclaim are buttons of their own, not forms. */
export const CLAIMS = new Set(['claim', 'unclaim'])

/** The fields of an action's form; an action the API published no form for gets one without fields. */
export function fieldsFor(kind: string, action: string): FieldSpec[] {
  return published[`${kind}.${action}`] ?? []
}

/** Whether the console has a form for `kind.action` (`issue.<action>` for issue-level ones). */
export function hasForm(key: string): boolean {
  return key in published
}

/** The actions a task offers that take a form. */
export function formActions(allowed: readonly string[]): string[] {
  return allowed.filter((a) => !CLAIMS.has(a))
}

export type FormValue = string | number | string[] | null | undefined

/** The action's `data` from the form's values: optional fields left empty are left out, lines become lists. */
export function payloadOf(fields: FieldSpec[], values: Record<string, FormValue>): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const field of fields) {
    const v = values[field.name]
    if (field.kind === 'lines') {
      const lines = String(v ?? '').split('\n').map((l) => l.trim()).filter(Boolean)
      if (lines.length) data[field.name] = lines
    } else if (field.kind === 'multiselect') {
      const list = Array.isArray(v) ? v : []
      if (list.length || field.required) data[field.name] = list
    } else if (field.kind === 'number') {
      if (v !== null && v !== undefined && v !== '') data[field.name] = Number(v)
    } else if (typeof v === 'string') {
      if (v.trim() !== '') data[field.name] = v.trim()
    } else if (v !== null && v !== undefined) {
      data[field.name] = v
    }
  }
  return data
}

/** The values a form starts with: empty (the catalogue's suggestion is offered first, not chosen for the person). */
export function initialValues(fields: FieldSpec[]): Record<string, FormValue> {
  const values: Record<string, FormValue> = {}
  for (const field of fields) {
    if (field.kind === 'multiselect') {
      values[field.name] = []
    } else if (field.kind === 'number') {
      values[field.name] = undefined
    } else {
      values[field.name] = ''
    }
  }
  return values
}
