import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import PeriodToolbar from '@/components/PeriodToolbar.vue'
import { mountWith } from './helpers'

vi.mock('@/api', () => ({ api: {}, bindSession: vi.fn(), ApiError: class extends Error {} }))

describe('PeriodToolbar', () => {
  it('offers the periods under their label, and nothing else unless asked', async () => {
    const bar = mountWith(PeriodToolbar, { props: { period: '2026-11', periodId: 'board-month', periodLabel: '月份',
      periods: ['2026-11', '2026-10'] } })
    await flushPromises()
    expect(bar.classes()).toContain('toolbar')
    expect(bar.classes()).not.toContain('no-print')
    expect(bar.findAll('.el-form-item')).toHaveLength(1)
    expect(bar.find('label[for="board-month"]').text()).toBe('月份')
    expect(bar.find('#board-month').attributes('aria-label')).toBe('月份')
    expect(bar.findAll('[role=radiogroup]')).toHaveLength(0)
    expect(bar.findAll('button')).toHaveLength(0)
  })

  it('switches the period kind and the unit type, keeps the page\'s own fields between, and tells its buttons', async () => {
    const bar = mountWith(PeriodToolbar, {
      props: {
        period: '2026-Q4', periodId: 'db-period', periodLabel: '季度', periods: ['2026-Q4'], noPrint: true,
        periodKind: 'quarter' as const,
        periodKinds: { label: '统计周期', options: [{ value: 'month', label: '月度' }, { value: 'quarter', label: '季度' }] },
        unitKind: 'territorial',
        unitKinds: { label: '单位类型', options: [{ value: 'territorial', label: '属地' }, { value: 'department', label: '职能部门' }] },
        actions: [{ key: 'refresh', label: '刷新', loading: false }, { key: 'csv', label: '导出', type: 'primary', plain: true }],
      },
      slots: { default: '<div class="el-form-item own-field">层级</div>' },
    })
    await flushPromises()
    expect(bar.classes()).toContain('no-print')
    const items = bar.findAll('.el-form-item')
    expect(items.map((i) => i.classes().includes('own-field'))).toEqual([false, false, true, false])
    const groups = bar.findAll('[role=radiogroup]')
    expect(groups.map((g) => g.attributes('aria-label'))).toEqual(['统计周期', '单位类型'])

    await groups[1].findAll('input')[1].setValue(true)
    expect(bar.emitted('update:unitKind')?.[0]).toEqual(['department'])
    await groups[0].findAll('input')[0].setValue(true)
    expect(bar.emitted('update:periodKind')?.[0]).toEqual(['month'])

    const buttons = bar.findAll('button')
    expect(buttons.map((b) => b.text())).toEqual(['刷新', '导出'])
    expect(buttons[1].classes()).toEqual(expect.arrayContaining(['el-button--primary', 'is-plain']))
    await buttons[1].trigger('click')
    await buttons[0].trigger('click')
    expect(bar.emitted('action')?.map((e) => e[0])).toEqual(['csv', 'refresh'])
  })
})
