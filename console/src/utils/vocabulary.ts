/**
 * The vocabularies the directory's forms offer, each checked against the API's schema: a role, level, kind or list
 * type the API adds and these lists lack fails `npm run typecheck` here (and the labels live in the message files).
 */
import type { Level, ListType, Role, UnitKind } from '@/api'

type Missing<T, L extends readonly T[]> = Exclude<T, L[number]>

/** `list`, refused by the type checker unless it holds every value of `T`. */
function every<T extends string>() {
  return <const L extends readonly T[]>(list: L & ([Missing<T, L>] extends [never] ? unknown : { missing: Missing<T, L> }))
    : readonly T[] => list
}

export const ROLES = every<Role>()(['resident', 'grid_worker', 'handler', 'dispatcher', 'leader', 'supervisor',
  'integration', 'administrator'])
export const LEVELS = every<Level>()(['city', 'district', 'street', 'community', 'grid'])
export const UNIT_KINDS = every<UnitKind>()(['territorial', 'department'])
export const LIST_TYPES = every<ListType>()(['immediate', 'phased', 'understanding'])
