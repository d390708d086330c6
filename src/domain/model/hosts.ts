import { Schema } from "effect"

export const MaintenanceMode = Schema.Literal("NONE", "SCHEDULED", "DRAINING", "DRAINED").annotations({
  identifier: "MaintenanceMode"
})
export type MaintenanceMode = typeof MaintenanceMode.Type
export const MaintenanceModeNumber: Record<MaintenanceMode, number> = {
  NONE: 1,
  SCHEDULED: 2,
  DRAINING: 3,
  DRAINED: 4
}

export const Attribute = Schema.Struct({ name: Schema.String, values: Schema.Array(Schema.String) })
export type Attribute = typeof Attribute.Type

export const HostAttributes = Schema.Struct({
  host: Schema.String,
  attributes: Schema.Array(Attribute),
  mode: Schema.optional(MaintenanceMode),
  slaveId: Schema.optional(Schema.String)
}).annotations({ identifier: "HostAttributes" })
export type HostAttributes = typeof HostAttributes.Type

export const HostStatus = Schema.Struct({ host: Schema.String, mode: MaintenanceMode })
export type HostStatus = typeof HostStatus.Type

export const Hosts = Schema.Struct({ hostNames: Schema.Array(Schema.String) })
export type Hosts = typeof Hosts.Type

export const attributeValues = (h: HostAttributes, name: string): ReadonlyArray<string> =>
  h.attributes.find((a) => a.name === name)?.values ?? []
