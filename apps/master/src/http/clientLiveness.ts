import type { IncomingMessage, ServerResponse } from "node:http"
import type { Context } from "hono"

/** How a handler learns that its client went away: a cheap check, and a signal for waits. */
export interface ClientLiveness {
  readonly gone: () => boolean
  /** Aborted when the client disconnects; created lazily (long-polls only). */
  readonly signal: () => AbortSignal
}

/**
 * On the Node server this watches the response's socket directly, which avoids materialising a web
 * Request per call; elsewhere (`app.request`) it uses the Request's own signal.
 */
export const clientLiveness = (c: Context): ClientLiveness => {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined
  const outgoing = env?.outgoing
  if (!outgoing) {
    const signal = c.req.raw.signal
    return { gone: () => signal.aborted, signal: () => signal }
  }
  let controller: AbortController | undefined
  const closedEarly = () => outgoing.destroyed && !outgoing.writableFinished
  return {
    gone: () => controller?.signal.aborted === true || closedEarly(),
    signal: () => {
      if (controller) return controller.signal
      const ctl = new AbortController()
      controller = ctl
      if (closedEarly()) ctl.abort()
      else outgoing.once("close", () => !outgoing.writableFinished && ctl.abort())
      return ctl.signal
    }
  }
}
