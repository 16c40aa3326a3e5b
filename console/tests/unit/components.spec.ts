import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { GridFeature, TaskOut } from '@/api'
import ActionForm from '@/components/ActionForm.vue'
import CountdownTag from '@/components/CountdownTag.vue'
import GridMap from '@/components/GridMap.vue'
import StepProgress from '@/components/StepProgress.vue'
import { useDirectory } from '@/stores/directory'
import { mountWith } from './helpers'

vi.mock('@/api', () => ({ api: {}, bindSession: vi.fn(), ApiError: class extends Error {} }))

describe('CountdownTag', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-11-24T10:00:00Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('counts down, turns yellow in the last fifth and red once past, and marks a provisional deadline', async () => {
    const opened = '2026-11-24T00:00:00Z'
    const calm = mountWith(CountdownTag, { props: { due: '2026-11-25T10:00:00Z', opened } })
    await flushPromises()
    expect(calm.attributes('data-urgency')).toBe('normal')
    expect(calm.text()).toContain('剩余 1天0小时')
    const late = mountWith(CountdownTag, { props: { due: '2026-11-24T09:00:00Z', opened, provisional: true } })
    expect(late.attributes('data-urgency')).toBe('red')
    expect(late.text()).toContain('已超时 1小时0分')
    expect(late.text()).toContain('暂定期限')
    const close = mountWith(CountdownTag, { props: { due: '2026-11-24T10:30:00Z', opened } })
    expect(close.attributes('data-urgency')).toBe('yellow')
    vi.advanceTimersByTime(31 * 60 * 1000)
    await flushPromises()
    expect(close.attributes('data-urgency')).toBe('red')
  })
})

function task(over: Partial<TaskOut> = {}): TaskOut {
  return { task_id: 'i1.4', kind: 'dispatch', step: 'whistle', unit_id: 'qh.hd.cy', roles: ['dispatcher'],
    principal_id: null, claimed_by: null, opened_at: '2026-11-24T00:00:00Z', due_at: null, provisional: false,
    overdue: false, clock_stopped: false, allowed_actions: ['route', 'escalate', 'claim', 'unclaim'],
    data: { suggested_unit_ids: ['qh.hd.dept.heating'] }, yours: true, ...over }
}

describe('ActionForm', () => {
  it('offers the routable units, suggested first, and sends only what was filled', async () => {
    const wrapper = mountWith(ActionForm, { props: { kind: 'dispatch', action: 'route', task: task() } })
    const directory = useDirectory()
    const unit = (id: string, name: string, level: string, kind: string, parent: string | null) =>
      [id, { id, name, name_en: name, level, kind, parent_id: parent, function: null, order: 0, active: true }] as const
    directory.units = new Map([
      unit('qh.hd', '河东区', 'district', 'territorial', 'qh'),
      unit('qh.hd.cy', '朝阳街道', 'street', 'territorial', 'qh.hd'),
      unit('qh.hd.cy.c1', '东苑社区', 'community', 'territorial', 'qh.hd.cy'),
      unit('qh.hd.dept.housing', '住建局', 'district', 'department', 'qh.hd'),
      unit('qh.hd.dept.heating', '供热办', 'district', 'department', 'qh.hd'),
    ])
    await flushPromises()
    const labels = wrapper.findAll('.el-checkbox').map((c) => c.text())
    expect(labels).toEqual(['供热办建议', '朝阳街道', '东苑社区', '住建局'])

    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 50))
    expect(wrapper.emitted('submit')).toBeUndefined() // units are required
    expect(wrapper.find('.el-form-item.is-error').exists()).toBe(true)

    await wrapper.findAll('.el-checkbox input')[0].setValue(true)
    await wrapper.findAll('.el-checkbox input')[3].setValue(true)
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.emitted('submit')?.[0]).toEqual([{ unit_ids: ['qh.hd.dept.heating', 'qh.hd.dept.housing'] }])
  })

  it('labels every control', async () => {
    const wrapper = mountWith(ActionForm, { props: { kind: 'consult', action: 'conclude',
      task: task({ kind: 'consult', data: { units: ['a', 'b'] } }) } })
    await flushPromises()
    const inputs = wrapper.findAll('input, textarea')
    expect(inputs.length).toBeGreaterThanOrEqual(7) // 2 + 2 units, 3 list types, the days, the minutes
    for (const input of inputs) {
      const id = input.attributes('id')
      const labelled = (!!id && wrapper.find(`label[for="${id}"]`).exists()) || input.element.closest('label') !== null
        || !!input.attributes('aria-label')
      expect(labelled, input.html()).toBe(true)
    }
    for (const group of wrapper.findAll('[role=radiogroup], [role=group]')) expect(group.attributes('aria-label')).toBeTruthy()
  })
})

const square = (id: string, x: number, open: number, overdue: number): GridFeature => ({
  type: 'Feature', id, geometry: { type: 'Polygon', coordinates: [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]] },
  properties: { grid_id: id, name: `网格${id}`, name_en: `Grid ${id}`, community_id: null, area_m2: 1, open, overdue,
    closed: 0 },
})

describe('GridMap', () => {
  it('draws each grid from its shape, coloured by its issues, and is chosen by click or keyboard', async () => {
    const wrapper = mountWith(GridMap, { props: { features: [square('g1', 0, 0, 0), square('g2', 1, 2, 0),
      square('g3', 2, 3, 1)], label: '一张图' } })
    const grids = wrapper.findAll('g[role=button]')
    expect(grids).toHaveLength(3)
    expect(grids.map((g) => g.find('path').attributes('fill'))).toEqual(['#d9ecd0', '#f7d88f', '#f2a0a0'])
    expect(grids[2].attributes('aria-label')).toContain('超时 1')
    await grids[1].trigger('click')
    await grids[2].trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('select')?.map((e) => e[0])).toEqual(['g2', 'g3'])
  })
})

describe('StepProgress', () => {
  it('marks the step the issue stands at, and every step once closed', () => {
    const open = mountWith(StepProgress, { props: { step: 'consultation', status: 'open', holders: ['朝阳街道'] } })
    expect(open.find('[aria-current=step]').text()).toContain('会商')
    expect(open.text()).toContain('当前由 朝阳街道 处理')
    const closed = mountWith(StepProgress, { props: { step: 'evaluation', status: 'closed' } })
    expect(closed.find('[aria-current=step]').exists()).toBe(false)
  })
})

describe('ReportCard', () => {
  it('links only http(s) photos: a javascript: or data: address stays text that no click runs', async () => {
    const { default: ReportCard } = await import('@/components/ReportCard.vue')
    const photos = ['https://img.example/1.jpg', 'javascript:alert(document.cookie)', 'data:text/html,<b>x</b>',
      ' JaVaScRiPt:alert(1)', 'not a url']
    const card = mountWith(ReportCard, { props: { report: {
      issue_id: 'i1', title: 't', description: 'd', matter_code: 'heating.no_heat', grid_id: 'qh.hd.cy.c1.g1',
      address: 'a', location: null, urgent: false, photos, source: 'resident', reported_at: '2026-11-24T00:00:00Z',
    } } })
    await flushPromises()
    const links = card.findAll('a')
    expect(links.map((a) => a.attributes('href'))).toEqual(['https://img.example/1.jpg'])
    expect(card.html()).not.toContain('href="javascript')
    expect(card.html()).not.toContain('href="data:')
    expect(card.findAll('.photo')).toHaveLength(photos.length)
  })
})
