export * from "./clusters.ts"
export * from "./format.ts"
export * from "./keys.ts"
export * from "./retry.ts"
