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
