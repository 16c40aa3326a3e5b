import { describe, expect, it } from 'vitest'
import { fromQuery, nextDay, toQuery, zoneOffset } from '@/utils/search'

describe('办件查询 filters in the URL', () => {
  it('round-trips a search through the query string', () => {
    const form = fromQuery({ q: '暖气', step: 'handling', overdue: 'true', created_from: '2026-11-01T00:00:00+08:00' })
    expect(form).toMatchObject({ q: '暖气', step: 'handling', overdue: true, urgent: false, created_from: '2026-11-01' })
    expect(toQuery(form)).toEqual({ q: '暖气', step: 'handling', overdue: 'true',
      created_from: '2026-11-01T00:00:00+08:00' })
    expect(fromQuery(toQuery(form))).toEqual(form)
  })

  it('leaves out what is empty and includes the last day', () => {
    const form = fromQuery({ q: '  ', created_to: '2026-12-31' })
    expect(toQuery(form)).toEqual({ created_to: '2027-01-01T00:00:00+08:00' })
    expect(nextDay('2028-02-28')).toBe('2028-02-29')
  })

  it('counts days in the deployment zone', () => {
    expect(zoneOffset('Asia/Shanghai', '2026-07-01')).toBe('+08:00')
    expect(zoneOffset('Europe/Berlin', '2026-07-01')).toBe('+02:00')
    expect(zoneOffset('UTC', '2026-07-01')).toBe('+00:00')
  })
})
