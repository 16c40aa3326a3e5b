/** The figures a dashboard shows, read tolerantly from `UnitStats`: the rates the API offers now and the ones it
 * adds (the whistler's evaluation, the on-site rate) when they are there. */
import type { Figure, UnitStats } from '@/api'

export const RATE_KEYS = ['response_rate', 'on_time_handling_rate', 'dispatch_on_time_rate', 'resolution_rate',
  'satisfaction_rate', 'whistler_satisfaction_rate', 'territorial_satisfaction_rate', 'onsite_rate',
  'rectification_rate', 'mediation_rate'] as const
export type RateKey = (typeof RATE_KEYS)[number]

export const COUNT_KEYS = ['received', 'summoned', 'yellow', 'red', 'escalations', 'urges', 'supervisions', 'reworks',
  'territory_received', 'territory_closed', 'territory_open', 'territory_overdue', 'inquiries_answered'] as const
export type CountKey = (typeof COUNT_KEYS)[number]

export function figure(stats: UnitStats | null | undefined, key: string): Figure | null {
  if (!stats) return null
  const value = (stats as unknown as Record<string, unknown>)[key]
  return value && typeof value === 'object' && 'numerator' in value ? (value as Figure) : null
}

/** The rates the API answers with (some are newer than others). */
export function ratesOffered(stats: readonly UnitStats[]): RateKey[] {
  return RATE_KEYS.filter((k) => stats.some((s) => figure(s, k) !== null))
}

export function countsOffered(stats: readonly UnitStats[]): CountKey[] {
  return COUNT_KEYS.filter((k) => stats.some((s) => figure(s, k) !== null))
}

/** A rate as a percentage with one decimal, or null (no denominator). */
export function percent(f: Figure | null): number | null {
  const rate = f?.rate
  return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10
}
