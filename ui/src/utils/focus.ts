/**
 * Focuses a dialog's first field once its opening animation ends — unless the user already
 * clicked into one of its fields meanwhile: moving focus then would send the rest of their
 * typing into the wrong field.
 */
export function focusUnlessTyping(dialogSelector: string, focus: () => void): void {
  const active = document.activeElement
  if (active instanceof HTMLElement && active.matches('input, textarea, select') && active.closest(dialogSelector)) {
    return
  }
  focus()
}
