/** The console's entry: Vue, Element Plus (its own styles, bundled), the messages, the stores, the routes. */
import 'element-plus/dist/index.css'
import './styles.css'
import ElementPlus from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(ElementPlus)
app.use(router)
document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
