import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { formatCount, formatMoney, groupThousands, moneyParts } from '@/utils/money'

describe('formatMoney (decimal string in, display string out)', () => {
  it('adds the yuan sign, thousands separators and two decimals', () => {
    expect(formatMoney('0')).toBe('¥ 0.00')
    expect(formatMoney('0.00')).toBe('¥ 0.00')
    expect(formatMoney('50')).toBe('¥ 50.00')
    expect(formatMoney('50.5')).toBe('¥ 50.50')
    expect(formatMoney('999.99')).toBe('¥ 999.99')
    expect(formatMoney('1000')).toBe('¥ 1,000.00')
    expect(formatMoney('1234.5')).toBe('¥ 1,234.50')
    expect(formatMoney('1234567.89')).toBe('¥ 1,234,567.89')
    expect(formatMoney('  12860.50 ')).toBe('¥ 12,860.50')
  })

  it('puts the minus sign in front and never shows a negative zero', () => {
    expect(formatMoney('-20')).toBe('-¥ 20.00')
    expect(formatMoney('-1234.5')).toBe('-¥ 1,234.50')
    expect(formatMoney('-0.00')).toBe('¥ 0.00')
    expect(formatMoney('+15.2')).toBe('¥ 15.20')
  })

  it('keeps every digit a float would lose', () => {
    // 2^53 + 1 and beyond: a float would round these.
    expect(formatMoney('9007199254740993.01')).toBe('¥ 9,007,199,254,740,993.01')
    expect(formatMoney('12345678901234567890.99')).toBe('¥ 12,345,678,901,234,567,890.99')
    // 0.1 + 0.2 style values stay exact, extra decimals are shown, never rounded away.
    expect(formatMoney('0.30')).toBe('¥ 0.30')
    expect(formatMoney('1.005')).toBe('¥ 1.005')
    expect(formatMoney('0007.5')).toBe('¥ 7.50')
    expect(formatMoney('.5')).toBe('¥ 0.50')
  })

  it('can omit the symbol, and shows anything that is not a decimal unchanged', () => {
    expect(formatMoney('1234.5', { symbol: false })).toBe('1,234.50')
    expect(formatMoney('-1234.5', { symbol: false })).toBe('-1,234.50')
    expect(formatMoney('abc')).toBe('abc')
    expect(formatMoney('1e5')).toBe('1e5')
    expect(formatMoney('')).toBe('—')
    expect(formatMoney(null)).toBe('—')
    expect(formatMoney(undefined)).toBe('—')
  })

  it('returns strings from strings without calling parseFloat or Number', () => {
    const pf = vi.spyOn(globalThis, 'parseFloat')
    const npf = vi.spyOn(Number, 'parseFloat')
    const out = formatMoney('1234.56')
    expect(typeof out).toBe('string')
    expect(pf).not.toHaveBeenCalled()
    expect(npf).not.toHaveBeenCalled()
    pf.mockRestore()
    npf.mockRestore()
  })

  it('exposes parts for sign-dependent styling', () => {
    expect(moneyParts('-1234.5')).toEqual({ negative: true, integer: '1,234', fraction: '50' })
    expect(moneyParts('x')).toBeNull()
  })
})

describe('grouping helpers', () => {
  it('groups digit runs and whole counts', () => {
    expect(groupThousands('1')).toBe('1')
    expect(groupThousands('123')).toBe('123')
    expect(groupThousands('1234')).toBe('1,234')
    expect(groupThousands('123456')).toBe('123,456')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(1286)).toBe('1,286')
    expect(formatCount(-4302)).toBe('-4,302')
    expect(formatCount(null)).toBe('—')
  })
})

describe('no float money anywhere in the UI sources', () => {
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) return name === 'generated' ? [] : files(p)
      return /\.(ts|vue)$/.test(name) ? [p] : []
    })
  }

  it('has no parseFloat, toFixed or Number(...) conversion in src/', () => {
    const offenders = files(join(__dirname, '../../src')).filter((f) =>
      /parseFloat|toFixed\(|Number\(/.test(readFileSync(f, 'utf8')),
    )
    expect(offenders).toEqual([])
  })
})
