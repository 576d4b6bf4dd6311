// 统计分析's pure helpers: the date range (China calendar days), the time buckets of the site
// series (gaps filled with zero), revenue shares and the cross-analysis matrices. Money stays a
// decimal string: shares are computed on scaled integers (BigInt), never through a float, and the
// charts draw money as whole fen (integers); every label and tooltip shows the exact string.
import type { Granularity } from '@/api/generated/Granularity'
import type { SitePoint } from '@/api/generated/SitePoint'
import type { Statistics } from '@/api/generated/Statistics'
import type { FieldError } from '@/utils/validation'

/** The server refuses longer ranges (both ends included). */
export const MAX_RANGE_DAYS = 1096
/** The range shown when the page opens: the last 30 days, today included. */
export const DEFAULT_RANGE_DAYS = 30

const DAY_MS = 86_400_000
const CHINA_OFFSET_MS = 8 * 3_600_000
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** "2026-11-25" → days since 1970-01-01 (UTC arithmetic: no DST); null when not a real date. */
export function dayIndex(day: string): number | null {
  const m = DAY_PATTERN.exec(day)
  if (!m) return null
  const [y, mo, d] = [parseInt(m[1]!, 10), parseInt(m[2]!, 10), parseInt(m[3]!, 10)]
  const ms = Date.UTC(y, mo - 1, d)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null
  return Math.round(ms / DAY_MS)
}

/** Days since 1970-01-01 → "YYYY-MM-DD". */
export function dayString(n: number): string {
  const d = new Date(n * DAY_MS)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

export function addDays(day: string, days: number): string {
  const n = dayIndex(day)
  if (n === null) throw new Error(`not a date: ${day}`)
  return dayString(n + days)
}

/** Calendar days from `from` to `to`, both included (0 or less when `to` is before `from`). */
export function rangeDays(from: string, to: string): number {
  const a = dayIndex(from)
  const b = dayIndex(to)
  if (a === null || b === null) return 0
  return b - a + 1
}

/** Today's calendar day in China time (UTC+8), whatever the machine's zone. */
export function chinaToday(now: Date = new Date()): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}

/** The last `days` days, today (China time) included. */
export function lastDaysRange(days: number, today: string): [string, string] {
  return [addDays(today, -(days - 1)), today]
}

/** From 1 January of today's year to today. */
export function thisYearRange(today: string): [string, string] {
  return [`${today.slice(0, 4)}-01-01`, today]
}

export function defaultRange(now: Date = new Date()): [string, string] {
  return lastDaysRange(DEFAULT_RANGE_DAYS, chinaToday(now))
}

/**
 * The range the query may be sent with: both days given and real, `from` ≤ `to`, at most
 * {@link MAX_RANGE_DAYS} days, and not wholly in the future (`from` ≤ today). An i18n key when
 * not, else null.
 */
export function validateRange(
  range: readonly [string, string] | readonly string[] | null | undefined,
  today: string,
): FieldError | null {
  const from = range?.[0] ?? ''
  const to = range?.[1] ?? ''
  if (!from || !to) return { key: 'validation.rangeRequired' }
  if (dayIndex(from) === null || dayIndex(to) === null) return { key: 'validation.rangeInvalid' }
  if (from > to) return { key: 'validation.rangeOrder' }
  if (from > today) return { key: 'validation.rangeFuture' }
  const days = rangeDays(from, to)
  if (days > MAX_RANGE_DAYS) return { key: 'validation.rangeTooLong', params: { max: MAX_RANGE_DAYS, days } }
  return null
}

// ----- time buckets -----

/** The bucket a day falls in: the day itself, its week's Monday, or the 1st of its month. */
export function bucketOf(day: string, granularity: Granularity): string {
  const n = dayIndex(day)
  if (n === null) throw new Error(`not a date: ${day}`)
  if (granularity === 'day') return day
  if (granularity === 'month') return `${day.slice(0, 7)}-01`
  // 1970-01-01 was a Thursday: (n + 3) % 7 is 0 on Mondays
  const sinceMonday = (((n + 3) % 7) + 7) % 7
  return dayString(n - sinceMonday)
}

/** The bucket after `bucket` (which is the first day of one). */
export function nextBucket(bucket: string, granularity: Granularity): string {
  if (granularity === 'day') return addDays(bucket, 1)
  if (granularity === 'week') return addDays(bucket, 7)
  const y = parseInt(bucket.slice(0, 4), 10)
  const m = parseInt(bucket.slice(5, 7), 10)
  return m === 12 ? `${y + 1}-01-01` : `${y}-${pad(m + 1)}-01`
}

/** No range the server answers has more buckets than this (1,096 days). */
const MAX_BUCKETS = MAX_RANGE_DAYS + 7

/**
 * Every bucket from the one holding `from` to the one holding `to`, in order: the x axis of the
 * site comparison. Buckets named in `extra` (the server's points) are merged in, so no point is
 * ever dropped even if it does not fall on the expected grid.
 */
export function bucketAxis(
  from: string,
  to: string,
  granularity: Granularity,
  extra: Iterable<string> = [],
): string[] {
  const out = new Set<string>()
  if (dayIndex(from) !== null && dayIndex(to) !== null && from <= to) {
    const last = bucketOf(to, granularity)
    for (let b = bucketOf(from, granularity); b <= last && out.size < MAX_BUCKETS; b = nextBucket(b, granularity)) {
      out.add(b)
    }
  }
  for (const b of extra) out.add(b)
  return [...out].sort()
}

/** A site's points on the axis: one per bucket, those without sessions as zero. */
export function fillPoints(points: readonly SitePoint[], axis: readonly string[]): SitePoint[] {
  const byBucket = new Map(points.map((p) => [p.bucket, p]))
  return axis.map((bucket) => byBucket.get(bucket) ?? { bucket, sessions: 0, revenue: '0.00' })
}

/** Every bucket any site has a point in. */
export function pointBuckets(stats: Pick<Statistics, 'sites'>): string[] {
  return stats.sites.flatMap((s) => s.points.map((p) => p.bucket))
}

// ----- exact decimal shares -----

/** A decimal string → an integer of 1/10^places units (truncated beyond); null when not a decimal. */
export function scaledDecimal(value: string, places: number): bigint | null {
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(value.trim())
  if (!m) return null
  const [, sign, int = '', frac = ''] = m
  if (int === '' && frac === '') return null
  const digits = `${int || '0'}${frac.padEnd(places, '0').slice(0, places)}`
  const n = BigInt(digits)
  return sign === '-' ? -n : n
}

/**
 * `part` as a percentage of `total`, one decimal, rounded half up: "12.5%". "—" when the total
 * is zero or either is not a decimal. Exact: scaled integers, no float.
 */
export function sharePercent(part: string, total: string): string {
  const places = 4
  const p = scaledDecimal(part, places)
  const t = scaledDecimal(total, places)
  if (p === null || t === null || t === 0n) return '—'
  const negative = p < 0n !== t < 0n && p !== 0n
  const a = p < 0n ? -p : p
  const b = t < 0n ? -t : t
  // tenths of a percent, rounded half up: (a * 1000 / b), rounded
  const tenths = (a * 2000n + b) / (2n * b)
  const text = `${tenths / 10n}.${tenths % 10n}%`
  return negative ? `-${text}` : text
}

/** A count's share of a total count, one decimal: "12.5%" ("—" when the total is zero). */
export function countShare(part: number, total: number): string {
  if (!total) return '—'
  return sharePercent(String(part), String(total))
}

/** Money as a chart value: whole fen, an exact integer (bar length, line height, colour). */
export function toFen(value: string): number {
  const fen = scaledDecimal(value, 2)
  return fen === null ? 0 : parseInt(fen.toString(), 10)
}

/** Whole fen → the decimal string formatMoney shows: 123456 → "1234.56", -990 → "-9.90". */
export function fenText(fen: number): string {
  const whole = Math.round(fen)
  const abs = Math.abs(whole)
  return `${whole < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

// ----- cross analysis (heatmaps) -----

export interface MatrixAxis {
  id: string
  label: string
  /** A second line for tooltips (a username, an application code, an operator). */
  sub?: string
}

export interface Matrix {
  /** x axis (columns). */
  cols: MatrixAxis[]
  /** y axis (rows). */
  rows: MatrixAxis[]
  /** [column index, row index, value (money in fen)]; cells without data are absent. */
  cells: [number, number, number][]
  /** The exact text of each cell's value by "col,row" (money as a decimal string). */
  exact: Map<string, string>
  /** The largest value (colour scale; money in fen); 0 when there is no cell. */
  max: number
}

function matrix(cols: MatrixAxis[], rows: MatrixAxis[]): Matrix {
  return { cols, rows, cells: [], exact: new Map(), max: 0 }
}

function put(m: Matrix, x: number, y: number, value: number, exact: string): void {
  m.cells.push([x, y, value])
  m.exact.set(`${x},${y}`, exact)
  if (value > m.max) m.max = value
}

/**
 * 运营商 × 应用 by revenue: the top operators (rows, by revenue as the server ranks them) ×
 * the applications that appear in their cells (columns, in the ranking's order).
 */
export function operatorAppMatrix(stats: Pick<Statistics, 'operators' | 'apps' | 'operator_apps'>): Matrix {
  const appIds = new Set(stats.operator_apps.map((c) => c.application_id))
  const known = stats.apps.filter((a) => appIds.has(a.application_id))
  const cols: MatrixAxis[] = known.map((a) => ({ id: a.application_id, label: a.name, sub: a.code }))
  // an application in a cell but not in the ranking (should not happen): still shown, by id
  for (const id of appIds) if (!known.some((a) => a.application_id === id)) cols.push({ id, label: id })
  const rows: MatrixAxis[] = stats.operators.map((o) => ({ id: o.operator_id, label: o.name, sub: o.username }))
  const m = matrix(cols, rows)
  const colIndex = new Map(cols.map((c, i) => [c.id, i]))
  const rowIndex = new Map(rows.map((r, i) => [r.id, i]))
  for (const c of stats.operator_apps) {
    const x = colIndex.get(c.application_id)
    const y = rowIndex.get(c.operator_id)
    if (x === undefined || y === undefined) continue
    put(m, x, y, toFen(c.revenue), c.revenue)
  }
  return m
}

/** 场地 × 时间: the top sites (rows) × every bucket of the axis (columns), gaps as zero. */
export function siteTimeMatrix(
  stats: Pick<Statistics, 'sites'>,
  axis: readonly string[],
  metric: 'sessions' | 'revenue',
  bucketLabel: (bucket: string) => string = (b) => b,
): Matrix {
  const cols: MatrixAxis[] = axis.map((b) => ({ id: b, label: bucketLabel(b) }))
  const rows: MatrixAxis[] = stats.sites.map((s) => ({ id: s.site_id, label: s.site_name, sub: s.operator_name }))
  const m = matrix(cols, rows)
  stats.sites.forEach((site, y) => {
    fillPoints(site.points, axis).forEach((p, x) => {
      if (metric === 'sessions') put(m, x, y, p.sessions, String(p.sessions))
      else put(m, x, y, toFen(p.revenue), p.revenue)
    })
  })
  return m
}

/** 应用 × 人数 by sessions: the applications (rows, ranking order) × the player counts seen. */
export function appPlayersMatrix(stats: Pick<Statistics, 'apps' | 'app_players'>, playersLabel: (n: number) => string): Matrix {
  const counts = [...new Set(stats.app_players.map((c) => c.player_count))].sort((a, b) => a - b)
  const appIds = new Set(stats.app_players.map((c) => c.application_id))
  const rows: MatrixAxis[] = stats.apps
    .filter((a) => appIds.has(a.application_id))
    .map((a) => ({ id: a.application_id, label: a.name, sub: a.code }))
  for (const id of appIds) if (!rows.some((r) => r.id === id)) rows.push({ id, label: id })
  const cols: MatrixAxis[] = counts.map((n) => ({ id: String(n), label: playersLabel(n) }))
  const m = matrix(cols, rows)
  const colIndex = new Map(counts.map((n, i) => [n, i]))
  const rowIndex = new Map(rows.map((r, i) => [r.id, i]))
  for (const c of stats.app_players) {
    const x = colIndex.get(c.player_count)
    const y = rowIndex.get(c.application_id)
    if (x === undefined || y === undefined) continue
    put(m, x, y, c.sessions, String(c.sessions))
  }
  return m
}

// ----- chart text -----

/** Text for ECharts' HTML tooltips: names come from users, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** An axis tick: 12,000 → "1.2万" (zh) / "12k" (en). Axis labels only; exact values are in tooltips. */
export function compactAmount(n: number, locale: string): string {
  const abs = Math.abs(n)
  const trim = (x: number) => (Math.round(x * 10) / 10).toLocaleString('en-US')
  if (locale.startsWith('zh')) {
    if (abs >= 1e8) return `${trim(n / 1e8)}亿`
    if (abs >= 1e4) return `${trim(n / 1e4)}万`
    return trim(n)
  }
  if (abs >= 1e6) return `${trim(n / 1e6)}M`
  if (abs >= 1e3) return `${trim(n / 1e3)}k`
  return trim(n)
}
