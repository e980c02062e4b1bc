import { useSyncExternalStore } from "react"

/** sessionStorage key: the token lives for this browser tab's session only (SPEC: "keeps it for the browser session"). */
const KEY = "leasehold.token"

const listeners = new Set<() => void>()

const read = (): string | null => {
  try {
    return sessionStorage.getItem(KEY)
  } catch {
    return null
  }
}

let current = read()

/** The bearer token the dashboard sends, or null. */
export const getToken = (): string | null => current

/** Stores (or with null, forgets) the token and tells every subscriber. */
export const setToken = (token: string | null): void => {
  current = token
  try {
    if (token === null) sessionStorage.removeItem(KEY)
    else sessionStorage.setItem(KEY, token)
  } catch {
    // storage disabled: the token lasts until the page is closed
  }
  for (const l of listeners) l()
}

/** The current token, re-rendering on change. */
export const useToken = (): string | null =>
  useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    getToken
  )
