// ECharts, with only what 统计分析 draws registered (bars, lines, a pie, heatmaps; grid,
// tooltip, legend, visual map): a much smaller bundle than `import 'echarts'`. Loaded on
// demand by EChart.vue the first time a chart is drawn.
import { init, use, type EChartsType } from 'echarts/core'
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, PieChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer])

export { init }
export type { EChartsType }
