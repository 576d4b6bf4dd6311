// Timestamps arrive as RFC 3339 strings (UTC); show them in the user's local time.

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** "2026-11-25T09:20:00Z" → "2026-11-25 17:20" (local time); unparsable → as given. */
export function formatDateTime(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`
  return `${date} ${time}`
}

/** A business date "2026-11-25" is shown as is. */
export function formatDate(date: string | null | undefined): string {
  return date ? date : '—'
}

const DAY_MS = 86_400_000

/** A Date → its local calendar day "2026-11-25". */
export function toLocalDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** "2026-11-25" → local midnight of that day; null when it is not a real date. */
export function parseLocalDate(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim())
  if (!m) return null
  const [y, mo, d] = [parseInt(m[1]!, 10), parseInt(m[2]!, 10), parseInt(m[3]!, 10)]
  const date = new Date(y, mo - 1, d)
  return date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d ? date : null
}

/** Local midnight of `now`'s day plus `days` days (calendar days: DST-safe). */
export function startOfLocalDay(now: Date, days = 0): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + days)
}

/** The local day `days` days after today, "YYYY-MM-DD" (quick expiry buttons). */
export function localDateAfter(days: number, now: Date = new Date()): string {
  return toLocalDate(startOfLocalDay(now, days))
}

/**
 * Whole calendar days from today until the local day of `iso` (0 = ends today, negative =
 * already past); null when missing or unparsable.
 */
export function daysUntil(iso: string | null | undefined, now: Date = new Date()): number | null {
  if (!iso) return null
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return null
  return Math.round((startOfLocalDay(d).getTime() - startOfLocalDay(now).getTime()) / DAY_MS)
}
