import { computed, ref, watch, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import type { ErrorBody } from '@/api/generated/ErrorBody'
import { serverFieldErrors, type FieldError } from '@/utils/validation'

type FieldErrors<F extends string> = Partial<Record<F, FieldError>>

/**
 * The error state of a dialog form that asks the server: the rules' messages (checked on the
 * first save, then again as the user types), the fields the server refused (until the form
 * changes again) and a message for the form as a whole. `errors` holds each field's text, the
 * server's taking precedence.
 */
export function useFormErrors<F extends string>(
  /** The reactive form (watched deeply). */
  form: object,
  /** The rules: every invalid field with its message; empty when the form may be sent. */
  validate: () => FieldErrors<F>,
  /** The fields a refusal may name (see serverFieldErrors). */
  serverFieldNames: readonly F[],
) {
  const { t } = useI18n()
  const rules = ref({}) as Ref<FieldErrors<F>>
  const attempted = ref(false)
  const serverFields = ref({}) as Ref<Partial<Record<F, string>>>
  const formError = ref('')

  const errors = computed(() => {
    const out: Partial<Record<F, string>> = {}
    for (const [k, v] of Object.entries(rules.value) as [F, FieldError | undefined][]) {
      out[k] = v ? t(v.key, v.params ?? {}) : ''
    }
    return { ...out, ...serverFields.value }
  })

  watch(form, () => {
    serverFields.value = {}
    if (attempted.value) rules.value = validate()
  })

  /** A fresh form (the dialog opens): no message at all. */
  function reset(): void {
    rules.value = {}
    attempted.value = false
    serverFields.value = {}
    formError.value = ''
  }

  /** Checks every rule (and from now on as the user types); true when the form may be sent. */
  function check(): boolean {
    attempted.value = true
    formError.value = ''
    serverFields.value = {}
    rules.value = validate()
    return Object.keys(rules.value).length === 0
  }

  /** A refusal: under the fields it names, else `whole(body)` above the form. */
  function refused(body: ErrorBody, whole: (body: ErrorBody) => string): void {
    const fields = serverFieldErrors(body, serverFieldNames)
    if (fields) serverFields.value = fields
    else formError.value = whole(body)
  }

  return { errors, formError, reset, check, refused }
}
