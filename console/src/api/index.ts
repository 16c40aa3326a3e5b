/** The console's one client instance, bound to the signed-in session (see stores/session.ts). */
import { createClient } from './client'

let tokenOf: () => string | null = () => null
let onUnauthorized: () => void = () => undefined

export const api = createClient({ token: () => tokenOf(), onUnauthorized: () => onUnauthorized() })

export function bindSession(token: () => string | null, unauthorized: () => void): void {
  tokenOf = token
  onUnauthorized = unauthorized
}

export { ApiError, XLSX } from './client'
export type * from './client'
