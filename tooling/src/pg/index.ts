export * from "./embedded.ts"
export * from "./server.ts"
export * from "./testDatabase.ts"
/** postgres.js, re-exported so a test package can read its database without its own dependency. */
export { default as postgres } from "postgres"
