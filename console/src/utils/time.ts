/** Dates and durations as people read them: in the deployment's zone (Asia/Shanghai unless it says otherwise). */
import type { Locale } from '@/i18n'

export const DEFAULT_TZ = 'Asia/Shanghai'

const formats = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: Locale, tz: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${tz}|${withTime}`
  let f = formats.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : {}),
    })
    formats.set(key, f)
  }
  return f
}

export function formatDateTime(iso: string | null | undefined, locale: Locale, tz = DEFAULT_TZ): string {
  if (!iso) return ''
  return formatter(locale, tz, true).format(new Date(iso))
}

export function formatDate(iso: string | null | undefined, locale: Locale, tz = DEFAULT_TZ): string {
  if (!iso) return ''
  return formatter(locale, tz, false).format(new Date(iso))
}

/** YYYY-MM of an instant in the zone. */
export function monthOf(date: Date, tz = DEFAULT_TZ): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' })
    .formatToParts(date)
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}`
}

/** The months before `month` (YYYY-MM), oldest first, ending with it. */
export function monthsUpTo(month: string, count: number): string[] {
  const [y, m] = month.split('-').map(Number)
  const out: string[] = []
  for (let i = count - 1; i >= 0; i--) {
    const idx = y * 12 + (m - 1) - i
    out.push(`${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`)
  }
  return out
}

export function quarterOf(month: string): string {
  const [y, m] = month.split('-').map(Number)
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`
}

export interface DurationParts { days: number; hours: number; minutes: number; seconds: number }

export function durationParts(ms: number): DurationParts {
  let s = Math.floor(Math.abs(ms) / 1000)
  const days = Math.floor(s / 86400)
  s -= days * 86400
  const hours = Math.floor(s / 3600)
  s -= hours * 3600
  const minutes = Math.floor(s / 60)
  return { days, hours, minutes, seconds: s - minutes * 60 }
}

export type Urgency = 'none' | 'normal' | 'yellow' | 'red'

/**
 * How pressing a deadline is: red once past due, yellow in the last fifth of its window (or the last hour),
 * normal before, none without a deadline.
 */
export function urgency(dueIso: string | null | undefined, openedIso: string | null | undefined, now: number): Urgency {
  if (!dueIso) return 'none'
  const due = Date.parse(dueIso)
  if (now >= due) return 'red'
  const opened = openedIso ? Date.parse(openedIso) : due
  const window = Math.max(due - opened, 0)
  const left = due - now
  return left <= Math.max(window * 0.2, 0) || left <= 3600_000 ? 'yellow' : 'normal'
}
