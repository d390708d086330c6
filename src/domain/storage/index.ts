export * from "./ops.ts"
export * from "./plans.ts"
export * from "./snapshot.ts"
export * from "./stores.ts"
