/** Who is signed in: the token (kept for this browser tab), the principal it names, and the deployment's config. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, bindSession, type Capability, type ConsoleConfig, type Me, type Role } from '@/api'
import { setForms } from '@/utils/actions'
import { fieldsFromSchema, type JsonSchema } from '@/utils/forms'
import { DEFAULT_TZ } from '@/utils/time'

const TOKEN_KEY = 'whistle.token'

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

export const useSession = defineStore('session', () => {
  const token = ref<string | null>(readToken())
  const me = ref<Me | null>(null)
  const config = ref<ConsoleConfig | null>(null)

  const roles = computed<Role[]>(() => me.value?.roles ?? [])
  const has = (...wanted: Role[]) => wanted.some((r) => roles.value.includes(r))
  /** What the API says the principal may open (`/console/api/me`): the directory's pages ask this. */
  const can = (...wanted: Capability[]) => wanted.some((c) => (me.value?.capabilities ?? []).includes(c))
  // what a page or the menu may offer is the API's word (`capabilities`), never a copy of its role rules here
  const isStaff = computed(() => can('inbox'))
  const isResident = computed(() => can('own_issues') && !isStaff.value)
  const readsStats = computed(() => can('statistics'))
  const readsAudit = computed(() => can('audit'))
  const files = computed(() => can('file_reports'))
  const timezone = computed(() => config.value?.timezone ?? DEFAULT_TZ)
  const embedded = computed(() => (config.value?.mode ?? 'embedded') === 'embedded')

  function setToken(value: string | null): void {
    token.value = value
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value)
      else sessionStorage.removeItem(TOKEN_KEY)
    } catch {
      // storage refused: the session lasts while the page does
    }
  }

  async function loadConfig(): Promise<ConsoleConfig> {
    if (!config.value) config.value = await api.config()
    return config.value
  }

  async function loadMe(): Promise<Me | null> {
    if (!token.value) return null
    if (!me.value) me.value = await api.me()
    await loadForms()
    return me.value
  }

  let formsLoaded = false
  /** The action forms, built from the schemas the API publishes (once a session; before any page needs them). */
  async function loadForms(): Promise<void> {
    if (formsLoaded) return
    const published = await api.actionForms()
    setForms(Object.fromEntries(Object.entries(published.forms).map(([key, schema]) =>
      [key, fieldsFromSchema(schema as JsonSchema)])))
    formsLoaded = true
  }

  /** Embedded mode: ask the API for a token for a sample principal. */
  async function signInAs(principalId: string): Promise<Me> {
    const answer = await api.token(principalId)
    return useToken(answer.token)
  }

  /** A token from the single sign-on (or the embedded sign-in). */
  async function useToken(value: string): Promise<Me> {
    setToken(value)
    me.value = null
    try {
      const who = await api.me()
      me.value = who
      return who
    } catch (err) {
      setToken(null)
      throw err
    }
  }

  function signOut(): void {
    setToken(null)
    me.value = null
  }

  /** Where a principal starts: residents their issues, supervisors and leaders the dashboard, staff the inbox,
   * an administrator the organisation. */
  const home = computed(() => {
    if (isResident.value) return '/my'
    if (readsAudit.value) return '/dashboard'
    if (isStaff.value) return '/inbox'
    if (can('read_directory')) return '/admin/units'
    return '/report' // an integration files reports for residents
  })

  bindSession(() => token.value, () => { signOut() })

  return { token, me, config, roles, has, can, isStaff, isResident, readsStats, readsAudit, files, timezone, embedded,
    home, loadConfig, loadMe, signInAs, useToken, signOut }
})
