/** Pystachio's type descriptors: simple types, List, Map, Struct, Choice, Enum. */
import type { PObj } from "./objects.ts"

export type SimpleKind = "String" | "Integer" | "Float" | "Boolean" | "Enum"

export interface FieldSig {
  readonly type: PType
  readonly required: boolean
  /** Default value; undefined when the field is Empty unless set. */
  readonly default: PObj | undefined
}

export type PType =
  | {
      readonly k: "simple"
      readonly kind: SimpleKind
      readonly name: string
      readonly values?: ReadonlyArray<string>
    }
  | { readonly k: "list"; readonly elem: PType; readonly name: string }
  | { readonly k: "map"; readonly key: PType; readonly value: PType; readonly name: string }
  | {
      readonly k: "struct"
      readonly name: string
      readonly fields: ReadonlyMap<string, FieldSig>
      readonly order: ReadonlyArray<string>
    }
  | { readonly k: "choice"; readonly name: string; readonly alternatives: ReadonlyArray<PType> }

export const StringT: PType = { k: "simple", kind: "String", name: "String" }
export const IntegerT: PType = { k: "simple", kind: "Integer", name: "Integer" }
export const FloatT: PType = { k: "simple", kind: "Float", name: "Float" }
export const BooleanT: PType = { k: "simple", kind: "Boolean", name: "Boolean" }

const listCache = new WeakMap<PType, PType>()
export const ListOf = (elem: PType): PType => {
  let t = listCache.get(elem)
  if (!t) {
    t = { k: "list", elem, name: `${elem.name}List` }
    listCache.set(elem, t)
  }
  return t
}

const mapCache = new WeakMap<PType, WeakMap<PType, PType>>()
export const MapOf = (key: PType, value: PType): PType => {
  let inner = mapCache.get(key)
  if (!inner) {
    inner = new WeakMap()
    mapCache.set(key, inner)
  }
  let t = inner.get(value)
  if (!t) {
    t = { k: "map", key, value, name: `${key.name}${value.name}Map` }
    inner.set(value, t)
  }
  return t
}

export const EnumOf = (name: string, values: ReadonlyArray<string>): PType => ({
  k: "simple",
  kind: "Enum",
  name,
  values
})

export const ChoiceOf = (alternatives: ReadonlyArray<PType>, name?: string): PType => ({
  k: "choice",
  name: name ?? `${alternatives.map((a) => a.name).join("")}Choice`,
  alternatives
})

export const StructOf = (name: string, fields: ReadonlyArray<readonly [string, FieldSig]>): PType => ({
  k: "struct",
  name,
  fields: new Map(fields),
  order: fields.map(([n]) => n)
})

/** Same type: identity, or structurally equal containers. */
export const sameType = (a: PType, b: PType): boolean => {
  if (a === b) return true
  if (a.k !== b.k) return false
  if (a.k === "simple" && b.k === "simple") return a.kind === b.kind && a.name === b.name
  if (a.k === "list" && b.k === "list") return sameType(a.elem, b.elem)
  if (a.k === "map" && b.k === "map") return sameType(a.key, b.key) && sameType(a.value, b.value)
  return false
}
