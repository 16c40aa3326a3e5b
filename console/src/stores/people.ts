/** The names and units of the people behind principal ids, as the staff read them (`GET /v1/people`): asked in
 * batches for the ids a page shows, remembered for the session. A resident's name is not given out this way (the
 * report shows it); an id the API does not name stays an id. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, type PersonOut } from '@/api'

const BATCH = 200

export const usePeople = defineStore('people', () => {
  const known = ref<Record<string, PersonOut | null>>({})
  const asked = new Set<string>() // not reactive: asking changes nothing a page shows
  let pending = new Set<string>()
  let flush: Promise<void> | null = null

  async function fetchPending(): Promise<void> {
    await Promise.resolve() // gather the ids asked for in the same tick
    const ids = [...pending]
    pending = new Set()
    flush = null
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH)
      try {
        const found = await api.people(chunk.join(','))
        const next = { ...known.value }
        for (const id of chunk) next[id] = found.find((p) => p.id === id) ?? null
        known.value = next
      } catch {
        for (const id of chunk) asked.delete(id) // asked again next time
      }
    }
  }

  /** "name（unit）" for an id, once known; the id itself meanwhile, and for someone the API does not name. */
  function label(id: string | null | undefined): string {
    if (!id) return ''
    if (!asked.has(id)) {
      asked.add(id)
      pending.add(id)
      flush ??= fetchPending()
    }
    const person = known.value[id]
    return person ? `${person.name}（${person.unit_name}）` : id
  }

  function reset(): void {
    known.value = {}
    asked.clear()
  }

  return { known, label, reset }
})
