export { runCli, EXIT } from "./runCli.ts"
export { makeMasterClient, ApiError, type MasterClient, type MasterTarget } from "./MasterClient.ts"
export type { CliIo } from "./CliContext.ts"
