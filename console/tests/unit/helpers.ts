/** Mounting a component as the console does: Element Plus, the messages (zh-CN), a fresh store. */
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { i18n } from '@/i18n'
import type { InboxTask } from '@/api'
import { setForms } from '@/utils/actions'
import { fieldsFromSchema, type JsonSchema } from '@/utils/forms'
import published from './forms.json'

/** The action forms as a session loads them: built from the schemas the API publishes (saved by `npm run gen:api`). */
export function loadPublishedForms(): void {
  setForms(Object.fromEntries(Object.entries(published as Record<string, JsonSchema>)
    .map(([key, schema]) => [key, fieldsFromSchema(schema)])))
}

export function mountWith<C extends Component>(component: C, options: ComponentMountingOptions<C> = {}) {
  loadPublishedForms()
  const pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'zh-CN'
  return mount(component, { ...options, global: { plugins: [ElementPlus, i18n, pinia], ...(options.global ?? {}) } })
}

export function inboxTask(over: Partial<InboxTask> = {}): InboxTask {
  return {
    task_id: 'i1.1', issue_id: 'i1', issue_title: '暖气不热', kind: 'verify', step: 'discovery', unit_id: 'qh.hd.cy.c1.g1',
    roles: ['grid_worker'], principal_id: null, claimed_by: null, opened_at: '2026-11-24T00:00:00Z',
    due_at: '2026-11-25T00:00:00Z', provisional: false, overdue: false, allowed_actions: ['whistle', 'claim', 'unclaim'],
    ...over,
  }
}
