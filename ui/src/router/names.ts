import type { Workspace } from '@/api/generated/Workspace'

export function homeRoute(ws: Workspace) {
  return { name: `${ws}-home` }
}

export function loginRoute(ws: Workspace) {
  return { name: `${ws}-login` }
}

export function entryRoute(ws: Workspace) {
  return { name: `${ws}-entry` }
}
