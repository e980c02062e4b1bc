export * from "./EmbeddedPostgresError.ts"
export * from "./freePort.ts"
export * from "./nativeBinaries.ts"
export * from "./startEmbeddedPostgres.ts"
