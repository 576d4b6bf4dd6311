import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api/commands'
import type { AppSettings } from '@/api/generated/AppSettings'
import { applyLocale, currentLocale, normalizeLocale, type AppLocale } from '@/i18n'

/** Launcher settings (server address + UI language), shared by every window through Rust. */
export const useSettingsStore = defineStore('settings', () => {
  const serverUrl = ref('')
  const locale = ref<AppLocale>(currentLocale())
  const loaded = ref(false)

  function adopt(s: AppSettings): void {
    serverUrl.value = s.server_url
    locale.value = normalizeLocale(s.locale)
    applyLocale(locale.value)
  }

  /** Read the saved settings; on failure keep the defaults (zh-CN, no address). */
  async function load(): Promise<void> {
    try {
      adopt(await api.settingsGet())
    } catch {
      applyLocale(locale.value)
    } finally {
      loaded.value = true
    }
  }

  async function save(patch: Partial<AppSettings>): Promise<AppSettings> {
    const next: AppSettings = {
      server_url: patch.server_url ?? serverUrl.value,
      locale: patch.locale ?? locale.value,
    }
    const saved = await api.settingsSet(next)
    adopt(saved ?? next)
    return saved ?? next
  }

  /** Switch the UI at once, then remember the choice (settings_set). */
  async function setLocale(next: AppLocale): Promise<void> {
    // Never write an empty server address over a saved one: know the settings first.
    if (!loaded.value) await load()
    locale.value = next
    applyLocale(next)
    try {
      await save({ locale: next })
    } catch {
      // Remembering failed: the switch still applies to this window.
    }
  }

  function saveServerUrl(url: string): Promise<AppSettings> {
    return save({ server_url: url.trim() })
  }

  return { serverUrl, locale, loaded, load, save, setLocale, saveServerUrl }
})
