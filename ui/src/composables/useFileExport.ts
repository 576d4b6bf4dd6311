import { ref, shallowRef } from 'vue'
import { events, toErrorBody, type ExportProgress } from '@/api/commands'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import type { ExportReport } from '@/api/generated/ExportReport'

/**
 * An export the core writes after asking where to save it: whether one is running, what the
 * last one wrote, and whether its 导出完成 dialog is open.
 */
export function useFileExport() {
  const exporting = ref(false)
  const report = shallowRef<ExportReport | null>(null)
  const doneOpen = ref(false)

  /**
   * Runs `write`; a report opens the done dialog and goes to `done`, a failure to `failed`.
   * `write` answering null means the user cancelled the save dialog: nothing to say.
   */
  async function run(
    write: () => Promise<ExportReport | null>,
    done: (written: ExportReport) => void,
    failed: (body: ErrorBody) => void,
  ): Promise<void> {
    exporting.value = true
    try {
      const written = await write()
      if (written) {
        report.value = written
        doneOpen.value = true
        done(written)
      }
    } catch (err) {
      failed(toErrorBody(err))
    } finally {
      exporting.value = false
    }
  }

  return { exporting, report, doneOpen, run }
}

/**
 * `useFileExport` for an export that reports how far it is (`export-progress` events, as the
 * ledger exports send them): `progress` is the last report while it runs, null otherwise.
 */
export function useProgressExport() {
  const file = useFileExport()
  const progress = shallowRef<ExportProgress | null>(null)

  async function run(
    write: () => Promise<ExportReport | null>,
    done: (written: ExportReport) => void,
    failed: (body: ErrorBody) => void,
  ): Promise<void> {
    progress.value = null
    await file.run(
      async () => {
        // the core reports its progress while it writes
        const stop = await events.exportProgress((p) => {
          if (file.exporting.value) progress.value = p
        })
        try {
          return await write()
        } finally {
          stop()
        }
      },
      done,
      failed,
    )
    progress.value = null
  }

  return { ...file, progress, run }
}
