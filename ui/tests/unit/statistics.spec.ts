// 统计分析: the pure helpers (range validation, time buckets and their gaps, exact shares,
// the cross-analysis matrices) and the page against mocked commands.
import { afterEach, describe, expect, it } from 'vitest'
import { init, setPlatformAPI, use } from 'echarts/core'
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import EChart from '@/components/EChart.vue'
import type { Statistics } from '@/api/generated/Statistics'
import {
  MAX_RANGE_DAYS,
  addDays,
  appPlayersMatrix,
  bucketAxis,
  bucketOf,
  chinaToday,
  compactAmount,
  countShare,
  dayIndex,
  defaultRange,
  escapeHtml,
  fenText,
  fillPoints,
  lastDaysRange,
  nextBucket,
  operatorAppMatrix,
  rangeDays,
  scaledDecimal,
  sharePercent,
  siteTimeMatrix,
  thisYearRange,
  toFen,
  validateRange,
} from '@/workspaces/admin/pages/statistics/series'
import {
  $,
  DEFAULT_SETTINGS,
  bodyText,
  callsOf,
  dialogOpen,
  mockCommands,
  mountApp,
  session,
  settle,
  unmountAndClearMocks,
  type Handler,
  type Mounted,
} from './helpers'

// ----- pure helpers -----

describe('statistics: days and ranges', () => {
  it('counts calendar days with both ends included, across DST-free UTC arithmetic', () => {
    expect(rangeDays('2026-11-25', '2026-11-25')).toBe(1)
    expect(rangeDays('2026-01-01', '2026-12-31')).toBe(365)
    expect(rangeDays('2024-01-01', '2024-12-31')).toBe(366)
    expect(rangeDays('2026-11-26', '2026-11-25')).toBe(0)
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(dayIndex('2026-02-30')).toBeNull()
    expect(dayIndex('2026-2-3')).toBeNull()
  })

  it("today is China's calendar day, whatever the machine's zone", () => {
    expect(chinaToday(new Date('2026-11-25T15:59:59Z'))).toBe('2026-11-25')
    expect(chinaToday(new Date('2026-11-25T16:00:00Z'))).toBe('2026-11-26')
  })

  it('the default range is the last 30 days ending today; shortcuts likewise', () => {
    expect(defaultRange(new Date('2026-11-25T04:00:00Z'))).toEqual(['2026-10-27', '2026-11-25'])
    expect(lastDaysRange(7, '2026-11-25')).toEqual(['2026-11-19', '2026-11-25'])
    expect(lastDaysRange(365, '2026-11-25')).toEqual(['2025-11-26', '2026-11-25'])
    expect(thisYearRange('2026-11-25')).toEqual(['2026-01-01', '2026-11-25'])
  })

  it('validates the range: required, real days, from ≤ to, not wholly in the future, ≤ 1096 days', () => {
    const today = '2026-11-25'
    expect(validateRange(['2026-10-27', '2026-11-25'], today)).toBeNull()
    expect(validateRange(null, today)).toEqual({ key: 'validation.rangeRequired' })
    expect(validateRange(['', '2026-11-25'], today)).toEqual({ key: 'validation.rangeRequired' })
    expect(validateRange(['2026-02-30', '2026-03-01'], today)).toEqual({ key: 'validation.rangeInvalid' })
    expect(validateRange(['2026-11-25', '2026-11-24'], today)).toEqual({ key: 'validation.rangeOrder' })
    expect(validateRange(['2026-11-26', '2026-12-01'], today)).toEqual({ key: 'validation.rangeFuture' })
    // a range reaching past today is fine as long as it starts by today
    expect(validateRange(['2026-11-25', '2026-12-01'], today)).toBeNull()
    // 1,096 days is the most the server answers
    expect(validateRange([addDays(today, -(MAX_RANGE_DAYS - 1)), today], today)).toBeNull()
    expect(validateRange([addDays(today, -MAX_RANGE_DAYS), today], today)).toEqual({
      key: 'validation.rangeTooLong',
      params: { max: 1096, days: 1097 },
    })
  })
})

describe('statistics: buckets and gap filling', () => {
  it('a day falls in itself, its Monday or the 1st of its month', () => {
    expect(bucketOf('2026-11-25', 'day')).toBe('2026-11-25')
    expect(bucketOf('2026-11-25', 'week')).toBe('2026-11-23') // a Wednesday → Monday
    expect(bucketOf('2026-11-23', 'week')).toBe('2026-11-23')
    expect(bucketOf('2026-11-29', 'week')).toBe('2026-11-23') // Sunday
    expect(bucketOf('2027-01-02', 'week')).toBe('2026-12-28') // across the year end
    expect(bucketOf('2026-11-25', 'month')).toBe('2026-11-01')
    expect(nextBucket('2026-12-01', 'month')).toBe('2027-01-01')
    expect(nextBucket('2026-12-28', 'week')).toBe('2027-01-04')
  })

  it('the axis has every bucket from the first to the last, in order', () => {
    expect(bucketAxis('2026-11-28', '2026-12-02', 'day')).toEqual([
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
    ])
    expect(bucketAxis('2026-11-25', '2026-12-10', 'week')).toEqual(['2026-11-23', '2026-11-30', '2026-12-07'])
    expect(bucketAxis('2025-11-15', '2026-02-03', 'month')).toEqual(['2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01'])
    expect(bucketAxis('2026-11-25', '2026-11-24', 'day')).toEqual([])
    // a point off the grid is kept, never dropped
    expect(bucketAxis('2026-11-25', '2026-11-26', 'day', ['2026-11-24'])).toEqual(['2026-11-24', '2026-11-25', '2026-11-26'])
    expect(bucketAxis(addDays('2026-11-25', -1095), '2026-11-25', 'day')).toHaveLength(1096)
  })

  it('fills the buckets without sessions with zero', () => {
    const axis = bucketAxis('2026-11-01', '2026-11-05', 'day')
    const filled = fillPoints(
      [
        { bucket: '2026-11-02', sessions: 3, revenue: '29.70' },
        { bucket: '2026-11-05', sessions: 1, revenue: '12.00' },
      ],
      axis,
    )
    expect(filled.map((p) => p.bucket)).toEqual(axis)
    expect(filled.map((p) => p.sessions)).toEqual([0, 3, 0, 0, 1])
    expect(filled.map((p) => p.revenue)).toEqual(['0.00', '29.70', '0.00', '0.00', '12.00'])
  })
})

describe('statistics: exact shares and chart text', () => {
  it('scales decimals without floats; charts get whole fen', () => {
    expect(scaledDecimal('1234.5', 2)).toBe(123450n)
    expect(scaledDecimal('-0.01', 2)).toBe(-1n)
    expect(scaledDecimal('abc', 2)).toBeNull()
    expect(toFen('0.1')).toBe(10)
    expect(toFen('1234567.89')).toBe(123456789)
    expect(toFen('x')).toBe(0)
    expect(fenText(123456)).toBe('1234.56')
    expect(fenText(-990)).toBe('-9.90')
    expect(fenText(5)).toBe('0.05')
  })

  it('revenue share: one decimal, rounded half up, exact', () => {
    expect(sharePercent('50', '200')).toBe('25.0%')
    expect(sharePercent('1', '3')).toBe('33.3%')
    expect(sharePercent('2', '3')).toBe('66.7%')
    expect(sharePercent('0.1', '0.3')).toBe('33.3%') // no 0.1 + 0.2 surprises
    expect(sharePercent('1', '8')).toBe('12.5%')
    expect(sharePercent('1', '16')).toBe('6.3%') // 6.25 → 6.3
    expect(sharePercent('12345678901234567.89', '12345678901234567.89')).toBe('100.0%')
    expect(sharePercent('10', '0.00')).toBe('—')
    expect(countShare(1, 4)).toBe('25.0%')
    expect(countShare(0, 0)).toBe('—')
  })

  it('escapes names for tooltips and shortens axis ticks', () => {
    expect(escapeHtml('<b>"A" & \'B\'</b>')).toBe('&lt;b&gt;&quot;A&quot; &amp; &#39;B&#39;&lt;/b&gt;')
    expect(compactAmount(12_000, 'zh-CN')).toBe('1.2万')
    expect(compactAmount(250_000_000, 'zh-CN')).toBe('2.5亿')
    expect(compactAmount(950, 'zh-CN')).toBe('950')
    expect(compactAmount(12_000, 'en')).toBe('12k')
  })
})

// ----- a response to draw -----

const STATS: Statistics = {
  from: '2026-11-20',
  to: '2026-11-25',
  granularity: 'day',
  totals: { operators: 12, active_operators: 3, sessions: 10, players: 27, revenue: '300.00' },
  apps: [
    { application_id: 'app-1', code: 'star_rescue', name: '星际迷航：深空救援', sessions: 6, players: 18, revenue: '200.00' },
    { application_id: 'app-2', code: 'deep_sea', name: '深海奇遇', sessions: 4, players: 9, revenue: '100.00' },
  ],
  player_counts: [
    { player_count: 2, sessions: 3, revenue: '60.00' },
    { player_count: 3, sessions: 7, revenue: '240.00' },
  ],
  app_players: [
    { application_id: 'app-1', player_count: 3, sessions: 6 },
    { application_id: 'app-2', player_count: 2, sessions: 3 },
    { application_id: 'app-2', player_count: 3, sessions: 1 },
  ],
  sites: [
    {
      site_id: 'site-1',
      site_name: '北京朝阳大悦城店',
      operator_id: 'op-1',
      operator_name: '星际乐园VR体验馆',
      sessions: 7,
      revenue: '220.00',
      points: [
        { bucket: '2026-11-21', sessions: 4, revenue: '120.00' },
        { bucket: '2026-11-25', sessions: 3, revenue: '100.00' },
      ],
    },
    {
      site_id: 'site-2',
      site_name: '海洋之心·杭州西湖店',
      operator_id: 'op-2',
      operator_name: '海洋之心VR馆',
      sessions: 3,
      revenue: '80.00',
      points: [{ bucket: '2026-11-22', sessions: 3, revenue: '80.00' }],
    },
  ],
  operators: [
    { operator_id: 'op-1', username: 'uat_operator', name: '星际乐园VR体验馆', sessions: 7, revenue: '220.00' },
    { operator_id: 'op-2', username: 'vr_haiyang', name: '海洋之心VR馆', sessions: 3, revenue: '80.00' },
  ],
  operator_apps: [
    { operator_id: 'op-1', application_id: 'app-1', sessions: 6, revenue: '200.00' },
    { operator_id: 'op-1', application_id: 'app-2', sessions: 1, revenue: '20.00' },
    { operator_id: 'op-2', application_id: 'app-2', sessions: 3, revenue: '80.00' },
  ],
}

describe('statistics: cross-analysis matrices', () => {
  it('运营商 × 应用: top operators by the apps in their cells, revenue kept exact', () => {
    const m = operatorAppMatrix(STATS)
    expect(m.rows.map((r) => r.label)).toEqual(['星际乐园VR体验馆', '海洋之心VR馆'])
    expect(m.cols.map((c) => c.sub)).toEqual(['star_rescue', 'deep_sea'])
    // money drawn as whole fen, shown as the exact string
    expect(m.cells).toEqual([
      [0, 0, 20000],
      [1, 0, 2000],
      [1, 1, 8000],
    ])
    expect(m.exact.get('1,1')).toBe('80.00')
    expect(m.max).toBe(20000)
  })

  it('场地 × 时间: every bucket of the axis, gaps as zero', () => {
    const axis = bucketAxis(STATS.from, STATS.to, 'day')
    const m = siteTimeMatrix(STATS, axis, 'sessions')
    expect(m.cols).toHaveLength(6)
    expect(m.cells).toHaveLength(12)
    expect(m.cells.filter(([, y]) => y === 0).map(([, , v]) => v)).toEqual([0, 4, 0, 0, 0, 3])
    const revenue = siteTimeMatrix(STATS, axis, 'revenue')
    expect(revenue.exact.get('2,1')).toBe('80.00')
  })

  it('应用 × 人数: the apps by the player counts seen', () => {
    const m = appPlayersMatrix(STATS, (n) => `${n} 人`)
    expect(m.cols.map((c) => c.label)).toEqual(['2 人', '3 人'])
    expect(m.rows.map((r) => r.id)).toEqual(['app-1', 'app-2'])
    expect(m.cells).toEqual([
      [1, 0, 6],
      [0, 1, 3],
      [1, 1, 1],
    ])
  })
})

// ----- the page -----

let mounted: Mounted | undefined

afterEach(unmountAndClearMocks)

function commands(extra: Record<string, Handler> = {}, role: 'super_admin' | 'analyst' = 'super_admin') {
  return mockCommands({
    settings_get: () => DEFAULT_SETTINGS,
    session_get: () => session('admin', { role }),
    connection_state: () => ({ online: true, checked_at: '2026-11-25T08:00:00Z' }),
    admin_statistics: () => STATS,
    ...extra,
  })
}

function rowsOf(tableId: string): string[][] {
  return [...document.querySelectorAll(`#${tableId} tbody tr`)].map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()),
  )
}

describe('统计分析 page', () => {
  it('asks for the last 30 days and shows the totals, the ranking and the player table', async () => {
    const calls = commands()
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    expect($('#menu-statistics').classList).toContain('is-active')
    const [query] = callsOf(calls, 'admin_statistics')
    expect(query!.payload).toEqual({ query: { from: defaultRange()[0], to: defaultRange()[1] } })
    expect(rangeDays(defaultRange()[0], defaultRange()[1])).toBe(30)

    expect($('#stats-total-operators').textContent).toBe('12')
    expect($('#stats-total-sessions').textContent).toBe('10')
    expect($('#stats-total-players').textContent).toBe('27')
    expect($('#stats-total-revenue').textContent).toBe('¥ 300.00')
    expect(bodyText()).toContain('其中 3 家在此期间有场次')

    expect(rowsOf('stats-app-table')).toEqual([
      ['1', '星际迷航：深空救援', 'star_rescue', '6', '18', '¥ 200.00', '66.7%'],
      ['2', '深海奇遇', 'deep_sea', '4', '9', '¥ 100.00', '33.3%'],
    ])
    expect(rowsOf('stats-player-table')).toEqual([
      ['2 人', '3', '30.0%', '¥ 60.00'],
      ['3 人', '7', '70.0%', '¥ 240.00'],
    ])
    expect($('#stats-shown-range').textContent).toContain('2026-11-20 至 2026-11-25，共 6 天')
    expect($('#stats-shown-range').textContent).toContain('按日')
    expect(document.querySelector('#stats-cross-tabs')).not.toBeNull()
    expect(document.querySelector('#stats-empty')).toBeNull()
  })

  it('no session in the range: the empty state instead of the charts', async () => {
    commands({
      admin_statistics: () => ({
        ...STATS,
        totals: { operators: 12, active_operators: 0, sessions: 0, players: 0, revenue: '0.00' },
        apps: [],
        player_counts: [],
        app_players: [],
        sites: [],
        operators: [],
        operator_apps: [],
      }),
    })
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    expect($('#stats-empty').textContent).toContain('所选时间段内没有游戏场次')
    expect($('#stats-total-sessions').textContent).toBe('0')
    expect(document.querySelector('#stats-app-table')).toBeNull()
  })

  it('offline: says the page needs the server, and 重试 asks again', async () => {
    let online = false
    const calls = commands({
      admin_statistics: () => {
        if (!online) throw { code: 'SERVER_UNREACHABLE', message: '无法连接服务器', details: {} }
        return STATS
      },
    })
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    expect($('#stats-offline').textContent).toContain('统计分析需要联网')
    expect($('#stats-offline').textContent).toContain('无法连接服务器')
    expect(document.querySelector('#stats-app-table')).toBeNull()
    expect(($('#stats-export') as HTMLButtonElement).disabled).toBe(true)

    online = true
    $('#stats-retry').click()
    await settle()
    expect(callsOf(calls, 'admin_statistics')).toHaveLength(2)
    expect(document.querySelector('#stats-offline')).toBeNull()
    expect($('#stats-total-revenue').textContent).toBe('¥ 300.00')
  })

  it('查询 sends the picked range; a range over 1096 days is refused before asking', async () => {
    const calls = commands()
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    const page = mounted.wrapper.findComponent({ name: 'ElDatePicker' })
    // too long
    await page.vm.$emit('update:modelValue', ['2020-01-01', chinaToday()])
    await settle(0)
    $('#stats-query').click()
    await settle()
    expect($('#stats-range-error').textContent).toContain('日期范围最长 1096 天')
    expect(callsOf(calls, 'admin_statistics')).toHaveLength(1)
    // fixed: the error goes, and 查询 asks with the new range
    const from = addDays(chinaToday(), -6)
    await page.vm.$emit('update:modelValue', [from, chinaToday()])
    await settle(0)
    expect(document.querySelector('#stats-range-error')).toBeNull()
    expect(bodyText()).toContain('日期范围已修改')
    $('#stats-query').click()
    await settle()
    const all = callsOf(calls, 'admin_statistics')
    expect(all).toHaveLength(2)
    expect(all[1]!.payload).toEqual({ query: { from, to: chinaToday() } })
  })

  it('导出 writes the shown range and shows where the file went', async () => {
    const calls = commands({
      admin_statistics_export: () => ({ path: '/Users/uat_admin/Documents/统计分析.xlsx', rows: 42 }),
    })
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    $('#stats-export').click()
    await settle()
    expect(callsOf(calls, 'admin_statistics_export')[0]!.payload).toEqual({ query: { from: '2026-11-20', to: '2026-11-25' } })
    expect(dialogOpen('stats-export-done')).toBe(true)
    expect($('#stats-export-path').textContent).toBe('/Users/uat_admin/Documents/统计分析.xlsx')
    expect(bodyText()).toContain('已导出到 /Users/uat_admin/Documents/统计分析.xlsx')
  })

  it('every chart option is one ECharts draws (server-side SVG), with readable labels', async () => {
    use([BarChart, LineChart, PieChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, SVGRenderer])
    // jsdom has no canvas to measure text with: an estimate is enough to lay the charts out
    setPlatformAPI({ measureText: (text: string) => ({ width: text.length * 12 }) })
    commands()
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    const charts = mounted.wrapper.findAllComponents(EChart)
    expect(charts.map((c) => c.attributes('id'))).toEqual([
      'stats-app-chart',
      'stats-player-chart',
      'stats-site-chart',
      'stats-heat-operator-app',
      'stats-heat-site-time',
      'stats-heat-app-players',
    ])
    const svgs: Record<string, string> = {}
    for (const c of charts) {
      const chart = init(null as unknown as HTMLElement, undefined, { renderer: 'svg', ssr: true, width: 800, height: 400 })
      chart.setOption(c.props('option') as Record<string, unknown>)
      svgs[c.attributes('id')!] = chart.renderToSVGString()
      chart.dispose()
    }
    expect(svgs['stats-app-chart']).toContain('星际迷航：深空救援')
    expect(svgs['stats-app-chart']).toContain('¥ 200.00')
    expect(svgs['stats-app-chart']).toContain('¥200') // an axis tick (values are fen)
    expect(svgs['stats-player-chart']).toContain('3 人')
    // every day of the range is on the axis (gaps filled), and both sites are in the legend
    for (const d of ['11-20', '11-21', '11-22', '11-23', '11-24', '11-25']) expect(svgs['stats-site-chart']).toContain(d)
    expect(svgs['stats-site-chart']).toContain('海洋之心·杭州西湖店')
    expect(svgs['stats-heat-operator-app']).toContain('星际乐园VR体验馆')
    expect(svgs['stats-heat-app-players']).toContain('2 人')
  })

  it('a cancelled save dialog says nothing', async () => {
    const calls = commands({ admin_statistics_export: () => null })
    mounted = await mountApp('/ws/admin/statistics')
    await settle()
    $('#stats-export').click()
    await settle()
    expect(callsOf(calls, 'admin_statistics_export')).toHaveLength(1)
    expect(dialogOpen('stats-export-done')).toBe(false)
  })
})
