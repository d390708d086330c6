import { Schema } from "effect"

export const IDENTIFIER_PATTERN = /^[\w\-.]+$/
export const MAX_IDENTIFIER_LENGTH = 255

export const isGoodIdentifier = (s: string): boolean =>
  s.length <= MAX_IDENTIFIER_LENGTH && IDENTIFIER_PATTERN.test(s)

/** A role, environment, job name, user or tier: `^[\w\-.]+$`, at most 255 characters. */
export const Identifier = (what: string) =>
  Schema.String.pipe(
    Schema.filter(
      (s) =>
        s.length > MAX_IDENTIFIER_LENGTH
          ? `${what} must be at most ${MAX_IDENTIFIER_LENGTH} characters, got ${s.length}`
          : IDENTIFIER_PATTERN.test(s)
            ? true
            : `${what} ${JSON.stringify(s)} may contain only letters, digits, '_', '-' and '.'`,
      { identifier: what }
    )
  )

export const JobKey = Schema.Struct({
  role: Identifier("role"),
  environment: Identifier("environment"),
  name: Identifier("name")
}).annotations({ identifier: "JobKey" })
export type JobKey = typeof JobKey.Type

export const jobKeyToString = (k: JobKey): string => `${k.role}/${k.environment}/${k.name}`

export const jobKeyEquals = (a: JobKey, b: JobKey): boolean =>
  a.role === b.role && a.environment === b.environment && a.name === b.name

/** Parses `role/env/name` (the canonical string). Returns a message naming the problem on failure. */
export const parseJobKey = (text: string): { readonly key: JobKey } | { readonly error: string } => {
  const parts = text.split("/")
  if (parts.length !== 3) {
    return { error: `Job key ${JSON.stringify(text)} must have the form role/environment/name` }
  }
  const names = ["role", "environment", "name"] as const
  for (let i = 0; i < 3; i++) {
    if (!isGoodIdentifier(parts[i])) {
      return {
        error: `Job key ${JSON.stringify(text)}: ${names[i]} ${JSON.stringify(parts[i])} may contain only letters, digits, '_', '-' and '.' (at most 255)`
      }
    }
  }
  return { key: { role: parts[0], environment: parts[1], name: parts[2] } }
}

export const Identity = Schema.Struct({ user: Identifier("user") }).annotations({ identifier: "Identity" })
export type Identity = typeof Identity.Type

export const InstanceKey = Schema.Struct({
  jobKey: JobKey,
  instanceId: Schema.Int.pipe(Schema.nonNegative())
})
export type InstanceKey = typeof InstanceKey.Type

export const JobUpdateKey = Schema.Struct({ job: JobKey, id: Schema.String })
export type JobUpdateKey = typeof JobUpdateKey.Type
