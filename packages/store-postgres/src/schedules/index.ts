export * from "./ScheduleRow.ts"
export * from "./classifyScheduleError.ts"
export * from "./scheduleQueries.ts"
export * from "./fireQueries.ts"
