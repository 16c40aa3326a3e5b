/** Who is signed in: the token (kept for this browser tab), the principal it names, and the deployment's config. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, bindSession, type ConsoleConfig, type Me, type Role } from '@/api'
import { DEFAULT_TZ } from '@/utils/time'

const TOKEN_KEY = 'whistle.token'
const STAFF: readonly Role[] = ['grid_worker', 'handler', 'dispatcher', 'leader', 'supervisor']

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
  const isStaff = computed(() => roles.value.some((r) => STAFF.includes(r)))
  const isResident = computed(() => has('resident') && !isStaff.value)
  const readsStats = computed(() => has('supervisor', 'leader'))
  const readsAudit = computed(() => has('supervisor'))
  const files = computed(() => isStaff.value || has('resident', 'integration'))
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
    return me.value
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

  /** Where a principal starts: residents their issues, supervisors and leaders the dashboard, staff the inbox. */
  const home = computed(() => {
    if (isResident.value) return '/my'
    if (has('supervisor')) return '/dashboard'
    if (!isStaff.value) return '/report' // an integration files reports for residents
    return '/inbox'
  })

  bindSession(() => token.value, () => { signOut() })

  return { token, me, config, roles, has, isStaff, isResident, readsStats, readsAudit, files, timezone, embedded,
    home, loadConfig, loadMe, signInAs, useToken, signOut }
})
