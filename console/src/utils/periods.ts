/** The periods a dashboard offers: this month and the eleven before it, this quarter and the three before. */
import { monthOf, monthsUpTo, quarterOf } from './time'

export type PeriodKind = 'month' | 'quarter'

export function recentMonths(now: Date, tz: string, count = 12): string[] {
  return monthsUpTo(monthOf(now, tz), count).reverse()
}

export function recentQuarters(now: Date, tz: string, count = 4): string[] {
  const out: string[] = []
  for (const m of recentMonths(now, tz, count * 3)) {
    const q = quarterOf(m)
    if (!out.includes(q)) out.push(q)
  }
  return out.slice(0, count)
}

/** The months of a quarter (YYYY-Qn), in order. */
export function monthsOfQuarter(quarter: string): string[] {
  const [y, q] = quarter.split('-Q').map(Number)
  return [1, 2, 3].map((i) => `${y}-${String((q - 1) * 3 + i).padStart(2, '0')}`)
}

/** A month's or a quarter's label (`2026-11`, `2026-Q4`) as the figures' query names it. */
export function periodQuery(label: string): { month: string } | { quarter: string } {
  return label.includes('-Q') ? { quarter: label } : { month: label }
}
