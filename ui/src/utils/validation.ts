// Client-side mirrors of crates/domain/src/validate.rs: the server stays authoritative,
// these only spare the user a round trip. Each returns an i18n key or null when valid.

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
