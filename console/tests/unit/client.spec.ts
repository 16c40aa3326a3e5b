import { describe, expect, it, vi } from 'vitest'
import { ApiError, createClient, EventStreamParser, type StreamEvent, XLSX } from '@/api/client'

describe('the API client', () => {
  it('sends the bearer token and turns a problem detail into an ApiError with its slug', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify({ type: 'https://whistle/problems/wrong-state',
      title: 'Wrong state', status: 409, detail: 'the clock is already stopped' }), { status: 409 }))
    const unauthorized = vi.fn()
    const api = createClient({ token: () => 'tok', fetch, onUnauthorized: unauthorized })
    const err = await api.act('i1', { task_id: 'i1.3', action: 'stop_clock', data: {} }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).slug).toBe('wrong-state')
    expect((err as ApiError).message).toBe('the clock is already stopped')
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('/v1/issues/i1/actions')
    expect(init.headers.Authorization).toBe('Bearer tok')
    expect(JSON.parse(init.body)).toEqual({ task_id: 'i1.3', action: 'stop_clock', data: {} })
    expect(unauthorized).not.toHaveBeenCalled()
  })

  it('tells the session of a 401 and names a network failure', async () => {
    const unauthorized = vi.fn()
    const fetch = vi.fn().mockResolvedValueOnce(new Response('{}', { status: 401, statusText: 'Unauthorized' }))
      .mockRejectedValueOnce(new TypeError('failed to fetch'))
    const api = createClient({ token: () => null, fetch, onUnauthorized: unauthorized })
    await expect(api.me()).rejects.toBeInstanceOf(ApiError)
    expect(unauthorized).toHaveBeenCalledOnce()
    const err = (await api.me().catch((e: unknown) => e)) as ApiError
    expect(err.slug).toBe('network')
  })

  it('leaves empty query parameters out', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify({ items: [], next_cursor: null })))
    const api = createClient({ token: () => null, fetch })
    await api.tasks({ kind: undefined, limit: 20 })
    expect(fetch.mock.calls[0][0]).toBe('/v1/tasks?limit=20')
  })

  it('puts one record of the directory, and sends a whole file as it is with its own type', async () => {
    const applied = { version: 3, dry_run: false, signalled: 0, counts: {}, changes: [] }
    const fetch = vi.fn().mockImplementation(async () => new Response(JSON.stringify(applied)))
    const api = createClient({ token: () => 'tok', fetch })
    await api.putUnit('qh.hd.xh', { record: { name: '新华街道办事处' }, reason: '更名' })
    let [url, init] = fetch.mock.calls[0]
    expect([url, init.method, init.headers['Content-Type']]).toEqual(['/v1/admin/units/qh.hd.xh', 'PUT', 'application/json'])
    expect(JSON.parse(init.body)).toEqual({ record: { name: '新华街道办事处' }, reason: '更名' })
    const file = new Blob(['PK…'])
    expect(await api.loadDirectory(file, XLSX, { reason: '年度调整', dry_run: true })).toEqual(applied)
    ;[url, init] = fetch.mock.calls[1]
    expect(url).toBe('/v1/admin/directory?reason=%E5%B9%B4%E5%BA%A6%E8%B0%83%E6%95%B4&dry_run=true')
    expect([init.method, init.headers['Content-Type'], init.body]).toEqual(['POST', XLSX, file])
  })

  it('parses server-sent events split across chunks, skipping heartbeats', () => {
    const events: StreamEvent[] = []
    const parser = new EventStreamParser((e) => events.push(e))
    parser.push('retry: 3000\n\n: heartbeat\n\nid: 7\nevent: notif')
    parser.push('ication\ndata: {"id":7}\r\n\r\n')
    expect(events).toEqual([{ retry: 3000, data: undefined }, { id: '7', event: 'notification', data: '{"id":7}' }])
  })
})
