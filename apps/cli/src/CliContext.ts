import { readFileSync } from "node:fs"
import { InvalidArgumentError } from "commander"
import { makeMasterClient, type MasterClient } from "./MasterClient.ts"

/** A mistake in how the CLI was called (bad flag value, unreadable input): exit code 2. */
export class UsageError extends Error {}

/** Where the CLI reads its environment and writes its output (a real process, or a test). */
export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether stdout / stderr are terminals (live redraws with `\r` only there). */
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  readonly readFile: (path: string) => Promise<string>
  readonly sleep: (ms: number) => Promise<void>
}

/** The default master when neither `--url` nor `LEASEHOLD_URL` says otherwise. */
export const DEFAULT_URL = "http://127.0.0.1:8080"

/** What every command needs: the client, the output mode and the io. */
export interface CommandContext {
  readonly io: CliIo
  readonly client: () => MasterClient
  readonly json: () => boolean
  /** Prints the human rendering, or the machine value with `--json`. */
  readonly print: (human: () => string, machine: unknown) => void
}

/** The token file's first token (trimmed); an unreadable or empty file is a usage error naming it. */
export const readTokenFile = (path: string): string => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UsageError(`--token-file ${path}: cannot read the token file (${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String((e as Error).message ?? e)})`)
  }
  const token = text.split(/[,\r\n]/).map((t) => t.trim()).find((t) => t.length > 0)
  if (token === undefined) throw new UsageError(`--token-file ${path}: the token file holds no token`)
  return token
}

/** --token, then --token-file, then LEASEHOLD_TOKEN, then LEASEHOLD_TOKEN_FILE. */
const tokenOf = (g: { readonly token?: string; readonly tokenFile?: string }, env: Record<string, string | undefined>): string | undefined => {
  if (g.token) return g.token
  if (g.tokenFile) return readTokenFile(g.tokenFile)
  if (env.LEASEHOLD_TOKEN) return env.LEASEHOLD_TOKEN
  return env.LEASEHOLD_TOKEN_FILE ? readTokenFile(env.LEASEHOLD_TOKEN_FILE) : undefined
}

/** Builds the context from the program's global options (read lazily: they are parsed before actions run). */
export const makeContext = (
  io: CliIo,
  globals: () => { readonly url?: string; readonly token?: string; readonly tokenFile?: string; readonly json?: boolean }
): CommandContext => {
  const json = () => globals().json === true
  return {
    io,
    json,
    client: () =>
      makeMasterClient({
        url: globals().url ?? io.env.LEASEHOLD_URL ?? DEFAULT_URL,
        token: tokenOf(globals(), io.env)
      }),
    print: (human, machine) => io.out(`${json() ? JSON.stringify(machine, null, 2) : human()}\n`)
  }
}

/**
 * An option parser for an integer within bounds (a bad value is a usage error). Bounds are compared
 * exactly (as BigInt), so a bound of 2^53 (scan ends) is accepted and 2^53 + 1 is not rounded into it.
 */
export const intOption =
  (min: number, max: number) =>
  (raw: string): number => {
    const text = raw.trim()
    if (!/^-?\d+$/.test(text) || BigInt(text) < BigInt(min) || BigInt(text) > BigInt(max)) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
    }
    return Number(text)
  }

/** An option parser for a JSON value. */
export const jsonOption = (raw: string): unknown => {
  try {
    return JSON.parse(raw)
  } catch {
    throw new InvalidArgumentError("expected JSON (quote strings: '\"text\"')")
  }
}

/** A positional job id (a positive integer). */
export const jobIdArg = (raw: string): number => {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`job id must be a positive integer, got '${raw}'`)
  }
  return Number(raw)
}

/** Drops `undefined` values, so absent flags are absent fields. */
export const defined = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
