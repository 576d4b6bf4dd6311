import type { App } from 'vue'
import type { Pinia } from 'pinia'
import type { Router } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'

/** Everything the app installs, shared by main.ts and the unit tests. */
export function installPlugins(app: App, pinia: Pinia, router: Router): void {
  app.use(pinia)
  app.use(i18n)
  app.use(ElementPlus)
  app.use(router)
}
