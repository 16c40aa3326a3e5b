/** The organisation and the catalogue (/v1/units, /v1/matters), loaded once (and again after an administrator's
 * change), for names and pickers. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, type MatterOut, type UnitOut } from '@/api'
import type { Locale } from '@/i18n'

export const useDirectory = defineStore('directory', () => {
  const units = ref<Map<string, UnitOut>>(new Map())
  const matters = ref<MatterOut[]>([])
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    loading ??= Promise.all([api.units(), api.matters()]).then(([u, m]) => {
      units.value = new Map(u.map((x) => [x.id, x]))
      matters.value = m
    }).catch((err: unknown) => {
      loading = null
      throw err
    })
    return loading
  }

  function unitName(id: string | null | undefined, locale: Locale): string {
    if (!id) return ''
    const u = units.value.get(id)
    if (!u) return id
    return locale === 'en' ? u.name_en : u.name
  }

  function matterName(code: string, locale: Locale): string {
    const m = matters.value.find((x) => x.code === code)
    if (!m) return code
    return locale === 'en' ? m.name_en : m.name
  }

  function reset(): void {
    loading = null
    units.value = new Map()
    matters.value = []
  }

  /** Load again after the directory changed (a new version): the names and pickers follow it. */
  function reload(): Promise<void> {
    loading = null
    return load()
  }

  return { units, matters, load, reload, unitName, matterName, reset }
})
