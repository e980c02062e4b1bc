import { readFile, stat } from "node:fs/promises"
import { extname, join, normalize, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"

/** apps/dashboard/dist of this checkout, found from this file's place (src/dashboard/ of apps/master). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL("../../../dashboard/dist/", import.meta.url))

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".map": "application/json"
}

/** A file of the built dashboard, read into memory. */
export interface DashboardFile {
  readonly body: Uint8Array
  readonly type: string
}

/** Reads `relative` inside `root`, or undefined when it is missing, a directory, or outside the root. */
export const readDashboardFile = async (root: string, relative: string): Promise<DashboardFile | undefined> => {
  const base = resolve(root)
  const path = resolve(base, normalize(relative).replace(/^([/\\])+/, ""))
  if (path !== base && !path.startsWith(base + sep)) return undefined
  try {
    if (!(await stat(path)).isFile()) return undefined
    return { body: await readFile(path), type: TYPES[extname(path).toLowerCase()] ?? "application/octet-stream" }
  } catch {
    return undefined
  }
}

/** The index page of the built dashboard, or undefined when it was not built. */
export const readIndex = (root: string) => readDashboardFile(root, join("index.html"))
