import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/dist/index.css'
import './styles/main.css'
import App from './App.vue'
import { installPlugins } from './plugins'
import { createAppRouter } from './router'
import { useSettingsStore } from './stores/settings'

async function bootstrap(): Promise<void> {
  // `vite --mode mock`: every Tauri command answered in the browser with demo data.
  // The condition is a build-time constant, so production builds drop this import entirely.
  if (import.meta.env.MODE === 'mock') {
    const { installIpcMock } = await import('./dev/ipc-mock')
    installIpcMock()
  }

  const app = createApp(App)
  const pinia = createPinia()
  const router = createAppRouter()
  installPlugins(app, pinia, router)

  // Language and server address first, so the first paint is already in the right language.
  await useSettingsStore(pinia).load()
  app.mount('#app')
}

void bootstrap()
