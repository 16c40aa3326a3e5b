/** Making one change to the directory from a dialog: busy while it is sent, the refusal kept to be shown (with a
 * file's problems), and on success a word of it and the directory loaded again so every name follows. */
import { ElMessage, type FormInstance, type FormItemRule } from 'element-plus'
import { ref } from 'vue'
import type { AppliedOut } from '@/api'
import { useDirectory } from '@/stores/directory'
import { useFormat } from './format'

export function useChange() {
  const f = useFormat()
  const directory = useDirectory()
  const busy = ref(false)
  const error = ref<unknown>(null)

  /** Send the change; the applied version, or null when the API refused it (then `error` says why). */
  async function run(send: () => Promise<AppliedOut>): Promise<AppliedOut | null> {
    busy.value = true
    error.value = null
    try {
      const applied = await send()
      if (applied.version === null) ElMessage.info(f.t('admin.unchanged'))
      else ElMessage.success(f.t('admin.saved', { version: applied.version }))
      await directory.reload().catch(() => undefined)
      return applied
    } catch (err) {
      error.value = err
      return null
    } finally {
      busy.value = false
    }
  }

  /** The form checked first (nothing is sent while a field is wrong), then the change sent as :func:`run`. */
  async function save(form: FormInstance | undefined, send: () => Promise<AppliedOut>): Promise<AppliedOut | null> {
    if (!(await form?.validate().catch(() => false))) return null
    return run(send)
  }

  /** The rule of every change's reason: required, and more than blanks. */
  const reasonRule = (): FormItemRule[] =>
    [{ required: true, whitespace: true, trigger: 'blur', message: f.t('admin.reasonRequired') }]

  return { busy, error, run, save, reasonRule }
}
