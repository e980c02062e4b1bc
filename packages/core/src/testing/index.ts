export { jobStoreConformance, type ConformanceHarness } from "./jobStoreConformance.ts"
export { runModel, modelSteps, type ModelStep } from "./conformance/modelSuite.ts"
