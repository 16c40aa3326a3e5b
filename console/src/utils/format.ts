/** What pages show: dates in the deployment's zone, unit and matter names in the reader's language, rates,
 * durations, and problems in plain words — all from the message files. */
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api'
import type { Locale } from '@/i18n'
import type { Messages } from '@/locales/zh-CN'
import { useDirectory } from '@/stores/directory'
import { usePeople } from '@/stores/people'
import { useSession } from '@/stores/session'
import { durationParts, formatDate, formatDateTime } from './time'

export interface PlainProblem {
  title: string
  detail: string | null
  fields: string[]
}

export function useFormat() {
  const { t, te, locale } = useI18n<{ message: Messages }>()
  const session = useSession()
  const directory = useDirectory()
  const people = usePeople()
  const loc = computed(() => locale.value as Locale)

  function label(group: string, key: string | null | undefined): string {
    if (!key) return ''
    const path = `${group}.${key}`
    return te(path) ? t(path) : key
  }

  function duration(ms: number): string {
    const p = durationParts(ms)
    if (p.days > 0) return `${t('time.days', { n: p.days })}${t('time.hours', { n: p.hours })}`
    if (p.hours > 0) return `${t('time.hours', { n: p.hours })}${t('time.minutes', { n: p.minutes })}`
    return `${t('time.minutes', { n: p.minutes })}${t('time.seconds', { n: p.seconds })}`
  }

  function problem(err: unknown): PlainProblem {
    if (err instanceof ApiError) {
      const slug = err.slug
      const title = te(`problem.${slug}`) ? t(`problem.${slug}`) : t('problem.internal')
      const fields = (err.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)
      return { title, detail: err.problem.detail ?? null, fields }
    }
    return { title: t('problem.internal'), detail: err instanceof Error ? err.message : String(err), fields: [] }
  }

  return {
    t,
    te,
    locale: loc,
    label,
    duration,
    problem,
    dt: (iso: string | null | undefined) => formatDateTime(iso, loc.value, session.timezone),
    date: (iso: string | null | undefined) => formatDate(iso, loc.value, session.timezone),
    unit: (id: string | null | undefined) => directory.unitName(id, loc.value),
    /** a person by name and unit (staff; the id in a tooltip where shown) */
    person: (id: string | null | undefined) => people.label(id),
    matter: (code: string) => directory.matterName(code, loc.value),
    pct: (rate: number | null | undefined) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`),
  }
}
