import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '@/locales/en'
import zhCN from '@/locales/zh-CN'

type Tree = { [key: string]: string | Tree }

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return name === 'locales' ? [] : sources(p)
    return /\.(vue|ts)$/.test(name) ? [p] : []
  })
}

describe('the message files', () => {
  const zh = new Set(keys(zhCN as unknown as Tree))

  it('have the same keys in both languages', () => {
    expect(keys(en as unknown as Tree).sort()).toEqual([...zh].sort())
  })

  it('hold every key the pages use', () => {
    const missing = new Set<string>()
    for (const file of sources(join(__dirname, '../../src'))) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\('([\w-]+\.[\w.-]+)'/g)) if (!zh.has(m[1])) missing.add(`${m[1]} (${file})`)
      for (const m of text.matchAll(/label\('(\w+)',/g)) {
        if (![...zh].some((k) => k.startsWith(`${m[1]}.`))) missing.add(`${m[1]}.* (${file})`)
      }
    }
    expect([...missing]).toEqual([])
  })
})
