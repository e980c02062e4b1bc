import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { parsePrefetch, type PrefetchSetting } from "@leasehold/core"

/** Everything the worker process can be told; every flag also has an environment variable. */
export interface WorkerCliConfig {
  readonly master: string
  readonly handlers: string
  readonly concurrency: number
  readonly queues: ReadonlyArray<string>
  readonly leaseSeconds: number | undefined
  readonly renewAt: number | undefined
  readonly shutdownTimeoutMs: number
  readonly workerId: string
  readonly token: string | undefined
  readonly batchSize: number | undefined
  readonly waitMs: number
  readonly prefetch: PrefetchSetting
  readonly progressIntervalMs: number
  readonly logLevel: "debug" | "info" | "warn" | "error"
}

type Kind = "url" | "string" | "int" | "fraction" | "seconds" | "list" | "level" | "tokenFile" | "prefetch"

/** One setting: flag, environment variable, default and meaning (the README table says the same). */
export interface WorkerSetting {
  readonly key: keyof WorkerCliConfig
  readonly flag: string
  readonly env: string
  readonly kind: Kind
  readonly default: unknown
  readonly min?: number
  readonly max?: number
  readonly doc: string
}

/** The default worker id: `hostname-pid-timestamp`. */
export const defaultWorkerId = (): string => `${hostname()}-${process.pid}-${Date.now()}`

/** The settings table. */
export const WORKER_SETTINGS: ReadonlyArray<WorkerSetting> = [
  { key: "master", flag: "--master", env: "LEASEHOLD_MASTER_URL", kind: "url", default: "http://127.0.0.1:8080", doc: "base URL of the master" },
  { key: "handlers", flag: "--handlers", env: "LEASEHOLD_HANDLERS", kind: "string", default: undefined, doc: "handlers module (.js or .ts); its default export maps job type -> handler" },
  { key: "concurrency", flag: "--concurrency", env: "LEASEHOLD_CONCURRENCY", kind: "int", default: 8, min: 1, max: 1000, doc: "slots: jobs run at once" },
  { key: "queues", flag: "--queues", env: "LEASEHOLD_QUEUES", kind: "list", default: ["default"], doc: "queues to lease from, comma-separated" },
  { key: "leaseSeconds", flag: "--lease-seconds", env: "LEASEHOLD_WORKER_LEASE_SECONDS", kind: "int", default: undefined, min: 1, max: 86_400, doc: "lease duration to ask for (the master's default when absent)" },
  { key: "renewAt", flag: "--renew-at", env: "LEASEHOLD_RENEW_AT", kind: "fraction", default: undefined, doc: "renew at this fraction of the lease (the master's renew_after hint, 0.5, when absent)" },
  { key: "shutdownTimeoutMs", flag: "--shutdown-timeout", env: "LEASEHOLD_SHUTDOWN_TIMEOUT", kind: "seconds", default: 30_000, doc: "seconds running jobs may finish after SIGTERM before they are aborted and released" },
  { key: "workerId", flag: "--worker-id", env: "LEASEHOLD_WORKER_ID", kind: "string", default: undefined, doc: "worker id (default hostname-pid-timestamp)" },
  { key: "token", flag: "--token", env: "LEASEHOLD_TOKEN", kind: "string", default: undefined, doc: "bearer token of the worker role" },
  { key: "token", flag: "--token-file", env: "LEASEHOLD_TOKEN_FILE", kind: "tokenFile", default: undefined, doc: "file holding the bearer token (trimmed; kept out of ps and the environment)" },
  { key: "batchSize", flag: "--batch-size", env: "LEASEHOLD_BATCH_SIZE", kind: "int", default: undefined, min: 1, max: 2 ** 53, doc: "requested_batch_size for scan batches" },
  { key: "waitMs", flag: "--wait-ms", env: "LEASEHOLD_WAIT_MS", kind: "int", default: 10_000, min: 0, max: 30_000, doc: "long-poll duration of each lease call" },
  { key: "prefetch", flag: "--prefetch", env: "LEASEHOLD_PREFETCH", kind: "prefetch", default: "auto", doc: "jobs leased ahead of free slots: auto (slots x lease round trip / job time; none for jobs longer than a round trip), 0 (only free slots) or N (0..1000)" },
  { key: "progressIntervalMs", flag: "--progress-interval", env: "LEASEHOLD_PROGRESS_INTERVAL", kind: "seconds", default: 10_000, doc: "seconds between progress checks; a line is printed when something changed, else every 5 min (0 = none)" },
  { key: "logLevel", flag: "--log-level", env: "LEASEHOLD_LOG_LEVEL", kind: "level", default: "info", doc: "debug, info, warn or error" }
]

/** A configuration error: the message names the flag or variable. */
export class WorkerConfigError extends Error {}

const parseValue = (s: WorkerSetting, raw: string, from: string): unknown => {
  const value = raw.trim()
  if (value === "") throw new WorkerConfigError(`${from}: empty value`)
  switch (s.kind) {
    case "int": {
      const n = Number(value)
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < (s.min ?? 0) || n > (s.max ?? Infinity))
        throw new WorkerConfigError(`${from}: expected an integer ${s.min}..${s.max}, got "${raw}"`)
      return n
    }
    case "fraction": {
      const n = Number(value)
      if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new WorkerConfigError(`${from}: expected a number in (0, 1), got "${raw}"`)
      return n
    }
    case "seconds": {
      const n = Number(value)
      if (!Number.isFinite(n) || n < 0) throw new WorkerConfigError(`${from}: expected seconds >= 0, got "${raw}"`)
      return Math.round(n * 1000)
    }
    case "list": {
      const items = value.split(",").map((q) => q.trim()).filter((q) => q.length > 0)
      const bad = items.find((q) => !/^[a-z0-9_.-]{1,64}$/.test(q))
      if (items.length === 0 || bad !== undefined) throw new WorkerConfigError(`${from}: bad queue name "${bad ?? raw}"`)
      return items
    }
    case "url":
      if (!/^https?:\/\/./.test(value)) throw new WorkerConfigError(`${from}: expected an http(s) URL, got "${raw}"`)
      return value
    case "level":
      if (!["debug", "info", "warn", "error"].includes(value))
        throw new WorkerConfigError(`${from}: expected debug, info, warn or error, got "${raw}"`)
      return value
    case "string":
      return value
    case "tokenFile":
      return readTokenFile(value, from)
    case "prefetch": {
      const setting = parsePrefetch(value)
      if (setting === null) throw new WorkerConfigError(`${from}: expected auto, 0 or an integer 1..1000, got "${raw}"`)
      return setting
    }
  }
}

/** The token in a file (trimmed; the first of several comma- or newline-separated); unreadable = a config error naming the file. */
export const readTokenFile = (path: string, from: string): string => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String((e as Error).message ?? e)
    throw new WorkerConfigError(`${from} ${path}: cannot read the token file (${reason})`)
  }
  const token = text.split(/[,\r\n]/).map((t) => t.trim()).find((t) => t.length > 0)
  if (token === undefined) throw new WorkerConfigError(`${from} ${path}: the token file holds no token`)
  return token
}

/** Flags (`--flag value` or `--flag=value`; a bare `--` is ignored) over environment over defaults. */
export const parseWorkerConfig = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): WorkerCliConfig => {
  const values: Record<string, unknown> = Object.fromEntries(WORKER_SETTINGS.map((s) => [s.key, s.default]))
  for (const s of WORKER_SETTINGS) {
    const raw = env[s.env]
    if (raw !== undefined && raw !== "") values[s.key] = parseValue(s, raw, s.env)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === "--") continue
    const eq = arg.indexOf("=")
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const s = WORKER_SETTINGS.find((x) => x.flag === flag)
    if (!s) throw new WorkerConfigError(`unknown argument "${arg}" (see --help)`)
    const raw = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (raw === undefined) throw new WorkerConfigError(`${flag} needs a value`)
    values[s.key] = parseValue(s, raw, flag)
  }
  if (values.handlers === undefined) throw new WorkerConfigError("--handlers (or LEASEHOLD_HANDLERS) is required")
  values.workerId ??= defaultWorkerId()
  return values as unknown as WorkerCliConfig
}

/** `--help` text. */
export const workerUsage = (): string =>
  [
    "usage: leasehold-worker --master URL --handlers ./handlers.js [flags]",
    "",
    ...WORKER_SETTINGS.map(
      (s) => `  ${`${s.flag} VALUE`.padEnd(26)} ${s.doc} [${s.env}; default ${JSON.stringify(s.default) ?? "none"}]`
    )
  ].join("\n")
