/**
 * 办件查询's filters as the page's URL carries them (so a search is shared by its link, and saved by name as the
 * same query string): the form's values to the query of `GET /v1/issues`, and back. Dates are days in the
 * deployment's zone; the API takes instants, so a day's start (and the next day's, for "to") goes as ISO text.
 */
export interface SearchForm {
  q: string
  step: string
  status: string
  category: string
  unit: string
  created_from: string
  created_to: string
  overdue: boolean
  urgent: boolean
}

type QueryValue = string | null | (string | null)[] | undefined

function one(value: QueryValue): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v : ''
}

/** The form a URL's query describes; what it does not say stays empty. */
export function fromQuery(query: Record<string, QueryValue>): SearchForm {
  return {
    q: one(query.q),
    step: one(query.step),
    status: one(query.status),
    category: one(query.category),
    unit: one(query.unit),
    created_from: one(query.created_from).slice(0, 10),
    created_to: one(query.created_to).slice(0, 10),
    overdue: one(query.overdue) === 'true',
    urgent: one(query.urgent) === 'true',
  }
}

/** The day after a `YYYY-MM-DD` day. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

/** The zone's offset from UTC on a day (`+08:00`), as the API's instants need it. */
export function zoneOffset(timeZone: string, day: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${day}T12:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
  const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(name)
  return m ? `${m[1]}:${m[2] ?? '00'}` : '+00:00'
}

/** The query of the issue search (and of the URL): empty fields left out; "from" is the zone's midnight that
 * starts the day, "to" the one that ends it (the API's end is exclusive, the form's day is included). */
export function toQuery(form: SearchForm, timeZone = 'Asia/Shanghai'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of ['q', 'step', 'status', 'category', 'unit'] as const) {
    const value = form[key].trim()
    if (value) out[key] = value
  }
  if (form.created_from) out.created_from = `${form.created_from}T00:00:00${zoneOffset(timeZone, form.created_from)}`
  if (form.created_to) {
    const end = nextDay(form.created_to)
    out.created_to = `${end}T00:00:00${zoneOffset(timeZone, end)}`
  }
  if (form.overdue) out.overdue = 'true'
  if (form.urgent) out.urgent = 'true'
  return out
}
