export * from "./errors.ts"
export * from "./JobStore.ts"
