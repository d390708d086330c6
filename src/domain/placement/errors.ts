import { Schema } from "effect"

/** A job or task configuration failed validation; `reason` is Aurora's exact message (§6). */
export class JobConfigurationInvalid extends Schema.TaggedError<JobConfigurationInvalid>()(
  "JobConfigurationInvalid",
  { reason: Schema.String }
) {
  override get message(): string {
    return this.reason
  }
}

/** A create, update or cron schedule would exceed the role's production quota (§3). */
export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>()("QuotaExceeded", {
  role: Schema.String,
  details: Schema.String
}) {
  override get message(): string {
    return `Insufficient resource quota: ${this.details}`
  }
}

/** The `-tier_config` file is unreadable or inconsistent (§4). */
export class TierConfigInvalid extends Schema.TaggedError<TierConfigInvalid>()("TierConfigInvalid", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}
