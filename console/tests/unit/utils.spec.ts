import { describe, expect, it } from 'vitest'
import { fieldsFor, initialValues, payloadOf } from '@/utils/actions'
import { loadPublishedForms } from './helpers'
import { eventLine } from '@/utils/events'
import { figure, percent, ratesOffered } from '@/utils/figures'
import { inRing, projection } from '@/utils/geo'
import { historyLine } from '@/utils/history'
import { monthsOfQuarter, recentQuarters } from '@/utils/periods'
import { monthsUpTo, urgency } from '@/utils/time'

describe('the action forms', () => {
  it('build the data of an action from what was filled', () => {
    loadPublishedForms()
    const fields = fieldsFor('handle', 'complete')
    const values = { ...initialValues(fields), result: '  阀门已更换 ', evidence: 'https://a\n\n https://b ' }
    expect(payloadOf(fields, values)).toEqual({ result: '阀门已更换', evidence: ['https://a', 'https://b'] })
    const conclude = fieldsFor('consult', 'conclude')
    expect(payloadOf(conclude, { ...initialValues(conclude), lead_unit_id: 'h', list_type: 'immediate',
      minutes: 'm' })).toEqual({ lead_unit_id: 'h', list_type: 'immediate', minutes: 'm' })
  })
})

describe('timeline lines', () => {
  it('name an action by its own name, with its words and units, and say when a task closed late', () => {
    expect(eventLine({ kind: 'action', data: { action: 'route', data: { unit_ids: ['a', 'b'], note: '请报到' } } }))
      .toEqual({ key: 'action.route', text: '请报到', units: ['a', 'b'], late: null })
    expect(eventLine({ kind: 'task_closed', data: { late: true } }).late).toBe(true)
  })

  it('read a raw history event', () => {
    expect(historyLine({ eventId: '5', eventTime: 't', eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      activityTaskScheduledEventAttributes: { activityType: { name: 'project' } } }))
      .toEqual({ id: '5', time: 't', type: 'ACTIVITY_TASK_SCHEDULED', detail: 'project' })
  })
})

describe('figures', () => {
  it('read the rates the API offers, newer ones when present', () => {
    const f = { numerator: 1, denominator: 4, rate: 0.25 }
    const stats = { response_rate: f, onsite_rate: f } as never
    expect(ratesOffered([stats])).toEqual(['response_rate', 'onsite_rate'])
    expect(percent(figure(stats, 'response_rate'))).toBe(25)
    expect(figure(stats, 'mediation_rate')).toBeNull()
  })
})

describe('time and periods', () => {
  it('count months and quarters back', () => {
    expect(monthsUpTo('2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02'])
    expect(monthsOfQuarter('2026-Q4')).toEqual(['2026-10', '2026-11', '2026-12'])
    expect(recentQuarters(new Date('2026-11-24T00:00:00Z'), 'Asia/Shanghai', 2)).toEqual(['2026-Q4', '2026-Q3'])
  })

  it('say how pressing a deadline is', () => {
    const opened = '2026-11-24T00:00:00Z'
    const due = '2026-11-25T00:00:00Z'
    expect(urgency(null, opened, 0)).toBe('none')
    expect(urgency(due, opened, Date.parse('2026-11-24T12:00:00Z'))).toBe('normal')
    expect(urgency(due, opened, Date.parse('2026-11-24T20:00:00Z'))).toBe('yellow')
    expect(urgency(due, opened, Date.parse('2026-11-25T00:00:00Z'))).toBe('red')
  })
})

describe('the map projection', () => {
  it('maps lon/lat to the view and back, and finds a point in a ring', () => {
    const ring = [[116, 39], [116.01, 39], [116.01, 39.01], [116, 39.01], [116, 39]]
    const p = projection([ring], 1000, 10)
    const [x, y] = p.toXY(116.005, 39.005)
    const [lon, lat] = p.toLonLat(x, y)
    expect(lon).toBeCloseTo(116.005, 6)
    expect(lat).toBeCloseTo(39.005, 6)
    expect(p.toXY(116, 39.01)).toEqual([10, 10])
    expect(inRing(116.005, 39.005, ring)).toBe(true)
    expect(inRing(116.02, 39.005, ring)).toBe(false)
  })
})
