import { ApiError } from "../api/client.ts"

/** An API failure as a user reads it: what went wrong and, where known, what to do. */
export const ErrorNote = ({ error }: { readonly error: unknown }) => {
  if (error === null || error === undefined) return null
  const message = error instanceof Error ? error.message : String(error)
  const hint =
    error instanceof ApiError && error.status === 403
      ? " This token's role may not do that; use an admin token."
      : error instanceof ApiError && error.status === 0
        ? " Retrying every second."
        : ""
  return (
    <p className="error" role="alert">
      {message}
      {hint}
    </p>
  )
}
