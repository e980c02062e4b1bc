/** Why the embedded PostgreSQL could not start, said as cause and remedy (the message is shown as is). */
export class EmbeddedPostgresError extends Error {
  override readonly name = "EmbeddedPostgresError"
  constructor(
    readonly reason: "binaries" | "user" | "data-dir" | "initdb" | "start",
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** The remedies that work whatever went wrong with the embedded server. */
export const GENERAL_REMEDY =
  "or point the master at your own PostgreSQL with --database-url (LEASEHOLD_DATABASE_URL)"
