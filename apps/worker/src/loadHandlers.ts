import { existsSync } from "node:fs"
import { isAbsolute, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type { Handlers } from "@leasehold/core"

/**
 * Imports a handlers module (.js, .mjs or .ts under tsx) and checks its default export maps
 * job types to functions. A relative path resolves against where the user ran the command
 * (`INIT_CWD` under pnpm, which changes into the package directory), else the working directory.
 */
export const resolveHandlersPath = (path: string, bases: ReadonlyArray<string | undefined> = [process.env.INIT_CWD, process.cwd()]): string => {
  if (isAbsolute(path)) return path
  const candidates = bases.filter((b): b is string => typeof b === "string").map((b) => resolve(b, path))
  return candidates.find((c) => existsSync(c)) ?? candidates[candidates.length - 1] ?? resolve(path)
}

/** Imports and checks a handlers module (see `resolveHandlersPath` for relative paths). */
export const loadHandlers = async (path: string): Promise<Handlers> => {
  const file = resolveHandlersPath(path)
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  const handlers = mod.default
  if (!handlers || typeof handlers !== "object") throw new Error(`${file}: the default export must map job types to handlers`)
  const entries = Object.entries(handlers as Record<string, unknown>)
  const bad = entries.find(([, h]) => typeof h !== "function")
  if (entries.length === 0) throw new Error(`${file}: no handlers exported`)
  if (bad) throw new Error(`${file}: handler "${bad[0]}" is not a function`)
  return handlers as Handlers
}
