import type { IncomingMessage } from "node:http"
import type { Context } from "hono"
import { MAX_BODY_BYTES } from "@leasehold/contracts"
import { ClientAbort, HttpError } from "./HttpError.ts"

const utf8 = new TextDecoder("utf-8", { fatal: true })
/** Decodes strictly: invalid UTF-8 is a 400, not text silently changed to U+FFFD. */
const decodeUtf8 = (body: Buffer): string => {
  try {
    return utf8.decode(body)
  } catch {
    throw new HttpError("validation_error", "request body is not valid UTF-8")
  }
}

const ignore = () => {}

const tooLarge = () => new HttpError("payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`)

/** Reads Node's request stream straight into one buffer, stopping at the limit (no web-stream detour). */
const readIncoming = (incoming: IncomingMessage & { rawBody?: Buffer }): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
      incoming.off("close", onClose)
      incoming.on("error", ignore)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        cleanup()
        incoming.resume()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
      incoming.rawBody = body
      resolve(body)
    }
    // A client that closes mid-body surfaces as an "aborted" error or a close before the end.
    const onError = () => {
      cleanup()
      reject(new ClientAbort())
    }
    const onClose = () => {
      if (incoming.readableEnded) return
      cleanup()
      reject(new ClientAbort())
    }
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onError)
    incoming.on("close", onClose)
  })

/**
 * The request body as text, at most MAX_BODY_BYTES (else 413). On the Node server it reads the socket
 * stream directly; elsewhere (`app.request` in tests) it reads the web Request.
 */
export const readBodyText = async (c: Context): Promise<string> => {
  const declared = Number(c.req.header("content-length") ?? 0)
  if (declared > MAX_BODY_BYTES) throw tooLarge()
  const incoming = (c.env as { incoming?: IncomingMessage & { rawBody?: Buffer } } | undefined)?.incoming
  if (incoming && incoming.method !== "GET" && !incoming.readableEnded && incoming.rawBody === undefined)
    return decodeUtf8(await readIncoming(incoming))
  if (incoming?.rawBody) return decodeUtf8(incoming.rawBody)
  const text = await c.req.text()
  if (text.length > MAX_BODY_BYTES && Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge()
  return text
}
