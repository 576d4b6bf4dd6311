// The admin forms' pure helpers: grant form, reasons, the end-of-day expiry, the
// application form (应用管理) and the announcement form (公告管理).
import { describe, expect, it } from 'vitest'
import { daysUntil, localDateAfter, parseLocalDate, toLocalDate } from '@/utils/datetime'
import { applyLocale, i18n } from '@/i18n'
import { describeCommand } from '@/utils/commands'
import { compareDecimal } from '@/utils/money'
import {
  ANNOUNCEMENT_BODY_MAX,
  ANNOUNCEMENT_TITLE_MAX,
  DECISION_REASON_MAX,
  expiryEndOfDay,
  isAnnouncementField,
  isApplicationField,
  isBeforeTomorrow,
  validateAnnouncementForm,
  validateAppCode,
  validateApplicationForm,
  validateDecisionReason,
  validateExpiry,
  validateGrantForm,
  validateUnitPrice,
  type AnnouncementForm,
  type ApplicationForm,
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

// ----- 应用管理 -----

function appForm(extra: Partial<ApplicationForm> = {}): ApplicationForm {
  return {
    code: 'star_quest2',
    name: '星际探索',
    description: '',
    unit_price: '25.00',
    min_players: 1,
    max_players: 6,
    ...extra,
  }
}

describe('validateApplicationForm', () => {
  it('a complete form is valid, on creation and on edit', () => {
    expect(validateApplicationForm(appForm(), { editing: false })).toEqual({})
    expect(validateApplicationForm(appForm(), { editing: true })).toEqual({})
  })

  it('the code follows the headset rule on creation', () => {
    for (const ok of ['abc', 'star_quest2', ' star_rescue ', `a${'b'.repeat(63)}`]) {
      expect(validateAppCode(ok), ok).toBeNull()
    }
    expect(validateAppCode('')).toEqual({ key: 'validation.appCodeRequired' })
    expect(validateAppCode('   ')).toEqual({ key: 'validation.appCodeRequired' })
    for (const bad of ['ab', 'Star', '1abc', '_abc', 'star-quest', 'star quest', '星际', `a${'b'.repeat(64)}`]) {
      expect(validateAppCode(bad), bad).toEqual({ key: 'validation.appCodeFormat' })
    }
    expect(validateApplicationForm(appForm({ code: 'Bad' }), { editing: false }).code).toEqual({
      key: 'validation.appCodeFormat',
    })
  })

  it('the code is not checked when editing (it is read-only there)', () => {
    expect(validateApplicationForm(appForm({ code: '' }), { editing: true })).toEqual({})
  })

  it('the name is required after trimming and at most 64 characters', () => {
    expect(validateApplicationForm(appForm({ name: '   ' }), { editing: false }).name).toEqual({
      key: 'validation.appNameRequired',
    })
    expect(validateApplicationForm(appForm({ name: `  ${'星'.repeat(64)}  ` }), { editing: false })).toEqual({})
    expect(validateApplicationForm(appForm({ name: '星'.repeat(65) }), { editing: false }).name).toEqual({
      key: 'validation.tooLong',
      params: { max: 64 },
    })
  })

  it('the description is optional, at most 500 characters', () => {
    expect(validateApplicationForm(appForm({ description: '简'.repeat(500) }), { editing: false })).toEqual({})
    expect(validateApplicationForm(appForm({ description: '简'.repeat(501) }), { editing: false }).description).toEqual({
      key: 'validation.tooLong',
      params: { max: 500 },
    })
  })

  it('unit prices: positive, at most 2 decimals, below 100000, checked on the text', () => {
    for (const ok of ['25', '25.5', '25.50', ' 0.01 ', '99999.99', '007.10']) {
      expect(validateUnitPrice(ok), ok).toBeNull()
    }
    expect(validateUnitPrice('')).toEqual({ key: 'validation.appPriceRequired' })
    expect(validateUnitPrice('0')).toEqual({ key: 'validation.appPricePositive' })
    expect(validateUnitPrice('0.00')).toEqual({ key: 'validation.appPricePositive' })
    expect(validateUnitPrice('1.005')).toEqual({ key: 'validation.appPricePlaces' })
    expect(validateUnitPrice('100000')).toEqual({ key: 'validation.appPriceTooHigh' })
    expect(validateUnitPrice('100000.00')).toEqual({ key: 'validation.appPriceTooHigh' })
    for (const bad of ['-1', 'abc', '1e3', '25.', '.5', '1,000', '¥25', '25 元', '+5']) {
      expect(validateUnitPrice(bad), bad).toEqual({ key: 'validation.appPriceFormat' })
    }
    expect(validateApplicationForm(appForm({ unit_price: '1.005' }), { editing: true }).unit_price).toEqual({
      key: 'validation.appPricePlaces',
    })
  })

  it('player counts are whole numbers 1–100 with min ≤ max', () => {
    const range = { key: 'validation.appPlayersRange', params: { min: 1, max: 100 } }
    expect(validateApplicationForm(appForm({ min_players: 4, max_players: 4 }), { editing: false })).toEqual({})
    expect(validateApplicationForm(appForm({ min_players: 1, max_players: 100 }), { editing: false })).toEqual({})
    expect(validateApplicationForm(appForm({ min_players: 0 }), { editing: false }).min_players).toEqual(range)
    expect(validateApplicationForm(appForm({ max_players: 101 }), { editing: false }).max_players).toEqual(range)
    expect(validateApplicationForm(appForm({ min_players: 1.5 }), { editing: false }).min_players).toEqual(range)
    expect(validateApplicationForm(appForm({ min_players: null, max_players: undefined }), { editing: false })).toEqual({
      min_players: range,
      max_players: range,
    })
    expect(validateApplicationForm(appForm({ min_players: 5, max_players: 4 }), { editing: false })).toEqual({
      max_players: { key: 'validation.appPlayersOrder' },
    })
  })

  it('reports every field at once', () => {
    const errors = validateApplicationForm(
      { code: '1', name: '', description: 'x'.repeat(501), unit_price: 'abc', min_players: 0, max_players: 0 },
      { editing: false },
    )
    expect(Object.keys(errors).sort()).toEqual(['code', 'description', 'max_players', 'min_players', 'name', 'unit_price'])
  })

  it('knows the fields the core names in its errors', () => {
    expect(isApplicationField('unit_price')).toBe(true)
    expect(isApplicationField('reason')).toBe(false)
    expect(isApplicationField(undefined)).toBe(false)
  })
})

describe('compareDecimal (price changes)', () => {
  it('compares decimal strings exactly, whatever their scale', () => {
    expect(compareDecimal('25', '25.00')).toBe(0)
    expect(compareDecimal('025.5', '25.50')).toBe(0)
    expect(compareDecimal('9.90', '12.00')).toBe(-1)
    expect(compareDecimal('12.00', '9.90')).toBe(1)
    expect(compareDecimal('0.1', '0.09')).toBe(1)
    expect(compareDecimal('99999.99', '100000')).toBe(-1)
    expect(compareDecimal('-1', '0')).toBe(-1)
    expect(compareDecimal('-2', '-1.5')).toBe(-1)
    expect(compareDecimal('-0', '0.00')).toBe(0)
    // beyond what a float can tell apart
    expect(compareDecimal('12345678901234567.01', '12345678901234567.02')).toBe(-1)
  })

  it('is null when either side is not a decimal', () => {
    expect(compareDecimal('abc', '1')).toBeNull()
    expect(compareDecimal('1', null)).toBeNull()
    expect(compareDecimal('', '1')).toBeNull()
  })
})

describe('应用管理 in the sync views', () => {
  const t = (key: string, params?: Record<string, unknown>) => i18n.global.t(key, params ?? {})

  it('names the queued application commands and the price history entity', () => {
    applyLocale('zh-CN')
    expect(describeCommand(t, 'application.create', { name: '太空竞速', code: 'space_race' })).toBe('新建应用「太空竞速」')
    expect(describeCommand(t, 'application.update', { application_id: 'x', name: '丛林探险' })).toBe('修改应用「丛林探险」')
    expect(describeCommand(t, 'application.set_active', { application_id: 'x', active: false })).toBe('下架应用')
    expect(describeCommand(t, 'application.set_active', { application_id: 'x', active: true })).toBe('上架应用')
    expect(t('sync.entity.application_price')).toBe('价格历史')
    applyLocale('en')
    expect(t('sync.entity.application_price')).toBe('Price history')
    expect(describeCommand(t, 'application.set_active', { application_id: 'x', active: false })).toBe('Unlist an application')
    applyLocale('zh-CN')
  })
})

describe('validateAnnouncementForm', () => {
  const valid: AnnouncementForm = { title: '平台维护通知', body: '周六凌晨维护', audience: 'all', tier: null }

  it('a titled, written announcement to every operator is valid', () => {
    expect(validateAnnouncementForm(valid)).toEqual({})
    expect(validateAnnouncementForm({ ...valid, audience: 'tier', tier: 'vip' })).toEqual({})
  })

  it('a blank or whitespace-only title and body are required', () => {
    expect(validateAnnouncementForm({ ...valid, title: '' })).toEqual({ title: { key: 'validation.announcementTitleRequired' } })
    expect(validateAnnouncementForm({ ...valid, title: '  \n\t ' }).title).toEqual({ key: 'validation.announcementTitleRequired' })
    expect(validateAnnouncementForm({ ...valid, body: '   ' })).toEqual({ body: { key: 'validation.announcementBodyRequired' } })
  })

  it('the title is at most 100 characters and the body 2000, counted trimmed and by character', () => {
    expect(validateAnnouncementForm({ ...valid, title: '公'.repeat(ANNOUNCEMENT_TITLE_MAX) })).toEqual({})
    expect(validateAnnouncementForm({ ...valid, title: ` ${'a'.repeat(ANNOUNCEMENT_TITLE_MAX)} ` })).toEqual({})
    expect(validateAnnouncementForm({ ...valid, title: '😀'.repeat(ANNOUNCEMENT_TITLE_MAX) })).toEqual({})
    expect(validateAnnouncementForm({ ...valid, title: '公'.repeat(ANNOUNCEMENT_TITLE_MAX + 1) })).toEqual({
      title: { key: 'validation.tooLong', params: { max: 100 } },
    })
    expect(validateAnnouncementForm({ ...valid, body: '文'.repeat(ANNOUNCEMENT_BODY_MAX) })).toEqual({})
    expect(validateAnnouncementForm({ ...valid, body: '文'.repeat(ANNOUNCEMENT_BODY_MAX + 1) })).toEqual({
      body: { key: 'validation.tooLong', params: { max: 2000 } },
    })
  })

  it('指定等级 needs a tier; 全部运营商 ignores whatever tier is left', () => {
    expect(validateAnnouncementForm({ ...valid, audience: 'tier', tier: null })).toEqual({
      tier: { key: 'validation.announcementTierRequired' },
    })
    expect(validateAnnouncementForm({ ...valid, audience: 'all', tier: 'trial' })).toEqual({})
  })

  it('reports every field at once', () => {
    const errors = validateAnnouncementForm({ title: '', body: '', audience: 'tier', tier: null })
    expect(Object.keys(errors).sort()).toEqual(['body', 'tier', 'title'])
  })

  it('knows the fields the core names in its errors', () => {
    expect(isAnnouncementField('title')).toBe(true)
    expect(isAnnouncementField('body')).toBe(true)
    expect(isAnnouncementField('tier')).toBe(false)
    expect(isAnnouncementField(undefined)).toBe(false)
  })

  it('names the queued publication in the sync views', () => {
    applyLocale('zh-CN')
    const t = (key: string, params?: Record<string, unknown>) => i18n.global.t(key, params ?? {})
    expect(describeCommand(t, 'announcement.publish', { announcement_id: 'x', title: '平台维护通知', body: '…' })).toBe(
      '发布公告「平台维护通知」',
    )
    applyLocale('en')
    expect(describeCommand(t, 'announcement.publish', { title: 'Maintenance' })).toBe('Publish announcement “Maintenance”')
    applyLocale('zh-CN')
  })
})
