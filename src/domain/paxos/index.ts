export * from "./node.ts"
export * from "./pipeline.ts"
export * from "./replica.ts"
export * from "./types.ts"
