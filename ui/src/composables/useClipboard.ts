import { ElMessage } from 'element-plus'
import { i18n } from '@/i18n'

/** Copy text: the async Clipboard API when present, else a hidden textarea + execCommand. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // fall through to the legacy path
  }
  try {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.appendChild(area)
    area.select()
    const ok = document.execCommand('copy')
    document.body.removeChild(area)
    return ok
  } catch {
    return false
  }
}

/** Copy text and say how it went (a message either way); an empty text is left alone. */
export async function copyAndTell(text: string | null | undefined): Promise<void> {
  if (!text) return
  if (await copyText(text)) ElMessage.success(i18n.global.t('common.copied'))
  else ElMessage.error(i18n.global.t('common.copyFailed'))
}
