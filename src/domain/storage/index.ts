export * from "./ops.ts"
export * from "./snapshot.ts"
export * from "./stores.ts"
