/** The test harness and benchmarks start PostgreSQL through the product's own launcher. */
export { freePort, startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedServer } from "@leasehold/embedded-postgres"
