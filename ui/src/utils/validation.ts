// Client-side mirrors of crates/domain/src/validate.rs: the server stays authoritative,
// these only spare the user a round trip. Each returns an i18n key or null when valid.

import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { Role } from '@/api/generated/Role'
import type { Tier } from '@/api/generated/Tier'
import { parseLocalDate, startOfLocalDay } from '@/utils/datetime'
import { compareDecimal, formatMoney } from '@/utils/money'

export type RuleResult = string | null

export function validateUsername(s: string): RuleResult {
  if (s.length === 0) return 'validation.usernameRequired'
  const ok = s.length >= 3 && s.length <= 32 && /^[A-Za-z][A-Za-z0-9_]*$/.test(s)
  return ok ? null : 'validation.usernameFormat'
}

export function validatePassword(s: string): RuleResult {
  if (s.length === 0) return 'validation.passwordRequired'
  const len = [...s].length
  const ok = len >= 8 && len <= 64 && /[A-Za-z]/.test(s) && /[0-9]/.test(s)
  return ok ? null : 'validation.passwordFormat'
}

export function validateConfirm(password: string, confirm: string): RuleResult {
  if (confirm.length === 0) return 'validation.confirmRequired'
  return confirm === password ? null : 'validation.confirmMismatch'
}

function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(s)
}

export function validateDisplayName(s: string): RuleResult {
  const t = s.trim()
  if (t.length === 0) return 'validation.displayNameRequired'
  return [...t].length <= 64 && !hasControl(t) ? null : 'validation.displayNameFormat'
}

/** Optional; when given, the same shape as a display name. */
export function validateContactName(s: string): RuleResult {
  const t = s.trim()
  if (t.length === 0) return null
  return [...t].length <= 64 && !hasControl(t) ? null : 'validation.contactNameFormat'
}

/** Mainland mobile (1[3-9] + 9 digits) or a landline such as 010-12345678. */
export function validatePhone(s: string): RuleResult {
  const t = s.trim()
  if (t.length === 0) return 'validation.phoneRequired'
  const mobile = /^1[3-9][0-9]{9}$/.test(t)
  const digits = (t.match(/[0-9]/g) ?? []).length
  const dashes = (t.match(/-/g) ?? []).length
  const landline =
    digits >= 10 && digits <= 12 && t.startsWith('0') && /^[0-9-]+$/.test(t) && dashes <= 2
  return mobile || landline ? null : 'validation.phoneFormat'
}

export function validateEmail(s: string): RuleResult {
  const t = s.trim()
  if (t.length === 0) return 'validation.emailRequired'
  const at = t.indexOf('@')
  const local = at >= 0 ? t.slice(0, at) : ''
  const domain = at >= 0 ? t.slice(at + 1) : ''
  const ok =
    t.length <= 254 &&
    !/\s/.test(t) &&
    at > 0 &&
    local.length > 0 &&
    !domain.includes('@') &&
    domain.includes('.') &&
    !domain.startsWith('.') &&
    !domain.endsWith('.')
  return ok ? null : 'validation.emailFormat'
}

export interface RegisterForm {
  username: string
  password: string
  confirm: string
  display_name: string
  contact_name: string
  phone: string
  email: string
}

export type RegisterErrors = Partial<Record<keyof RegisterForm, string>>

/** All field errors of the registration form (i18n keys); empty object when valid. */
export function validateRegisterForm(f: RegisterForm): RegisterErrors {
  const checks: [keyof RegisterForm, RuleResult][] = [
    ['username', validateUsername(f.username)],
    ['password', validatePassword(f.password)],
    ['confirm', validateConfirm(f.password, f.confirm)],
    ['display_name', validateDisplayName(f.display_name)],
    ['contact_name', validateContactName(f.contact_name)],
    ['phone', validatePhone(f.phone)],
    ['email', validateEmail(f.email)],
  ]
  const errors: RegisterErrors = {}
  for (const [field, err] of checks) if (err) errors[field] = err
  return errors
}

// ----- sites (mirrors crates/core/src/operator.rs `site_fields`) -----

export const SITE_NAME_MAX = 64
export const SITE_ADDRESS_MAX = 200
export const SITE_CONTACT_NAME_MAX = 32
export const SITE_CONTACT_PHONE_MAX = 20
export const SITE_DESCRIPTION_MAX = 500

export interface SiteForm {
  name: string
  address: string
  contact_name: string
  contact_phone: string
  description: string
}

/** An i18n key and its parameters. */
export interface FieldError {
  key: string
  params?: Record<string, unknown>
}

export type SiteErrors = Partial<Record<keyof SiteForm, FieldError>>

function chars(s: string): number {
  return [...s.trim()].length
}

/**
 * All field errors of the site form. `takenNames` are the names of the other sites (a name is
 * unique among the operator's sites, the queued ones included).
 */
export function validateSiteForm(f: SiteForm, takenNames: readonly string[] = []): SiteErrors {
  const errors: SiteErrors = {}
  const name = f.name.trim()
  if (name.length === 0) errors.name = { key: 'validation.siteNameRequired' }
  else if (chars(name) > SITE_NAME_MAX) errors.name = { key: 'validation.siteNameTooLong' }
  else if (takenNames.includes(name)) errors.name = { key: 'validation.siteNameTaken' }
  const max: [keyof SiteForm, number][] = [
    ['address', SITE_ADDRESS_MAX],
    ['contact_name', SITE_CONTACT_NAME_MAX],
    ['description', SITE_DESCRIPTION_MAX],
  ]
  for (const [k, n] of max) {
    if (chars(f[k]) > n) errors[k] = { key: 'validation.tooLong', params: { max: n } }
  }
  const phone = f.contact_phone.trim()
  if (phone.length > SITE_CONTACT_PHONE_MAX) {
    errors.contact_phone = { key: 'validation.tooLong', params: { max: SITE_CONTACT_PHONE_MAX } }
  } else if (phone.length > 0 && validatePhone(phone)) {
    errors.contact_phone = { key: 'validation.phoneFormat' }
  }
  return errors
}

/** Trimmed, blank → null: what the core stores. */
export function optionalText(s: string): string | null {
  const t = s.trim()
  return t.length > 0 ? t : null
}

// ----- admin decisions (mirror crates/core/src/admin.rs `check_reason` / `check_expiry`) -----

/** A revoke or reject reason: required, at most this many characters (trimmed). */
export const DECISION_REASON_MAX = 500

/** 永久 or 指定日期 (valid through the end of that local day). */
export type ExpiryMode = 'permanent' | 'date'

export interface GrantForm {
  operatorId: string | null
  applicationId: string | null
  expiryMode: ExpiryMode
  /** The last valid day, "YYYY-MM-DD" (local) or a Date; only read when expiryMode is 'date'. */
  expiresDate: string | Date | null
}

export type GrantErrors = Partial<Record<'operatorId' | 'applicationId' | 'expiresDate', FieldError>>

function dayOf(date: string | Date): Date | null {
  if (typeof date === 'string') return parseLocalDate(date)
  return Number.isNaN(date.getTime()) ? null : startOfLocalDay(date)
}

/** The date picker's rule: only tomorrow and later can be picked. */
export function isBeforeTomorrow(date: Date, now: Date = new Date()): boolean {
  return date.getTime() < startOfLocalDay(now, 1).getTime()
}

/** The expiry of a grant or an approval: none when permanent, else a day after today. */
export function validateExpiry(
  mode: ExpiryMode,
  date: string | Date | null,
  now: Date = new Date(),
): FieldError | null {
  if (mode === 'permanent') return null
  if (date === null || date === '') return { key: 'validation.expiryRequired' }
  const day = dayOf(date)
  if (!day) return { key: 'validation.expiryInvalid' }
  return isBeforeTomorrow(day, now) ? { key: 'validation.expiryFuture' } : null
}

/** All field errors of the grant form (i18n keys); empty object when valid. */
export function validateGrantForm(f: GrantForm, now: Date = new Date()): GrantErrors {
  const errors: GrantErrors = {}
  if (!f.operatorId) errors.operatorId = { key: 'validation.grantOperatorRequired' }
  if (!f.applicationId) errors.applicationId = { key: 'validation.grantAppRequired' }
  const expiry = validateExpiry(f.expiryMode, f.expiresDate, now)
  if (expiry) errors.expiresDate = expiry
  return errors
}

/** A revoke / reject reason: required (blank is not a reason), at most 500 characters. */
export function validateDecisionReason(text: string): FieldError | null {
  const n = chars(text)
  if (n === 0) return { key: 'validation.reasonRequired' }
  if (n > DECISION_REASON_MAX) return { key: 'validation.tooLong', params: { max: DECISION_REASON_MAX } }
  return null
}

/**
 * An expiry day → the instant it ends: 23:59:59 local time of that day, as an ISO (UTC)
 * string, which is what the core takes. Throws on a string that is not a "YYYY-MM-DD" date.
 */
export function expiryEndOfDay(date: string | Date): string {
  const day = dayOf(date)
  if (!day) throw new Error(`not a date: ${String(date)}`)
  return new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59).toISOString()
}

// ----- applications (mirror crates/domain/src/application.rs) -----

export const APP_NAME_MAX = 64
export const APP_DESCRIPTION_MAX = 500
export const APP_PLAYERS_MIN = 1
export const APP_PLAYERS_MAX = 100
/** Prices are below 100,000 yuan: at most this many digits before the point. */
const APP_PRICE_INTEGER_DIGITS = 5

/** The headset's `app_id`: a lower-case letter, then 2 to 63 lower-case letters, digits or underscores. */
export const APP_CODE_PATTERN = /^[a-z][a-z0-9_]{2,63}$/

export interface ApplicationForm {
  /** Read on creation only (it cannot change afterwards). */
  code: string
  name: string
  description: string
  /** The decimal text as typed ("25", "25.5", "25.50"). */
  unit_price: string
  /** el-input-number gives null when cleared. */
  min_players: number | null | undefined
  max_players: number | null | undefined
}

export type ApplicationField = keyof ApplicationForm
export type ApplicationErrors = Partial<Record<ApplicationField, FieldError>>

/** The fields the core names in a VALIDATION_FAILED's `details.field`. */
export const APPLICATION_FIELDS: readonly ApplicationField[] = [
  'code',
  'name',
  'description',
  'unit_price',
  'min_players',
  'max_players',
]

export function isApplicationField(value: unknown): value is ApplicationField {
  return typeof value === 'string' && (APPLICATION_FIELDS as readonly string[]).includes(value)
}

export function validateAppCode(s: string): FieldError | null {
  const code = s.trim()
  if (code.length === 0) return { key: 'validation.appCodeRequired' }
  return APP_CODE_PATTERN.test(code) ? null : { key: 'validation.appCodeFormat' }
}

/**
 * A unit price as typed: a positive decimal of at most 2 places, below 100,000. Checked on the
 * text (never through a float): "25", "25.5", "25.50" pass; "0", "-1", "1.005", "1e3" do not.
 */
export function validateUnitPrice(s: string): FieldError | null {
  const text = s.trim()
  if (text.length === 0) return { key: 'validation.appPriceRequired' }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (!m) return { key: 'validation.appPriceFormat' }
  const integer = m[1]!
  const fraction = m[2] ?? ''
  if (fraction.length > 2) return { key: 'validation.appPricePlaces' }
  if (/^0+$/.test(integer) && /^0*$/.test(fraction)) return { key: 'validation.appPricePositive' }
  if (integer.replace(/^0+/, '').length > APP_PRICE_INTEGER_DIGITS) return { key: 'validation.appPriceTooHigh' }
  return null
}

function isPlayerCount(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= APP_PLAYERS_MIN && n <= APP_PLAYERS_MAX
}

/**
 * All field errors of the application form (i18n keys); empty object when valid. The code is
 * only checked on creation (`editing: false`): it is shown read-only afterwards.
 */
export function validateApplicationForm(f: ApplicationForm, opts: { editing: boolean }): ApplicationErrors {
  const errors: ApplicationErrors = {}
  if (!opts.editing) {
    const code = validateAppCode(f.code)
    if (code) errors.code = code
  }
  const name = f.name.trim()
  if (name.length === 0) errors.name = { key: 'validation.appNameRequired' }
  else if (chars(name) > APP_NAME_MAX) errors.name = { key: 'validation.tooLong', params: { max: APP_NAME_MAX } }
  if (chars(f.description) > APP_DESCRIPTION_MAX) {
    errors.description = { key: 'validation.tooLong', params: { max: APP_DESCRIPTION_MAX } }
  }
  const price = validateUnitPrice(f.unit_price)
  if (price) errors.unit_price = price
  const range = { key: 'validation.appPlayersRange', params: { min: APP_PLAYERS_MIN, max: APP_PLAYERS_MAX } }
  const minOk = isPlayerCount(f.min_players)
  if (!minOk) errors.min_players = range
  if (!isPlayerCount(f.max_players)) errors.max_players = range
  else if (minOk && f.min_players! > f.max_players) errors.max_players = { key: 'validation.appPlayersOrder' }
  return errors
}

// ----- announcements (mirror crates/domain/src/validate.rs `announcement`) -----

export const ANNOUNCEMENT_TITLE_MAX = 100
export const ANNOUNCEMENT_BODY_MAX = 2000

/** 全部运营商 or 指定等级 (one tier). */
export type AnnouncementAudience = 'all' | 'tier'

export interface AnnouncementForm {
  title: string
  body: string
  audience: AnnouncementAudience
  /** Only read when audience is 'tier'. */
  tier: Tier | null
}

export type AnnouncementField = 'title' | 'body' | 'tier'
export type AnnouncementErrors = Partial<Record<AnnouncementField, FieldError>>

/** The fields the core names in a VALIDATION_FAILED's `details.field`. */
export function isAnnouncementField(value: unknown): value is 'title' | 'body' {
  return value === 'title' || value === 'body'
}

/**
 * All field errors of the publish form (i18n keys); empty object when valid. Title and body are
 * required and counted as characters after trimming, as the core does; 指定等级 needs a tier.
 */
export function validateAnnouncementForm(f: AnnouncementForm): AnnouncementErrors {
  const errors: AnnouncementErrors = {}
  const title = chars(f.title)
  if (title === 0) errors.title = { key: 'validation.announcementTitleRequired' }
  else if (title > ANNOUNCEMENT_TITLE_MAX) errors.title = { key: 'validation.tooLong', params: { max: ANNOUNCEMENT_TITLE_MAX } }
  const body = chars(f.body)
  if (body === 0) errors.body = { key: 'validation.announcementBodyRequired' }
  else if (body > ANNOUNCEMENT_BODY_MAX) errors.body = { key: 'validation.tooLong', params: { max: ANNOUNCEMENT_BODY_MAX } }
  if (f.audience === 'tier' && !f.tier) errors.tier = { key: 'validation.announcementTierRequired' }
  return errors
}

// ----- field errors the core or the server sent back -----

/**
 * A refused form's field messages, from an ErrorBody: VALIDATION_FAILED names one field
 * (`details.field`: the message is that field's) or several (`details.fields`: name → reason);
 * USERNAME_TAKEN is the username's, WEAK_PASSWORD the password's. Only `fields` are kept; null
 * when none of them is named (the form then shows the message as a whole).
 */
export function serverFieldErrors<F extends string>(
  body: ErrorBody,
  fields: readonly F[],
): Partial<Record<F, string>> | null {
  const known = (name: unknown): name is F => typeof name === 'string' && (fields as readonly string[]).includes(name)
  const out: Partial<Record<F, string>> = {}
  const username: unknown = 'username'
  const password: unknown = 'password'
  if (body.code === 'USERNAME_TAKEN' && known(username)) out[username] = body.message
  else if (body.code === 'WEAK_PASSWORD' && known(password)) out[password] = body.message
  else if (body.code === 'VALIDATION_FAILED') {
    const details = body.details ?? {}
    const many = details.fields
    if (typeof many === 'object' && many !== null) {
      for (const [name, reason] of Object.entries(many as Record<string, unknown>)) {
        if (known(name)) out[name] = typeof reason === 'string' && reason.trim() ? reason : body.message
      }
    }
    if (known(details.field)) out[details.field] = body.message
  }
  return Object.keys(out).length > 0 ? out : null
}

function rule(key: RuleResult): FieldError | null {
  return key ? { key } : null
}

// ----- staff accounts (员工账号; mirror crates/domain/src/validate.rs) -----

/** Every role a staff account can have (not `operator`: operators register themselves). */
export const STAFF_ROLES: readonly Role[] = ['super_admin', 'admin', 'accountant', 'manager', 'auditor', 'analyst']
export const STAFF_DISPLAY_NAME_MAX = 64

export interface StaffForm {
  username: string
  display_name: string
  role: Role | null
  password: string
  confirm: string
}

export type StaffField = keyof StaffForm
export type StaffErrors = Partial<Record<StaffField, FieldError>>
export const STAFF_FIELDS: readonly StaffField[] = ['username', 'display_name', 'role', 'password', 'confirm']

export function validateStaffDisplayName(s: string): FieldError | null {
  const n = chars(s)
  if (n === 0) return { key: 'validation.staffNameRequired' }
  if (n > STAFF_DISPLAY_NAME_MAX || hasControl(s.trim())) {
    return { key: 'validation.tooLong', params: { max: STAFF_DISPLAY_NAME_MAX } }
  }
  return null
}

/** All field errors of the 新建员工 form; empty object when valid. */
export function validateStaffForm(f: StaffForm): StaffErrors {
  const errors: StaffErrors = {}
  const checks: [StaffField, FieldError | null][] = [
    ['username', rule(validateUsername(f.username.trim()))],
    ['display_name', validateStaffDisplayName(f.display_name)],
    ['role', f.role && STAFF_ROLES.includes(f.role) ? null : { key: 'validation.staffRoleRequired' }],
  ]
  for (const [field, err] of checks) if (err) errors[field] = err
  // the password and its confirmation follow the same rules as 重置密码
  return { ...errors, ...validatePasswordForm(f) }
}

export interface PasswordForm {
  password: string
  confirm: string
}

export type PasswordErrors = Partial<Record<keyof PasswordForm, FieldError>>

/** A new password and its confirmation (重置密码). */
export function validatePasswordForm(f: PasswordForm): PasswordErrors {
  const errors: PasswordErrors = {}
  const password = rule(validatePassword(f.password))
  if (password) errors.password = password
  const confirm = rule(validateConfirm(f.password, f.confirm))
  if (confirm) errors.confirm = confirm
  return errors
}

// ----- operator accounts (运营商管理: 新建 / 编辑) -----

export const TIERS: readonly Tier[] = ['trial', 'standard', 'vip']

export interface OperatorForm {
  /** Read on creation only (it cannot change afterwards). */
  username: string
  /** Read on creation only (an admin never sees or sets an operator's password afterwards). */
  password: string
  display_name: string
  contact_name: string
  phone: string
  email: string
  tier: Tier | null
}

export type OperatorField = keyof OperatorForm
export type OperatorErrors = Partial<Record<OperatorField, FieldError>>
export const OPERATOR_FIELDS: readonly OperatorField[] = [
  'username',
  'password',
  'display_name',
  'contact_name',
  'phone',
  'email',
  'tier',
]

/**
 * All field errors of the operator form; empty object when valid. Username and password are
 * only checked on creation (`editing: false`): the username is read-only afterwards and an edit
 * carries no password.
 */
export function validateOperatorForm(f: OperatorForm, opts: { editing: boolean }): OperatorErrors {
  const errors: OperatorErrors = {}
  const checks: [OperatorField, FieldError | null][] = [
    ['display_name', rule(validateDisplayName(f.display_name))],
    ['contact_name', rule(validateContactName(f.contact_name))],
    ['phone', rule(validatePhone(f.phone))],
    ['email', rule(validateEmail(f.email))],
    ['tier', f.tier && TIERS.includes(f.tier) ? null : { key: 'validation.tierRequired' }],
  ]
  if (!opts.editing) {
    checks.unshift(['username', rule(validateUsername(f.username.trim()))], ['password', rule(validatePassword(f.password))])
  }
  for (const [field, err] of checks) if (err) errors[field] = err
  return errors
}

// ----- 充值 (mirror the server's checks of a recharge amount) -----

/** The payment channels a recharge may use, in the order the form shows them. */
export const RECHARGE_CHANNELS = ['alipay', 'wechat'] as const
export type RechargeChannelName = (typeof RECHARGE_CHANNELS)[number]

export function isRechargeChannel(value: unknown): value is RechargeChannelName {
  return typeof value === 'string' && (RECHARGE_CHANNELS as readonly string[]).includes(value)
}

/** The smallest and largest amount of one recharge (decimal strings, from the options). */
export interface AmountLimits {
  min: string
  max: string
}

const AMOUNT_PATTERN = /^(\d+)(?:\.(\d+))?$/

/**
 * A recharge amount as typed: a decimal above 0 with at most 2 places and, when the limits are
 * known, between them (both included). Checked on the text, never through a float: "100",
 * "100.5", "100.50" pass; "0", "0.001", "-1", "abc", "1e3" do not.
 */
export function validateRechargeAmount(s: string, limits: AmountLimits | null): FieldError | null {
  const text = s.trim()
  if (text.length === 0) return { key: 'validation.rechargeAmountRequired' }
  const m = AMOUNT_PATTERN.exec(text)
  if (!m) return { key: 'validation.rechargeAmountFormat' }
  const fraction = m[2] ?? ''
  if (fraction.length > 2) return { key: 'validation.rechargeAmountPlaces' }
  if (compareDecimal(text, '0') !== 1) return { key: 'validation.rechargeAmountPositive' }
  if (limits) {
    if (compareDecimal(text, limits.min) === -1) {
      return { key: 'validation.rechargeAmountMin', params: { min: formatMoney(limits.min) } }
    }
    if (compareDecimal(text, limits.max) === 1) {
      return { key: 'validation.rechargeAmountMax', params: { max: formatMoney(limits.max) } }
    }
  }
  return null
}

/** A valid amount as the server's Money: "100" → "100.00", "007.5" → "7.50" (text only). */
export function normalizeAmount(s: string): string {
  const m = AMOUNT_PATTERN.exec(s.trim())
  if (!m) return s.trim()
  const integer = m[1]!.replace(/^0+(?=\d)/, '')
  return `${integer}.${(m[2] ?? '').padEnd(2, '0')}`
}
