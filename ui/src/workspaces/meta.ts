import type { Component } from 'vue'
import { Management, Shop, Wallet } from '@element-plus/icons-vue'
import type { Workspace } from '@/api/generated/Workspace'

/** Per-workspace look: icon and accent colour, shared by the launcher and the workspace chrome. */
export const WORKSPACE_META: Record<Workspace, { icon: Component; accent: string; soft: string }> = {
  operator: { icon: Shop, accent: '#2f6bff', soft: '#eaf0ff' },
  admin: { icon: Management, accent: '#7c4dff', soft: '#f1ecff' },
  finance: { icon: Wallet, accent: '#0f9d58', soft: '#e7f6ee' },
}
