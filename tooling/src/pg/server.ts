import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startEmbeddedPostgres } from "./embedded.ts"

/** An admin connection string to a server the tests may create databases on, and its shutdown. */
export interface TestServer {
  readonly adminUrl: string
  readonly source: "env" | "embedded" | "container"
  readonly stop: () => Promise<void>
}

/**
 * Picks the test server: TEST_DATABASE_URL when set; a testcontainers PostgreSQL when
 * LEASEHOLD_TEST_PG=container; otherwise an embedded PostgreSQL in a temp dir.
 */
export const startTestServer = async (): Promise<TestServer> => {
  const fromEnv = process.env.TEST_DATABASE_URL
  const mode = process.env.LEASEHOLD_TEST_PG
  if (fromEnv && mode !== "embedded" && mode !== "container") {
    return { adminUrl: fromEnv, source: "env", stop: async () => {} }
  }
  if (mode === "container") {
    const { GenericContainer, Wait } = await import("testcontainers")
    const container = await new GenericContainer("postgres:17-alpine")
      .withEnvironment({ POSTGRES_PASSWORD: "postgres" })
      .withCommand(["postgres", "-c", "fsync=off", "-c", "max_connections=300"])
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start()
    const adminUrl = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`
    return { adminUrl, source: "container", stop: async () => void (await container.stop()) }
  }
  const dataDir = mkdtempSync(join(tmpdir(), "leasehold-pg-"))
  const server = await startEmbeddedPostgres({ dataDir })
  return {
    adminUrl: server.url,
    source: "embedded",
    stop: async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
