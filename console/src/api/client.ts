/**
 * The one way the console speaks to the API. Every request and answer is typed from `schema.d.ts`, which
 * `npm run gen:api` generates from `openapi.json` — the API's own schema, saved; a pytest test fails when the
 * saved copy and the API differ, and a vitest test when the types and the saved copy differ. Pages call the
 * functions here, never `fetch`.
 *
 * Errors are RFC 9457 problem details: every failure is an `ApiError` carrying the problem's `slug`
 * (`not-permitted`, `wrong-state`, …), which the pages turn into plain words from the message files.
 */
import type { components, paths } from './schema'

type Schemas = components['schemas']

export type IssueOut = Schemas['IssueOut']
export type TaskOut = Schemas['TaskOut']
export type IssueSummary = Schemas['IssueSummary']
export type IssuePage = Schemas['IssuePage']
export type IssueCreate = Schemas['IssueCreate']
export type ActionIn = Schemas['ActionIn']
export type InboxTask = Schemas['InboxTask']
export type InboxPage = Schemas['InboxPage']
export type UnitOut = Schemas['UnitOut']
export type MatterOut = Schemas['MatterOut']
export type UnitStats = Schemas['UnitStats']
export type RankRow = Schemas['RankRow']
export type Figure = Schemas['Figure']
export type ResidentTimeline = Schemas['ResidentTimeline']
export type StoryEntry = Schemas['StoryEntry']
export type Board = Schemas['Board']
export type NotificationOut = Schemas['NotificationOut']
export type NotificationPage = Schemas['NotificationPage']
export type AuditReport = Schemas['AuditReport']
export type ProblemDetail = Schemas['ProblemDetail']
export type ConsoleConfig = Schemas['ConsoleConfig']
export type SamplePrincipal = Schemas['SamplePrincipal']
export type Me = Schemas['Me']
export type ReportOut = Schemas['ReportOut']
export type StaffEvent = Schemas['StaffEntry']  // the read model's timeline, with who acted by name and unit
export type SavedFilter = Schemas['SavedFilterOut']
export type PersonOut = Schemas['PersonOut']
export type QueueCounts = Schemas['QueueCounts']
export type Step = Schemas['Step']
export type TaskKind = Schemas['TaskKind']
export type Role = Schemas['Role']
export type Level = Schemas['Level']
export type Capability = Schemas['Capability']
export type UnitKind = Schemas['UnitKind']
export type ListType = Schemas['ListType']

/** The directory administered (管理员): its versions, their changes, the people, a change applied or refused. */
export type VersionOut = Schemas['VersionOut']
export type DiffOut = Schemas['DiffOut']
export type ChangeOut = Schemas['ChangeOut']
export type AppliedOut = Schemas['AppliedOut']
/** A question answered without dispatch (回复咨询). */
export type InquiryIn = Schemas['InquiryIn']
export type InquiryOut = Schemas['InquiryOut']
export type PrincipalOut = Schemas['PrincipalOut']
export type SheetProblem = Schemas['SheetProblem']
export type RecordKind = Schemas['RecordKind']
/** The fields of one record to set, as the directory's JSON form writes them, and why. */
export type RecordIn = Schemas['RecordIn']
export type PrincipalQuery = QueryOf<'/v1/admin/principals', 'get'>
/** A whole directory file: a workbook (.xlsx) or the JSON form. */
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

type Method = 'get' | 'post' | 'put'
type Operation<P extends keyof paths, M extends Method> = paths[P][M]

/** The query parameters an operation takes, straight from the schema. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never
/** Its path parameters. */
export type PathOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer X } } ? X : never
/** Its JSON body. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer B } } } ? B : never
/** Its successful answer (200 or 201). */
export type OkOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R
    : Operation<P, M> extends { responses: { 201: { content: { 'application/json': infer R } } } } ? R
      : Operation<P, M> extends { responses: { 200: { content: infer C } } } ? C[keyof C] : never

export type IssueQuery = QueryOf<'/v1/issues', 'get'>
export type TaskQuery = QueryOf<'/v1/tasks', 'get'>
export type StatsQuery = QueryOf<'/v1/stats', 'get'>
export type RankingQuery = QueryOf<'/v1/stats/ranking', 'get'>

/** A grid of `/v1/grids.geojson` (the schema says only "object": its shape is documented here). */
export interface GridFeature {
  type: 'Feature'
  id: string
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }
  properties: {
    grid_id: string
    name: string
    name_en: string
    community_id: string | null
    area_m2: number
    open: number
    overdue: number
    closed: number
  }
}
export interface GridCollection {
  type: 'FeatureCollection'
  features: GridFeature[]
}

/** `/v1/assessments` (季度考核): the quarter's figures per street or department, ranked and graded. */
export type Assessment = Schemas['Assessment']
export type AssessmentRow = Schemas['AssessmentRow']
export type AssessmentLevel = QueryOf<'/v1/assessments', 'get'>['level']

/** A failed request: the problem detail the API answered (or one made up for a network failure). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: ProblemDetail

  constructor(problem: ProblemDetail) {
    super(problem.detail ?? problem.title)
    this.name = 'ApiError'
    this.status = problem.status
    this.problem = problem
  }

  /** `not-permitted`, `wrong-state`, …; `network` when the API could not be reached. */
  get slug(): string {
    return this.problem.type.split('/').pop() || 'internal'
  }
}

export interface ClientOptions {
  /** Where the API is: '' (the same origin, as served under /console) unless told. */
  baseUrl?: string
  /** The bearer token of the signed-in principal, read at every request. */
  token: () => string | null
  /** Told of every 401, so the session can end. */
  onUnauthorized?: () => void
  fetch?: typeof fetch
}

type Params = Record<string, string | number | boolean | null | undefined>

function queryString(params?: Params): string {
  if (!params) return ''
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

const enc = encodeURIComponent

export function createClient(options: ClientOptions) {
  const base = options.baseUrl ?? ''
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))

  function headers(extra?: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', ...extra }
    const token = options.token()
    if (token) h.Authorization = `Bearer ${token}`
    return h
  }

  async function fail(resp: Response): Promise<never> {
    let problem: ProblemDetail
    try {
      problem = (await resp.json()) as ProblemDetail
      if (typeof problem?.type !== 'string') throw new Error('not a problem')
    } catch {
      problem = { type: '/problems/internal', title: resp.statusText || 'error', status: resp.status }
    }
    if (resp.status === 401) options.onUnauthorized?.()
    throw new ApiError(problem)
  }

  /** `body` goes as JSON; `raw` (a file) as it is, with its own `Content-Type` in `headers`. */
  async function send(method: string, path: string, init: { query?: Params; body?: unknown; raw?: Blob;
    headers?: Record<string, string> } = {}): Promise<Response> {
    const h = headers(init.headers)
    if (init.body !== undefined) h['Content-Type'] = 'application/json'
    let resp: Response
    try {
      resp = await doFetch(`${base}${path}${queryString(init.query)}`, {
        method, headers: h, body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err
      throw new ApiError({ type: '/problems/network', title: 'network', status: 0, detail: String(err) })
    }
    if (!resp.ok) await fail(resp)
    return resp
  }

  /**
   * One operation of the schema: the path must be one of `paths`, the path parameters, query and body those the
   * operation declares, and the answer is its 200/201 JSON. A route renamed or reshaped in the API breaks here,
   * at `npm run typecheck`.
   */
  async function call<P extends keyof paths, M extends Method>(method: M, path: P,
    init: { path?: PathOf<P, M>; query?: QueryOf<P, M>; body?: BodyOf<P, M>;
      headers?: Record<string, string> } = {}): Promise<OkOf<P, M>> {
    const params = (init.path ?? {}) as Record<string, string>
    const url = (path as string).replace(/\{(\w+)\}/g, (_, name: string) => enc(params[name] ?? ''))
    const resp = await send(method.toUpperCase(), url, { query: init.query as Params | undefined, body: init.body,
      headers: init.headers })
    return (await resp.json()) as OkOf<P, M>
  }

  return {
    // --- the console's own routes ---------------------------------------------------------------------
    config: () => call('get', '/console/api/config'),
    principals: () => call('get', '/console/api/principals'),
    token: (principalId: string) => call('post', '/console/api/token', { body: { principal_id: principalId } }),
    me: () => call('get', '/console/api/me'),
    report: (issueId: string) => call('get', '/console/api/issues/{issue_id}/report', { path: { issue_id: issueId } }),
    events: (issueId: string) => call('get', '/console/api/issues/{issue_id}/events', { path: { issue_id: issueId } }),

    // --- issues -----------------------------------------------------------------------------------------
    listIssues: (query: IssueQuery = {}) => call('get', '/v1/issues', { query }),
    getIssue: (issueId: string) => call('get', '/v1/issues/{issue_id}', { path: { issue_id: issueId } }),
    createIssue: (body: IssueCreate, idempotencyKey: string) =>
      call('post', '/v1/issues', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
    act: (issueId: string, body: ActionIn, idempotencyKey?: string) =>
      call('post', '/v1/issues/{issue_id}/actions', { path: { issue_id: issueId }, body,
        headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} }),
    timeline: (issueId: string) => call('get', '/v1/issues/{issue_id}/timeline', { path: { issue_id: issueId } }),
    audit: (issueId: string) => call('get', '/v1/issues/{issue_id}/audit', { path: { issue_id: issueId } }),

    // --- the inbox ----------------------------------------------------------------------------------------
    tasks: (query: TaskQuery = {}) => call('get', '/v1/tasks', { query }),
    claim: (taskId: string) => call('post', '/v1/tasks/{task_id}/claim', { path: { task_id: taskId } }),
    unclaim: (taskId: string) => call('post', '/v1/tasks/{task_id}/unclaim', { path: { task_id: taskId } }),

    // --- statistics, the organisation, the map ----------------------------------------------------------
    stats: (query: StatsQuery) => call('get', '/v1/stats', { query }),
    ranking: (query: RankingQuery) => call('get', '/v1/stats/ranking', { query }),
    /** The ranking and when its figures were computed (a Schedule's snapshot for the standard periods). */
    rankingWithTime: async (query: RankingQuery): Promise<{ rows: RankRow[]; computedAt: string | null }> => {
      const resp = await send('GET', '/v1/stats/ranking', { query: query as Params })
      return { rows: (await resp.json()) as RankRow[], computedAt: resp.headers.get('X-Figures-Computed-At') }
    },
    rankingCsv: async (query: RankingQuery) =>
      (await send('GET', '/v1/stats/ranking', { query: query as Params, headers: { Accept: 'text/csv' } })).text(),
    units: (query: QueryOf<'/v1/units', 'get'> = {}) => call('get', '/v1/units', { query }),
    matters: () => call('get', '/v1/matters'),
    grids: async () => (await call('get', '/v1/grids.geojson',
      { headers: { Accept: 'application/geo+json' } })) as unknown as GridCollection,
    board: (communityId: string, month?: string) =>
      call('get', '/v1/public/communities/{community_id}/board',
        { path: { community_id: communityId }, query: { month } }),

    // --- the quarterly assessment (see `Assessment`) -------------------------------------------------------
    assessment: (period: string, level: AssessmentLevel) =>
      call('get', '/v1/assessments', { query: { period, level } }),
    assessmentCsv: async (period: string, level: AssessmentLevel) =>
      (await send('GET', '/v1/assessments', { query: { period, level }, headers: { Accept: 'text/csv' } })).text(),
    /** The printable assessment: HTML, or with `pdf` the PDF, as a blob to open or save. */
    assessmentPrint: async (period: string, level: AssessmentLevel, pdf = false) =>
      (await send('GET', '/v1/assessments/print', { query: { period, level, format: pdf ? 'pdf' : 'html' } })).blob(),
    inquiries: (query: QueryOf<'/v1/inquiries', 'get'> = {}) => call('get', '/v1/inquiries', { query }),
    recordInquiry: (body: InquiryIn) => call('post', '/v1/inquiries', { body }),
    /** Issue the figures as they stand now as the next version, with the reason (the city's supervisors). */
    amendAssessment: (id: number, reason: string) =>
      call('post', '/v1/assessments/{assessment_id}/amendments', { path: { assessment_id: id }, body: { reason } }),

    // --- the directory administered (管理员; supervisors read) --------------------------------------------------
    directoryVersions: (query: QueryOf<'/v1/directory/versions', 'get'> = {}) =>
      call('get', '/v1/directory/versions', { query }),
    directoryDiff: (start: number, end: number) => call('get', '/v1/directory/diff', { query: { start, end } }),
    adminPrincipals: (query: PrincipalQuery = {}) => call('get', '/v1/admin/principals', { query }),
    putUnit: (unitId: string, body: RecordIn) =>
      call('put', '/v1/admin/units/{unit_id}', { path: { unit_id: unitId }, body }),
    putPrincipal: (principalId: string, body: RecordIn) =>
      call('put', '/v1/admin/principals/{principal_id}', { path: { principal_id: principalId }, body }),
    putMatter: (code: string, body: RecordIn) => call('put', '/v1/admin/matters/{code}', { path: { code }, body }),
    /** A whole directory file checked (`dry_run`: the diff, nothing changed) or applied as one version. */
    loadDirectory: async (file: Blob, contentType: string, query: QueryOf<'/v1/admin/directory', 'post'>) =>
      (await (await send('POST', '/v1/admin/directory', { query: query as Params, raw: file,
        headers: { 'Content-Type': contentType } })).json()) as OkOf<'/v1/admin/directory', 'post'>,
    /** The directory in force as the JSON form or a workbook (administrators of the city). */
    exportDirectory: async (format: 'json' | 'xlsx') =>
      (await send('GET', '/v1/admin/directory/export', { query: { format },
        headers: { Accept: format === 'xlsx' ? XLSX : 'application/json' } })).blob(),

    // --- the desk's daily work ------------------------------------------------------------------------------
    taskQueues: () => call('get', '/v1/tasks/queues'),
    /** The issues a search finds, as CSV (unit names, the deployment's time). */
    issuesCsv: async (query: IssueQuery = {}) =>
      (await send('GET', '/v1/issues/export.csv', { query: query as Params, headers: { Accept: 'text/csv' } })).text(),
    savedFilters: () => call('get', '/v1/saved-filters'),
    saveFilter: (body: BodyOf<'/v1/saved-filters', 'post'>) => call('post', '/v1/saved-filters', { body }),
    deleteFilter: async (id: string) => {
      await send('DELETE', `/v1/saved-filters/${enc(id)}`, {})
    },
    /** The names and units behind principal ids (staff; not residents). */
    people: (ids: string) => call('get', '/v1/people', { query: { ids } }),
    /** Each action's data as a JSON Schema: the forms are built from it. */
    actionForms: () => call('get', '/v1/actions'),

    // --- notifications ----------------------------------------------------------------------------------
    notifications: (query: QueryOf<'/v1/notifications', 'get'> = {}) => call('get', '/v1/notifications', { query }),
    markRead: (ids?: number[]) => call('post', '/v1/notifications/read', { body: ids ? { ids } : {} }),

    /**
     * Follow `/v1/notifications/stream` (server-sent events) until `signal` aborts, reconnecting after a
     * break with `Last-Event-ID`. `EventSource` cannot send a bearer token, so this reads the stream itself.
     */
    async streamNotifications(onNotice: (n: NotificationOut) => void, signal: AbortSignal,
      retryMs = 3000): Promise<void> {
      let lastId: string | null = null
      while (!signal.aborted) {
        try {
          const h = headers({ Accept: 'text/event-stream' })
          if (lastId) h['Last-Event-ID'] = lastId
          const resp = await doFetch(`${base}/v1/notifications/stream`, { headers: h, signal })
          if (resp.status === 401) { options.onUnauthorized?.(); return }
          if (!resp.ok || !resp.body) throw new Error(`stream: ${resp.status}`)
          const parser = new EventStreamParser((ev) => {
            if (ev.id) lastId = ev.id
            if (ev.retry) retryMs = ev.retry
            if (ev.event === 'notification' && ev.data) onNotice(JSON.parse(ev.data) as NotificationOut)
          })
          const reader = resp.body.getReader()
          const decoder = new TextDecoder()
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            parser.push(decoder.decode(value, { stream: true }))
          }
        } catch (err) {
          if (signal.aborted) return
          void err // a broken connection: wait, then resume from the last id
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs)
          signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
        })
      }
    },
  }
}

export type ApiClient = ReturnType<typeof createClient>

export interface StreamEvent {
  id?: string
  event?: string
  data?: string
  retry?: number
}

/** The text/event-stream format (WHATWG HTML §9.2), fed in chunks as they arrive. */
export class EventStreamParser {
  private buffer = ''
  private current: StreamEvent = {}
  private dataLines: string[] = []

  constructor(private readonly onEvent: (ev: StreamEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk
    let nl: number
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl)
      const sep = this.buffer.startsWith('\r\n', nl) ? 2 : 1
      this.buffer = this.buffer.slice(nl + sep)
      this.line(line)
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.dataLines.length || this.current.retry !== undefined || this.current.id !== undefined) {
        this.onEvent({ ...this.current, data: this.dataLines.length ? this.dataLines.join('\n') : undefined })
      }
      this.current = {}
      this.dataLines = []
      return
    }
    if (line.startsWith(':')) return // a comment: the heartbeat
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.dataLines.push(value)
    else if (field === 'id') this.current.id = value
    else if (field === 'event') this.current.event = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.current.retry = Number(value)
  }
}
