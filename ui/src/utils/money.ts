// Money arrives from Rust as a decimal STRING ("1234.5", "-20.00"). It is formatted by string
// manipulation only: never converted to a JS number, so no binary rounding can creep in.

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/

/** Insert thousands separators into a run of digits: "1234567" → "1,234,567". */
export function groupThousands(digits: string, separator = ','): string {
  let out = ''
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += separator
    out += digits[i]
  }
  return out
}

export interface MoneyParts {
  negative: boolean
  /** Integer part with separators, no sign. */
  integer: string
  /** At least two fraction digits; more are kept as given (never rounded away). */
  fraction: string
}

/** Split a decimal string into display parts, or null when it is not a plain decimal. */
export function moneyParts(value: string | null | undefined): MoneyParts | null {
  if (value === null || value === undefined) return null
  const m = DECIMAL.exec(value.trim())
  if (!m) return null
  const [, sign, intRaw = '', fracRaw = ''] = m
  if (intRaw === '' && fracRaw === '') return null
  const intDigits = intRaw.replace(/^0+(?=\d)/, '') || '0'
  const fraction = fracRaw.length >= 2 ? fracRaw : fracRaw.padEnd(2, '0')
  const isZero = /^0*$/.test(intDigits) && /^0*$/.test(fraction)
  return {
    negative: sign === '-' && !isZero,
    integer: groupThousands(intDigits),
    fraction,
  }
}

/**
 * "1234.5" → "¥ 1,234.50"; "-20" → "-¥ 20.00"; with `symbol: false` → "1,234.50".
 * Anything that is not a decimal string is shown unchanged (or "—" when missing).
 */
export function formatMoney(
  value: string | null | undefined,
  opts: { symbol?: boolean } = {},
): string {
  const parts = moneyParts(value)
  if (!parts) return value === null || value === undefined || value.trim() === '' ? '—' : value
  const symbol = opts.symbol === false ? '' : '¥ '
  return `${parts.negative ? '-' : ''}${symbol}${parts.integer}.${parts.fraction}`
}

/** Whole counts (sessions, operators): integers only, grouped the same way. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const digits = String(Math.trunc(Math.abs(value)))
  return `${value < 0 ? '-' : ''}${groupThousands(digits)}`
}

/**
 * Compares two decimal strings exactly ("25" equals "25.00"): -1, 0 or 1, or null when either
 * is not a plain decimal. String logic only, like the rest of this file.
 */
export function compareDecimal(a: string | null | undefined, b: string | null | undefined): -1 | 0 | 1 | null {
  const x = decimalKey(a)
  const y = decimalKey(b)
  if (!x || !y) return null
  if (x.negative !== y.negative) return x.negative ? -1 : 1
  const sign = x.negative ? -1 : 1
  if (x.integer.length !== y.integer.length) return ((x.integer.length < y.integer.length ? -1 : 1) * sign) as -1 | 1
  const width = Math.max(x.fraction.length, y.fraction.length)
  const dx = x.integer + x.fraction.padEnd(width, '0')
  const dy = y.integer + y.fraction.padEnd(width, '0')
  if (dx === dy) return 0
  return ((dx < dy ? -1 : 1) * sign) as -1 | 1
}

function decimalKey(value: string | null | undefined): { negative: boolean; integer: string; fraction: string } | null {
  if (value === null || value === undefined) return null
  const m = DECIMAL.exec(value.trim())
  if (!m) return null
  const [, sign, intRaw = '', fracRaw = ''] = m
  if (intRaw === '' && fracRaw === '') return null
  const integer = intRaw.replace(/^0+/, '')
  const fraction = fracRaw.replace(/0+$/, '')
  return { negative: sign === '-' && (integer !== '' || fraction !== ''), integer, fraction }
}
