import { readFileSync } from "node:fs"
import { DEFAULT_MAX_BATCH_SIZE, LEASE_SECONDS_MAX, LEASE_SECONDS_MIN } from "@leasehold/contracts"
import type { LogLevel } from "./http/Logger.ts"

/**
 * Share of the time the pruner spends deleting, in percent (`--prune-duty-percent`). Measured on the
 * machine's PostgreSQL 15, 2 cores (`pnpm bench:scale`, README "Large tables"): flat out the pruner
 * deleted 60,000 rows/s and raised the lease p99 of 4 leasing connections by 2.4-7.9 ms. Since a step
 * walks its id range once (5.0 ms per 1,000 rows against 8.8), 15 % deletes 7,800-15,400 rows/s,
 * 2-3.7 times the completion rate of the leasers it runs beside, and raised their p99 by 0.2-1.1 ms
 * over six runs (25 %: 17,000 rows/s, +0.9-1.7 ms in three).
 */
export const DEFAULT_PRUNE_DUTY_PERCENT = 15

/** Everything the master can be told; each field has a flag, an environment variable and a default. */
export interface MasterConfig {
  readonly port: number
  readonly host: string | undefined
  readonly databaseUrl: string | undefined
  readonly listenDatabaseUrl: string | undefined
  readonly dataDir: string
  readonly leaseSeconds: number
  readonly minLeaseSeconds: number
  readonly maxLeaseSeconds: number
  readonly maxBatchSize: number
  readonly sweepIntervalMs: number
  readonly leaseRepollMs: number
  readonly retentionMs: number
  readonly pruneIntervalMs: number
  readonly pruneDutyPercent: number
  readonly poolMax: number
  readonly readPoolMax: number
  readonly readTimeoutMs: number
  readonly adminTokens: ReadonlyArray<string>
  readonly producerTokens: ReadonlyArray<string>
  readonly workerTokens: ReadonlyArray<string>
  /** Files holding more tokens of each role (read at start; see readTokenFile). */
  readonly adminTokenFile: string | undefined
  readonly producerTokenFile: string | undefined
  readonly workerTokenFile: string | undefined
  /** Origins allowed to call the API from a browser on another origin (CORS); empty = none. */
  readonly corsOrigins: ReadonlyArray<string>
  readonly logLevel: LogLevel
  /** The built dashboard (apps/dashboard/dist); undefined = the one beside this master's source. */
  readonly dashboardDir: string | undefined
}

type Kind = "int" | "string" | "tokens" | "level" | "duration" | "origins"

/** One configurable setting: its flag, its environment variable, its default and what it means. */
export interface Setting {
  readonly key: keyof MasterConfig
  readonly flag: string
  readonly env: ReadonlyArray<string>
  readonly kind: Kind
  readonly default: MasterConfig[keyof MasterConfig]
  readonly min?: number
  readonly max?: number
  readonly doc: string
}

/** The settings table; `--help` and the README are generated from the same facts. */
export const SETTINGS: ReadonlyArray<Setting> = [
  { key: "port", flag: "--port", env: ["LEASEHOLD_PORT", "PORT"], kind: "int", default: 8080, min: 0, max: 65535, doc: "TCP port (0 = any free port)" },
  { key: "host", flag: "--host", env: ["LEASEHOLD_HOST"], kind: "string", default: undefined, doc: "bind address; 0.0.0.0 when tokens are set, forced to 127.0.0.1 when none are" },
  { key: "databaseUrl", flag: "--database-url", env: ["LEASEHOLD_DATABASE_URL", "DATABASE_URL"], kind: "string", default: undefined, doc: "PostgreSQL URL; absent = embedded PostgreSQL in --data-dir" },
  { key: "listenDatabaseUrl", flag: "--listen-database-url", env: ["LEASEHOLD_LISTEN_DATABASE_URL"], kind: "string", default: undefined, doc: "URL for the one LISTEN connection when --database-url goes through a transaction pooler; default: --database-url" },
  { key: "dataDir", flag: "--data-dir", env: ["LEASEHOLD_DATA_DIR"], kind: "string", default: "./.leasehold/pg", doc: "data directory of the embedded PostgreSQL (kept across restarts), relative to where the command was run" },
  { key: "leaseSeconds", flag: "--lease-seconds", env: ["LEASEHOLD_LEASE_SECONDS"], kind: "int", default: 3600, min: LEASE_SECONDS_MIN, max: LEASE_SECONDS_MAX, doc: "lease duration when a lease call gives none" },
  { key: "minLeaseSeconds", flag: "--min-lease-seconds", env: ["LEASEHOLD_MIN_LEASE_SECONDS"], kind: "int", default: LEASE_SECONDS_MIN, min: LEASE_SECONDS_MIN, max: LEASE_SECONDS_MAX, doc: "smallest lease_seconds accepted" },
  { key: "maxLeaseSeconds", flag: "--max-lease-seconds", env: ["LEASEHOLD_MAX_LEASE_SECONDS"], kind: "int", default: LEASE_SECONDS_MAX, min: LEASE_SECONDS_MIN, max: LEASE_SECONDS_MAX, doc: "largest lease_seconds accepted" },
  { key: "maxBatchSize", flag: "--max-batch-size", env: ["LEASEHOLD_MAX_BATCH_SIZE"], kind: "int", default: DEFAULT_MAX_BATCH_SIZE, min: 1, max: 2 ** 53, doc: "largest scan batch a worker may request" },
  { key: "sweepIntervalMs", flag: "--sweep-interval-ms", env: ["LEASEHOLD_SWEEP_INTERVAL_MS"], kind: "int", default: 5000, min: 100, max: 3_600_000, doc: "how often expired leases are recovered" },
  { key: "leaseRepollMs", flag: "--lease-repoll-ms", env: ["LEASEHOLD_LEASE_REPOLL_MS"], kind: "int", default: 1000, min: 10, max: 3_600_000, doc: "longest wait of a long-poll between two lease attempts when no notification or due time wakes it" },
  { key: "retentionMs", flag: "--retention", env: ["LEASEHOLD_RETENTION"], kind: "duration", default: 7 * 86_400_000, doc: "finished jobs older than this are deleted: 7d, 12h, 30m, 90s, 500ms (0 = keep forever)" },
  { key: "pruneIntervalMs", flag: "--prune-interval-ms", env: ["LEASEHOLD_PRUNE_INTERVAL_MS"], kind: "int", default: 60_000, min: 100, max: 86_400_000, doc: "how often the pruner runs" },
  { key: "pruneDutyPercent", flag: "--prune-duty-percent", env: ["LEASEHOLD_PRUNE_DUTY_PERCENT"], kind: "int", default: DEFAULT_PRUNE_DUTY_PERCENT, min: 1, max: 100, doc: "share of its time the pruner spends deleting (it pauses between steps for the rest), so it leaves the lease path its CPU and disk" },
  { key: "poolMax", flag: "--pool-max", env: ["LEASEHOLD_POOL_MAX"], kind: "int", default: 10, min: 1, max: 1000, doc: "PostgreSQL connections in the pool (plus one for LISTEN)" },
  { key: "readPoolMax", flag: "--read-pool-max", env: ["LEASEHOLD_READ_POOL_MAX"], kind: "int", default: 3, min: 1, max: 100, doc: "connections of the separate pool for operator reads (lists, stats, throughput), so they never take one leasing needs" },
  { key: "readTimeoutMs", flag: "--read-timeout-ms", env: ["LEASEHOLD_READ_TIMEOUT_MS"], kind: "int", default: 5000, min: 100, max: 3_600_000, doc: "statement_timeout of operator reads: a read running longer is cancelled and answers 503" },
  { key: "adminTokens", flag: "--admin-token", env: ["LEASEHOLD_ADMIN_TOKEN"], kind: "tokens", default: [], doc: "bearer token(s) of the admin role, comma-separated" },
  { key: "producerTokens", flag: "--producer-token", env: ["LEASEHOLD_PRODUCER_TOKEN"], kind: "tokens", default: [], doc: "bearer token(s) of the producer role, comma-separated" },
  { key: "workerTokens", flag: "--worker-token", env: ["LEASEHOLD_WORKER_TOKEN"], kind: "tokens", default: [], doc: "bearer token(s) of the worker role, comma-separated" },
  { key: "adminTokenFile", flag: "--admin-token-file", env: ["LEASEHOLD_ADMIN_TOKEN_FILE"], kind: "string", default: undefined, doc: "file of admin token(s), comma- or newline-separated (kept out of ps and the environment)" },
  { key: "producerTokenFile", flag: "--producer-token-file", env: ["LEASEHOLD_PRODUCER_TOKEN_FILE"], kind: "string", default: undefined, doc: "file of producer token(s), comma- or newline-separated" },
  { key: "workerTokenFile", flag: "--worker-token-file", env: ["LEASEHOLD_WORKER_TOKEN_FILE"], kind: "string", default: undefined, doc: "file of worker token(s), comma- or newline-separated" },
  { key: "corsOrigins", flag: "--cors-origin", env: ["LEASEHOLD_CORS_ORIGIN"], kind: "origins", default: [], doc: "origin(s) allowed to call the API from a browser page elsewhere (CORS), comma-separated, e.g. https://ops.example.com; none by default" },
  { key: "dashboardDir", flag: "--dashboard-dir", env: ["LEASEHOLD_DASHBOARD_DIR"], kind: "string", default: undefined, doc: "directory of the built dashboard served at /ui/; default: apps/dashboard/dist of this checkout" },
  { key: "logLevel", flag: "--log-level", env: ["LEASEHOLD_LOG_LEVEL"], kind: "level", default: "info", doc: "debug (one line per request), info, warn or error" }
]

/** A configuration error: the message says which flag or variable is wrong. */
export class ConfigError extends Error {}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const LEVELS = new Set(["debug", "info", "warn", "error"])

const parseValue = (s: Setting, raw: string, from: string): unknown => {
  switch (s.kind) {
    case "int": {
      const n = Number(raw)
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < (s.min ?? -Infinity) || n > (s.max ?? Infinity))
        throw new ConfigError(`${from}: expected an integer ${s.min}..${s.max}, got "${raw}"`)
      return n
    }
    case "tokens":
      return raw.split(",").map((t) => t.trim()).filter((t) => t.length > 0)
    case "origins":
      return raw.split(",").map((o) => o.trim()).filter((o) => o.length > 0).map((o) => parseOrigin(o, from))
    case "level":
      if (!LEVELS.has(raw)) throw new ConfigError(`${from}: expected debug, info, warn or error, got "${raw}"`)
      return raw
    case "duration": {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim())
      if (!m) throw new ConfigError(`${from}: expected a duration like 7d, 12h, 30m, 90s or 500ms, got "${raw}"`)
      return Math.round(Number(m[1]) * DURATION_MS[m[2] ?? "ms"]!)
    }
    case "string":
      if (raw === "") throw new ConfigError(`${from}: empty value`)
      return raw
  }
}

/** An origin as browsers send it (`scheme://host[:port]`, no path); anything else is a ConfigError. */
const parseOrigin = (raw: string, from: string): string => {
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {}
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== raw.replace(/\/$/, "").toLowerCase())
    throw new ConfigError(`${from}: expected origins like https://ops.example.com or http://localhost:3000 (scheme, host, optional port; no path), got "${raw}"`)
  return url.origin
}

/** Tokens from a file: trimmed, comma- or newline-separated; an unreadable or empty file is a ConfigError naming it. */
export const readTokenFile = (path: string, flag: string): ReadonlyArray<string> => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : String((e as Error).message ?? e)
    throw new ConfigError(`${flag} ${path}: cannot read the token file (${reason})`)
  }
  const tokens = text.split(/[,\r\n]/).map((t) => t.trim()).filter((t) => t.length > 0)
  if (tokens.length === 0) throw new ConfigError(`${flag} ${path}: the token file holds no token`)
  return tokens
}

/** The defaults, overridden by the given fields; reads token files; checks the lease bounds agree. */
export const resolveConfig = (partial: Partial<MasterConfig> = {}): MasterConfig => {
  const base = Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as unknown as MasterConfig
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined))
  const merged = { ...base, ...defined } as MasterConfig
  const fromFile = (path: string | undefined, flag: string) => (path === undefined ? [] : readTokenFile(path, flag))
  const union = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => [...new Set([...a, ...b])]
  const config: MasterConfig = {
    ...merged,
    adminTokens: union(merged.adminTokens, fromFile(merged.adminTokenFile, "--admin-token-file")),
    producerTokens: union(merged.producerTokens, fromFile(merged.producerTokenFile, "--producer-token-file")),
    workerTokens: union(merged.workerTokens, fromFile(merged.workerTokenFile, "--worker-token-file"))
  }
  if (config.minLeaseSeconds > config.maxLeaseSeconds)
    throw new ConfigError("--min-lease-seconds must not exceed --max-lease-seconds")
  if (config.leaseSeconds < config.minLeaseSeconds || config.leaseSeconds > config.maxLeaseSeconds)
    throw new ConfigError("--lease-seconds must lie within --min-lease-seconds..--max-lease-seconds")
  return config
}

/** Reads flags (`--flag value` or `--flag=value`, a bare `--` ignored) over environment variables over defaults. */
export const parseConfig = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): MasterConfig => {
  const values: Record<string, unknown> = {}
  for (const s of SETTINGS) {
    const name = s.env.find((e) => env[e] !== undefined && env[e] !== "")
    if (name !== undefined) values[s.key] = parseValue(s, env[name]!, name)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") continue
    const eq = arg.indexOf("=")
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const s = SETTINGS.find((x) => x.flag === flag)
    if (!s) throw new ConfigError(`unknown argument "${arg}" (see --help)`)
    const raw = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (raw === undefined) throw new ConfigError(`${flag} needs a value`)
    values[s.key] = parseValue(s, raw, flag)
  }
  return resolveConfig(values as Partial<MasterConfig>)
}

const showDefault = (s: Setting): string => {
  if (s.kind === "duration" && typeof s.default === "number") {
    const unit = ([["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const).find(([, ms]) => (s.default as number) % ms === 0)
    return unit ? `${(s.default as number) / unit[1]}${unit[0]}` : `${s.default}ms`
  }
  if (Array.isArray(s.default)) return "none"
  return s.default === undefined ? "none" : String(s.default)
}

/** `--help` text. */
export const usage = (): string =>
  [
    "usage: leasehold-master [flags]",
    "",
    ...SETTINGS.map((s) => `  ${`${s.flag} ${s.kind === "int" ? "N" : s.kind === "duration" ? "DURATION" : "VALUE"}`.padEnd(26)} ${s.doc} [${s.env.join(", ")}; default ${showDefault(s)}]`)
  ].join("\n")
