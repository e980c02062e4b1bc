import { isAbsolute, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type { Handlers } from "@leasehold/core"

/**
 * Imports a handlers module (.js, .mjs or .ts under tsx) and checks its default export maps
 * job types to functions. Relative paths resolve against where the user ran the command
 * (`INIT_CWD` under pnpm, which changes into the package directory).
 */
export const loadHandlers = async (path: string, cwd = process.env.INIT_CWD ?? process.cwd()): Promise<Handlers> => {
  const file = isAbsolute(path) ? path : resolve(cwd, path)
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  const handlers = mod.default
  if (!handlers || typeof handlers !== "object") throw new Error(`${file}: the default export must map job types to handlers`)
  const entries = Object.entries(handlers as Record<string, unknown>)
  const bad = entries.find(([, h]) => typeof h !== "function")
  if (entries.length === 0) throw new Error(`${file}: no handlers exported`)
  if (bad) throw new Error(`${file}: handler "${bad[0]}" is not a function`)
  return handlers as Handlers
}
