import { useEffect, useState, type FormEvent, type ReactNode } from "react"
import { useQueryClient } from "@tanstack/react-query"
import { ApiError } from "./api/client.ts"
import { SessionContext, useWhoAmI } from "./api/session.ts"
import { setToken, useToken } from "./api/token.ts"

/** The token prompt: a password field in a form, so Enter submits. */
const TokenPrompt = ({ problem }: { readonly problem: string | null }) => {
  const [value, setValue] = useState("")
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (value.trim().length > 0) setToken(value.trim())
  }
  return (
    <main className="gate">
      <form onSubmit={submit} aria-labelledby="gate-title">
        <h1 id="gate-title">Sign in to Leasehold</h1>
        <p>This master requires a token. An admin token can act; a producer token gives a read-only view.</p>
        <label htmlFor="token">API token</label>
        <input id="token" type="password" autoComplete="current-password" autoFocus value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit">Sign in</button>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <p className="muted">The token is kept for this browser tab's session only.</p>
      </form>
    </main>
  )
}

/** Shows nothing of the data until the master accepts the token (or needs none); then provides the session. */
export const AuthGate = ({ children }: { readonly children: ReactNode }) => {
  const token = useToken()
  const client = useQueryClient()
  const who = useWhoAmI()
  useEffect(() => {
    // A different token may see different things: drop every cached answer of the previous one.
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== "whoami" })
  }, [token, client])
  if (who.isPending) return <p className="muted" role="status">Connecting to the master…</p>
  if (who.isError) {
    const e = who.error
    if (e instanceof ApiError && e.status === 401)
      return <TokenPrompt problem={token === null ? null : "That token was refused. Check it and try again."} />
    return (
      <p className="error" role="alert">
        {e.message}
      </p>
    )
  }
  if (who.data.role === "worker")
    return <TokenPrompt problem="A worker token cannot read the dashboard. Use an admin or producer token." />
  const session = { role: who.data.role, auth: who.data.auth, canAct: who.data.role === "admin" }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
}
