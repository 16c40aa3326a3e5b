import { flushPromises } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { AppliedOut, ChangeOut } from '@/api'
import ChangeList from '@/components/ChangeList.vue'
import DirectoryImport from '@/components/DirectoryImport.vue'
import DirectoryProblems from '@/components/DirectoryProblems.vue'
import { i18n } from '@/i18n'
import { useDirectory } from '@/stores/directory'
import { mountWith } from './helpers'

const api = vi.hoisted(() => ({ loadDirectory: vi.fn(), exportDirectory: vi.fn(), units: vi.fn(), matters: vi.fn() }))
vi.mock('@/api', async () => {
  const client = await vi.importActual<typeof import('@/api/client')>('@/api/client')
  return { api, bindSession: vi.fn(), ApiError: client.ApiError, XLSX: client.XLSX }
})
const { ApiError, XLSX } = await vi.importActual<typeof import('@/api/client')>('@/api/client')

const refused = () => new ApiError({ type: '/problems/directory-invalid', title: 'invalid', status: 422,
  detail: '2 problem(s); nothing was changed', problems: [
    { sheet: '人员', row: 7, column: '所属单位编码', message: '单位 qh.nowhere 不存在', message_en: 'no unit qh.nowhere' },
    { sheet: '单位', row: null, column: null, message: '缺少市级单位', message_en: 'no city unit' },
  ] })

const renamed: ChangeOut = { kind: 'unit', key: 'qh.hd.xh', what: 'changed',
  before: { id: 'qh.hd.xh', name: '新华街道', level: 'street', active: true },
  after: { id: 'qh.hd.xh', name: '新华街道办事处', level: 'street', active: true } }
const person: ChangeOut = { kind: 'principal', key: 'handler@qh.hd.xh', what: 'added', before: null,
  after: { id: 'handler@qh.hd.xh', name: '王办', unit_id: 'qh.hd.xh', roles: ['handler', 'administrator'], subject: null } }

describe('DirectoryProblems', () => {
  it('lists every problem of a refused file where it is, in the reader\'s language', async () => {
    const wrapper = mountWith(DirectoryProblems, { props: { error: refused() } })
    await flushPromises()
    expect(wrapper.text()).toContain('目录未作任何更改')
    const rows = wrapper.findAll('[data-testid="sheet-problems"] tbody tr').map((r) => r.findAll('td').map((c) => c.text()))
    expect(rows).toEqual([['人员', '7', '所属单位编码', '单位 qh.nowhere 不存在'], ['单位', '—', '—', '缺少市级单位']])
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.text()).toContain('no unit qh.nowhere')
    i18n.global.locale.value = 'zh-CN'
  })

  it('shows a refusal without a file\'s problems as the refusal alone', () => {
    const wrapper = mountWith(DirectoryProblems, { props: { error: new ApiError({ type: '/problems/not-permitted',
      title: 'no', status: 403, detail: 'unit qh.hx: outside qh.hd' }) } })
    expect(wrapper.text()).toContain('您无权执行此操作')
    expect(wrapper.find('[data-testid="sheet-problems"]').exists()).toBe(false)
  })
})

describe('ChangeList', () => {
  it('says of each record what changed, field by field, before → after, in words', async () => {
    const wrapper = mountWith(ChangeList, { props: { changes: [renamed, person] } })
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="changes"] tbody tr').map((r) => r.text())
    expect(rows[0]).toContain('单位')
    expect(rows[0]).toContain('修改')
    expect(rows[0]).toContain('名称：新华街道 → 新华街道办事处')
    expect(rows[0]).not.toContain('层级')
    expect(rows[1]).toContain('新增')
    expect(rows[1]).toContain('角色：承办人、管理员')
    expect(rows[1]).not.toContain('登录标识')
  })
})

describe('DirectoryImport', () => {
  beforeEach(() => {
    vi.clearAllMocks()
    api.units.mockResolvedValue([])
    api.matters.mockResolvedValue([])
  })

  async function choose(wrapper: ReturnType<typeof mountWith>, name: string) {
    const input = wrapper.find('input[type="file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['x'], name)], configurable: true })
    await input.trigger('change')
  }

  it('refuses a file that is neither a workbook nor JSON before sending it', async () => {
    const wrapper = mountWith(DirectoryImport)
    await choose(wrapper, 'directory.csv')
    expect(wrapper.find('.el-form-item.is-error').exists()).toBe(true) // 请选择 .xlsx 或 .json 文件
    expect(wrapper.find('button[type="submit"]').attributes('disabled')).toBeDefined()
  })

  it('checks a file without changing anything and lists its problems', async () => {
    api.loadDirectory.mockRejectedValue(refused())
    const wrapper = mountWith(DirectoryImport)
    await choose(wrapper, '河东区.xlsx')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const [, type, query] = api.loadDirectory.mock.calls[0]
    expect(type).toBe(XLSX)
    expect(query).toMatchObject({ dry_run: true })
    expect(wrapper.findAll('[data-testid="sheet-problems"] tbody tr')).toHaveLength(2)
    expect(wrapper.find('[data-testid="directory-preview"]').exists()).toBe(false)
  })

  it('previews the changes, asks for a reason, then applies them as a version', async () => {
    const preview: AppliedOut = { version: null, dry_run: true, signalled: 0, not_told: 0,
      counts: { unit: { added: 0, changed: 1, removed: 0 }, principal: { added: 1, changed: 0, removed: 0 } },
      changes: [renamed, person] }
    api.loadDirectory.mockResolvedValueOnce(preview)
      .mockResolvedValueOnce({ ...preview, version: 4, dry_run: false, signalled: 2, not_told: 0 })
    const wrapper = mountWith(DirectoryImport)
    useDirectory()
    await choose(wrapper, 'directory.json')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(api.loadDirectory.mock.calls[0][1]).toBe('application/json')
    const counts = wrapper.find('[data-testid="directory-counts"]').text()
    expect(counts).toContain('单位：新增 0，修改 1，撤除 0')
    expect(counts).toContain('人员：新增 1，修改 0，撤除 0')
    expect(wrapper.findAll('[data-testid="changes"] tbody tr')).toHaveLength(2)

    const apply = wrapper.findAll('form')[1]
    await apply.trigger('submit')
    await flushPromises()
    expect(api.loadDirectory).toHaveBeenCalledTimes(1) // no reason, nothing sent
    expect(apply.find('.el-form-item.is-error').exists()).toBe(true) // 请填写修改理由

    await wrapper.find('#directory-reason').setValue('新华街道更名')
    await apply.trigger('submit')
    await flushPromises()
    expect(api.loadDirectory.mock.calls[1][2]).toEqual({ reason: '新华街道更名', dry_run: false })
    expect(wrapper.emitted('applied')?.[0]?.[0]).toMatchObject({ version: 4 })
    expect(api.units).toHaveBeenCalled() // the names follow the new version
    expect(wrapper.find('[data-testid="directory-preview"]').exists()).toBe(false)
  })
})
