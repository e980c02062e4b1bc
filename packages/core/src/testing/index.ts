export { jobStoreConformance, type ConformanceHarness } from "./jobStoreConformance.ts"
export { runModel } from "./conformance/modelSuite.ts"
export { modelSteps, type ModelStep } from "./conformance/modelSteps.ts"
