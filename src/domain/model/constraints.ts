import { Schema } from "effect"

export const ValueConstraint = Schema.Struct({
  negated: Schema.Boolean,
  values: Schema.Array(Schema.String)
}).annotations({ identifier: "ValueConstraint" })
export type ValueConstraint = typeof ValueConstraint.Type

export const LimitConstraint = Schema.Struct({ limit: Schema.Int }).annotations({
  identifier: "LimitConstraint"
})
export type LimitConstraint = typeof LimitConstraint.Type

/** `TaskConstraint` union: exactly one of `value` or `limit`. */
export const TaskConstraint = Schema.Union(
  Schema.Struct({ value: ValueConstraint }),
  Schema.Struct({ limit: LimitConstraint })
).annotations({ identifier: "TaskConstraint" })
export type TaskConstraint = typeof TaskConstraint.Type

export const Constraint = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1, { message: () => "constraint name must not be empty" })),
  constraint: TaskConstraint
}).annotations({ identifier: "Constraint" })
export type Constraint = typeof Constraint.Type

export const DEDICATED_ATTRIBUTE = "dedicated"
