// The app's colours (StatCard tones, the workspace accents), in the order charts use them.
export const CHART_PALETTE = [
  '#2f6bff', // blue (primary)
  '#12a150', // green
  '#f08c00', // orange
  '#7c4dff', // purple (admin accent)
  '#0ea5b7', // cyan
  '#e5484d', // red
  '#d4a72c', // gold
  '#8a94a6', // grey
  '#6d97ff', // light blue
  '#5fc48a', // light green
] as const

/** Heatmap scale: from the lightest primary tint to the primary blue. */
export const HEAT_COLORS = ['#eaf0ff', '#97b5ff', '#2f6bff', '#1d3f99'] as const

export const CHART_TEXT = '#4b5563'
export const CHART_AXIS = '#d0d5dd'
export const CHART_SPLIT = '#eef0f4'
