export * from "./election.ts"
export * from "./paths.ts"
export * from "./serverset.ts"
