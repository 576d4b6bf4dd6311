import { afterEach, describe, expect, it } from 'vitest'
import { focusUnlessTyping } from '@/utils/focus'

afterEach(() => {
  document.body.innerHTML = ''
})

/** A dialog that finishes animating must not pull focus away from a field the user chose. */
describe('focusUnlessTyping', () => {
  function dialog(): { first: HTMLInputElement; second: HTMLInputElement } {
    document.body.innerHTML =
      '<div id="dlg"><input id="first"><input id="second"></div><input id="outside">'
    return {
      first: document.getElementById('first') as HTMLInputElement,
      second: document.getElementById('second') as HTMLInputElement,
    }
  }

  it('focuses the first field when nothing in the dialog has focus', () => {
    const { first } = dialog()
    ;(document.getElementById('outside') as HTMLInputElement).focus()
    focusUnlessTyping('#dlg', () => first.focus())
    expect(document.activeElement).toBe(first)
  })

  it('leaves focus where the user put it inside the dialog', () => {
    const { first, second } = dialog()
    second.focus()
    focusUnlessTyping('#dlg', () => first.focus())
    expect(document.activeElement).toBe(second)
  })
})
