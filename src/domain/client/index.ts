export * from "./clusters.ts"
export * from "./keys.ts"
