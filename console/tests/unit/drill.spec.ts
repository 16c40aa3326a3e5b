import { describe, expect, it, vi } from 'vitest'
import type { StatsQuery, UnitStats } from '@/api'
import { useDrill } from '@/utils/drill'

/** A loader whose answers the test releases one by one, in any order. */
function loader() {
  const pending: { query: StatsQuery; resolve: (s: UnitStats) => void; reject: (e: unknown) => void }[] = []
  const load = (query: StatsQuery) => new Promise<UnitStats>((resolve, reject) => pending.push({ query, resolve, reject }))
  return { load, pending }
}

const stats = (ids: string[]) => ({ received: { numerator: ids.length, denominator: null, issue_ids: ids } }) as unknown as UnitStats
/** A ranked row's figures, without issues, as the ranking answers them. */
const bare = (unit: string, label: string) => ({ unit_id: unit, period: { label } }) as unknown as UnitStats
const flush = () => new Promise((r) => setTimeout(r, 0))

describe('useDrill', () => {
  it('shows the issues of the figure asked for, loading until they come', async () => {
    const { load, pending } = loader()
    const { drill, fetch } = useDrill(load, vi.fn())
    const done = fetch('供热办 · 接诉', bare('qh.hd.dept.heating', '2026-Q4'), 'received')
    expect(drill.value).toMatchObject({ open: true, loading: true, ids: [] })
    expect(pending[0].query).toEqual({ unit: 'qh.hd.dept.heating', quarter: '2026-Q4' })
    pending[0].resolve(stats(['i1', 'i2']))
    await done
    expect(drill.value).toMatchObject({ open: true, loading: false, ids: ['i1', 'i2'], title: '供热办 · 接诉' })
  })

  it('keeps the figure opened last when an earlier answer or failure arrives late', async () => {
    const { load, pending } = loader()
    const onError = vi.fn()
    const { drill, fetch, show } = useDrill(load, onError)
    void fetch('first', bare('a', '2026-10'), 'received')
    void fetch('second', bare('b', '2026-11'), 'received')
    expect(pending.map((p) => p.query)).toEqual([{ unit: 'a', month: '2026-10' }, { unit: 'b', month: '2026-11' }])
    pending[1].resolve(stats(['b1']))
    await flush()
    pending[0].resolve(stats(['a1']))
    await flush()
    expect(drill.value).toMatchObject({ title: 'second', ids: ['b1'], loading: false, open: true })

    void fetch('third', bare('c', '2026-11'), 'received')
    show('own', ['o1'])
    pending[2].reject(new Error('late'))
    await flush()
    expect(onError).not.toHaveBeenCalled()
    expect(drill.value).toMatchObject({ title: 'own', ids: ['o1'], open: true })
  })

  it('closes and reports when the figure opened last cannot be loaded', async () => {
    const { load, pending } = loader()
    const onError = vi.fn()
    const { drill, fetch } = useDrill(load, onError)
    const done = fetch('x', bare('a', '2026-11'), 'received')
    pending[0].reject(new Error('503'))
    await done
    expect(onError).toHaveBeenCalledOnce()
    expect(drill.value).toMatchObject({ open: false, loading: false })
  })
})
