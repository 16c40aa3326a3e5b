/** Links a person wrote (a report's photos) are shown as links only when they are http(s): a `javascript:` or
 * `data:` address, or anything unreadable, is shown as text and never becomes something a click runs. */
export function webLink(address: string): string | null {
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return null
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
}
