/**
 * Enter submits a dialog form, except where Enter already means something: picking an option
 * in an open select (or opening an empty one), a date being typed in a date picker, a new line
 * in a textarea, or a focused button. Ctrl/⌘+Enter submits from anywhere. Bind it to the form
 * with `@keydown.capture`, so an Enter on a closed select that has a value submits rather than
 * reopening its dropdown.
 */
export function enterSubmits(
  e: KeyboardEvent,
  submit: () => void,
  /** Whether the select whose input has focus holds a value (by the input's id). */
  selectHasValue: (inputId: string) => boolean = () => false,
): void {
  if (e.key !== 'Enter' || e.isComposing) return
  const el = e.target as HTMLElement | null
  if (!el) return
  const go = () => {
    e.preventDefault()
    e.stopPropagation()
    submit()
  }
  if (e.ctrlKey || e.metaKey) return go()
  if (el.tagName === 'TEXTAREA' || el.tagName === 'BUTTON' || el.closest('.el-date-editor')) return
  if (el.closest('.el-select')) {
    if (el.getAttribute('aria-expanded') === 'true' || !selectHasValue(el.id)) return
    return go()
  }
  go()
}
