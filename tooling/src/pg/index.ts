export * from "./embedded.ts"
export * from "./server.ts"
export * from "./testDatabase.ts"
