// The admin decision forms' pure helpers: grant form, reasons, and the end-of-day expiry.
import { describe, expect, it } from 'vitest'
import { daysUntil, localDateAfter, parseLocalDate, toLocalDate } from '@/utils/datetime'
import {
  DECISION_REASON_MAX,
  expiryEndOfDay,
  isBeforeTomorrow,
  validateDecisionReason,
  validateExpiry,
  validateGrantForm,
  type GrantForm,
} from '@/utils/validation'

// A fixed "now": 2026-11-25 15:30 local time.
const NOW = new Date(2026, 10, 25, 15, 30, 0)

function form(extra: Partial<GrantForm> = {}): GrantForm {
  return { operatorId: 'op-1', applicationId: 'app-1', expiryMode: 'permanent', expiresDate: null, ...extra }
}

describe('validateGrantForm', () => {
  it('a permanent grant with operator and application is valid', () => {
    expect(validateGrantForm(form(), NOW)).toEqual({})
  })

  it('blank operator and application are required', () => {
    expect(validateGrantForm(form({ operatorId: null, applicationId: '' }), NOW)).toEqual({
      operatorId: { key: 'validation.grantOperatorRequired' },
      applicationId: { key: 'validation.grantAppRequired' },
    })
  })

  it('permanent ignores whatever date is left in the picker', () => {
    expect(validateGrantForm(form({ expiresDate: '2020-01-01' }), NOW)).toEqual({})
  })

  it('指定日期 needs a date', () => {
    expect(validateGrantForm(form({ expiryMode: 'date', expiresDate: null }), NOW)).toEqual({
      expiresDate: { key: 'validation.expiryRequired' },
    })
    expect(validateGrantForm(form({ expiryMode: 'date', expiresDate: '' }), NOW).expiresDate?.key).toBe(
      'validation.expiryRequired',
    )
  })

  it('a past date or today is refused: the date must be tomorrow or later', () => {
    const past = validateGrantForm(form({ expiryMode: 'date', expiresDate: '2026-11-01' }), NOW)
    expect(past.expiresDate).toEqual({ key: 'validation.expiryFuture' })
    const today = validateGrantForm(form({ expiryMode: 'date', expiresDate: '2026-11-25' }), NOW)
    expect(today.expiresDate).toEqual({ key: 'validation.expiryFuture' })
    const todayAsDate = validateGrantForm(form({ expiryMode: 'date', expiresDate: new Date(2026, 10, 25, 23, 0) }), NOW)
    expect(todayAsDate.expiresDate).toEqual({ key: 'validation.expiryFuture' })
  })

  it('tomorrow and later are accepted (string or Date)', () => {
    expect(validateGrantForm(form({ expiryMode: 'date', expiresDate: '2026-11-26' }), NOW)).toEqual({})
    expect(validateGrantForm(form({ expiryMode: 'date', expiresDate: '2027-11-25' }), NOW)).toEqual({})
    expect(validateGrantForm(form({ expiryMode: 'date', expiresDate: new Date(2026, 11, 1) }), NOW)).toEqual({})
  })

  it('a string that is not a calendar date is invalid', () => {
    expect(validateExpiry('date', '2026-02-30', NOW)).toEqual({ key: 'validation.expiryInvalid' })
    expect(validateExpiry('date', 'tomorrow', NOW)).toEqual({ key: 'validation.expiryInvalid' })
    expect(validateExpiry('date', new Date(Number.NaN), NOW)).toEqual({ key: 'validation.expiryInvalid' })
  })

  it('reports every field at once', () => {
    const errors = validateGrantForm({ operatorId: '', applicationId: null, expiryMode: 'date', expiresDate: '2026-11-20' }, NOW)
    expect(Object.keys(errors).sort()).toEqual(['applicationId', 'expiresDate', 'operatorId'])
  })
})

describe('validateDecisionReason', () => {
  it('blank and whitespace-only reasons are required', () => {
    expect(validateDecisionReason('')).toEqual({ key: 'validation.reasonRequired' })
    expect(validateDecisionReason('   \n\t ')).toEqual({ key: 'validation.reasonRequired' })
  })

  it('up to 500 characters (counted as characters, trimmed) is fine', () => {
    expect(validateDecisionReason('合同到期')).toBeNull()
    expect(validateDecisionReason('撤'.repeat(DECISION_REASON_MAX))).toBeNull()
    expect(validateDecisionReason(`  ${'a'.repeat(DECISION_REASON_MAX)}  `)).toBeNull()
    // astral characters count once each, like Rust's chars()
    expect(validateDecisionReason('😀'.repeat(DECISION_REASON_MAX))).toBeNull()
  })

  it('a reason longer than 500 characters is too long', () => {
    expect(validateDecisionReason('撤'.repeat(DECISION_REASON_MAX + 1))).toEqual({
      key: 'validation.tooLong',
      params: { max: 500 },
    })
  })
})

describe('expiryEndOfDay', () => {
  it('is 23:59:59 local time of that day, sent as ISO', () => {
    const iso = expiryEndOfDay('2026-12-25')
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    const d = new Date(iso)
    expect([d.getFullYear(), d.getMonth(), d.getDate()]).toEqual([2026, 11, 25])
    expect([d.getHours(), d.getMinutes(), d.getSeconds()]).toEqual([23, 59, 59])
  })

  it('takes a Date too, whatever its time of day', () => {
    expect(expiryEndOfDay(new Date(2027, 0, 5, 8, 15))).toBe(new Date(2027, 0, 5, 23, 59, 59).toISOString())
  })

  it('refuses a string that is not a date', () => {
    expect(() => expiryEndOfDay('2026-13-01')).toThrow()
  })
})

describe('date helpers', () => {
  it('the picker disables today and earlier', () => {
    expect(isBeforeTomorrow(new Date(2026, 10, 25), NOW)).toBe(true)
    expect(isBeforeTomorrow(new Date(2026, 10, 24), NOW)).toBe(true)
    expect(isBeforeTomorrow(new Date(2026, 10, 26), NOW)).toBe(false)
  })

  it('quick buttons: today + N days as a local date', () => {
    expect(localDateAfter(30, NOW)).toBe('2026-12-25')
    expect(localDateAfter(90, NOW)).toBe('2027-02-23')
    expect(localDateAfter(365, NOW)).toBe('2027-11-25')
    expect(validateExpiry('date', localDateAfter(30, NOW), NOW)).toBeNull()
  })

  it('local dates round-trip and days are counted by calendar day', () => {
    expect(toLocalDate(new Date(2026, 0, 9))).toBe('2026-01-09')
    expect(parseLocalDate('2026-01-09')?.getTime()).toBe(new Date(2026, 0, 9).getTime())
    expect(parseLocalDate('2026-1-9')).toBeNull()
    expect(daysUntil(new Date(2026, 10, 28, 1).toISOString(), NOW)).toBe(3)
    expect(daysUntil(new Date(2026, 10, 25, 23).toISOString(), NOW)).toBe(0)
    expect(daysUntil(null, NOW)).toBeNull()
  })
})
