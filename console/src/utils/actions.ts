/**
 * The forms of the action vocabulary (DESIGN §4): for each task kind and action, the fields its data takes.
 * The API says which actions a task offers (`allowed_actions`) and whether it is the caller's (`yours`);
 * this says only how to ask for their data, mirroring `domain/actions.py`'s payload models.
 */
export type FieldKind = 'textarea' | 'number' | 'select' | 'multiselect' | 'radio' | 'lines'
export type OptionSource = 'whistleKind' | 'listType' | 'rating' | 'units' | 'checkedIn' | 'matters'

export interface FieldSpec {
  name: string
  kind: FieldKind
  required: boolean
  options?: OptionSource
  min?: number
  max?: number
}

const text = (name: string, required = true): FieldSpec => ({ name, kind: 'textarea', required })
const reason = (required = true): FieldSpec => text('reason', required)
const days = (name: string, max: number, required = true): FieldSpec => ({ name, kind: 'number', required, min: 1, max })

const SPECS: Record<string, FieldSpec[]> = {
  'verify.resolve_on_site': [text('result')],
  'verify.whistle': [{ name: 'kind', kind: 'radio', options: 'whistleKind', required: true }, text('note'),
    { name: 'matter_code', kind: 'select', options: 'matters', required: false }],
  'verify.reject': [reason()],
  'approve_whistle.approve': [],
  'approve_whistle.send_back': [reason()],
  'dispatch.route': [{ name: 'unit_ids', kind: 'multiselect', options: 'units', required: true }, text('note', false)],
  'dispatch.escalate': [reason()],
  'report.check_in': [text('note', false)],
  'report.decline': [reason()],
  'consult.conclude': [
    { name: 'lead_unit_id', kind: 'select', options: 'checkedIn', required: true },
    { name: 'co_unit_ids', kind: 'multiselect', options: 'checkedIn', required: false },
    { name: 'list_type', kind: 'radio', options: 'listType', required: true },
    days('handling_days', 120, false),
    text('minutes'),
  ],
  'approve_understanding.approve': [reason(false)],
  'approve_understanding.deny': [reason(false)],
  'handle.note': [text('text')],
  'handle.request_extension': [days('days', 30), reason()],
  'handle.stop_clock': [reason()],
  'handle.start_clock': [],
  'handle.complete': [text('result'), { name: 'evidence', kind: 'lines', required: false }],
  'assist.note': [text('text')],
  'assist.complete': [text('result')],
  'approve_extension.approve': [reason(false)],
  'approve_extension.deny': [reason(false)],
  'verify_result.accept': [],
  'verify_result.return_for_rework': [reason()],
  'evaluate.rate': [{ name: 'rating', kind: 'radio', options: 'rating', required: true }, text('comment', false)],
  'review.reopen': [days('handling_days', 60), reason()],
  'review.close': [text('explanation')],
  'supervision.urge': [text('note')],
  'supervision.extend': [days('days', 30), reason()],
  'supervision.reassign': [{ name: 'unit_ids', kind: 'multiselect', options: 'units', required: true }, reason()],
  // issue-level actions (no task)
  'issue.comment': [text('text')],
  'issue.urge': [text('note')],
  'issue.supervise': [text('note')],
  'issue.withdraw': [reason()],
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

/** The fields of an action's form; an action this table does not know gets a form without fields. */
export function fieldsFor(kind: string, action: string): FieldSpec[] {
  return SPECS[`${kind}.${action}`] ?? []
}

/** Whether the console has a form for `kind.action` (`issue.<action>` for issue-level ones). */
export function hasForm(key: string): boolean {
  return key in SPECS
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
