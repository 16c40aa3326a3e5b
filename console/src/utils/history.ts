/** A raw Temporal history event (protobuf JSON, camelCase) as one line: id, time, type and what it names. */
export interface HistoryLine {
  id: string
  time: string
  type: string
  detail: string
}

type Json = Record<string, unknown>

function dig(obj: unknown, ...path: string[]): unknown {
  let at: unknown = obj
  for (const key of path) {
    if (!at || typeof at !== 'object') return undefined
    at = (at as Json)[key]
  }
  return at
}

export function historyLine(event: Json): HistoryLine {
  const type = String(event.eventType ?? '').replace(/^EVENT_TYPE_/, '')
  const detail = [
    dig(event, 'activityTaskScheduledEventAttributes', 'activityType', 'name'),
    dig(event, 'workflowExecutionUpdateAcceptedEventAttributes', 'acceptedRequest', 'input', 'name'),
    dig(event, 'workflowExecutionSignaledEventAttributes', 'signalName'),
    dig(event, 'timerStartedEventAttributes', 'startToFireTimeout'),
    dig(event, 'markerRecordedEventAttributes', 'markerName'),
    dig(event, 'workflowExecutionStartedEventAttributes', 'workflowType', 'name'),
  ].find((v): v is string => typeof v === 'string') ?? ''
  return { id: String(event.eventId ?? ''), time: String(event.eventTime ?? ''), type, detail }
}
