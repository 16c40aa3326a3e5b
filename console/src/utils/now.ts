/** One clock for every countdown on the page, ticking each second while something watches it. */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

const now = ref(Date.now())
let watchers = 0
let timer: ReturnType<typeof setInterval> | null = null

export function useNow(): Ref<number> {
  onMounted(() => {
    watchers += 1
    now.value = Date.now()
    timer ??= setInterval(() => { now.value = Date.now() }, 1000)
  })
  onBeforeUnmount(() => {
    watchers -= 1
    if (watchers === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  })
  return now
}
