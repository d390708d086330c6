// The leader's settings, one field per Aurora flag (camelCase of the flag name; durations in ms), with
// Aurora's defaults. The scheduler program maps its `--flag` values onto this object.
import type { LifecycleSettings, ReconciliationSettings } from "../../domain/lifecycle/index.ts"
import { DEFAULT_LIFECYCLE_SETTINGS, DEFAULT_RECONCILIATION_SETTINGS } from "../../domain/lifecycle/index.ts"
import { DEFAULT_TIER_CONFIG, type OfferOrder, type TierConfig } from "../../domain/placement/index.ts"
import { DEFAULT_MAINTENANCE, type MaintenanceSettings } from "../placement/MaintenanceControllerLive.ts"
import { DEFAULT_OFFER_MANAGER, type OfferManagerSettings } from "../placement/OfferManagerLive.ts"
import { DEFAULT_PREEMPTOR, type PreemptorSettings } from "../placement/PreemptorLive.ts"
import { DEFAULT_TASK_SCHEDULER, type TaskSchedulerSettings } from "../placement/TaskSchedulerLive.ts"

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export interface LeaderSettings {
  /** Recorded as `scheduler` on task events (`-hostname`, else the local host name). */
  readonly schedulerHost: string
  /** `-cluster_name` (maintenance coordinator requests). */
  readonly clusterName: string
  // Lifecycle (task-lifecycle.md §3-4)
  readonly flappingTaskThresholdMs: number
  readonly initialFlappingTaskDelayMs: number
  readonly maxFlappingTaskDelayMs: number
  readonly maxRescheduleTaskDelayOnStartupMs: number
  readonly transientTaskStateTimeoutMs: number
  readonly initialTaskKillRetryIntervalMs: number
  readonly historyPruneThresholdMs: number
  readonly historyMaxPerJobThreshold: number
  readonly historyMinRetentionThresholdMs: number
  readonly jobUpdateHistoryPruningThresholdMs: number
  readonly jobUpdateHistoryPerJobThreshold: number
  // Reconciliation (§4.3)
  readonly reconciliationInitialDelayMs: number
  readonly reconciliationExplicitIntervalMs: number
  readonly reconciliationImplicitIntervalMs: number
  readonly reconciliationScheduleSpreadMs: number
  readonly reconciliationExplicitBatchSize: number
  readonly reconciliationExplicitBatchIntervalMs: number
  // Status updates (§5)
  readonly maxStatusUpdateBatchSize: number
  // Scheduling (scheduling.md §1)
  readonly firstScheduleDelayMs: number
  readonly initialSchedulePenaltyMs: number
  readonly maxSchedulePenaltyMs: number
  readonly maxScheduleAttemptsPerSec: number
  readonly maxTasksPerScheduleAttempt: number
  readonly offerReservationDurationMs: number
  readonly enableUpdateAffinity: boolean
  readonly updateAffinityReservationHoldTimeMs: number
  /** Read by the API's job validation (default constraints); placement does not use it. */
  readonly enableLegacyConstraints: boolean
  readonly tiers: TierConfig
  // Offers
  readonly minOfferHoldTimeMs: number
  readonly offerHoldJitterWindowMs: number
  readonly holdOffersForever: boolean
  readonly offerFilterDurationMs: number
  readonly unavailabilityThresholdMs: number
  readonly offerOrder: ReadonlyArray<OfferOrder>
  readonly offerStaticBanCacheMaxSize: number
  /** How often held offers are checked for their return time (not an Aurora flag). */
  readonly offerSweepIntervalMs: number
  // Preemption
  readonly enablePreemptor: boolean
  readonly preemptionDelayMs: number
  readonly preemptionSlotHoldTimeMs: number
  readonly preemptionSlotSearchInitialDelayMs: number
  readonly preemptionSlotSearchIntervalMs: number
  readonly preemptionReservationMaxBatchSize: number
  // Maintenance
  readonly hostMaintenancePollingIntervalMs: number
  readonly slaCoordinatorTimeoutMs: number
  readonly maxParallelCoordinatedMaintenance: number
  readonly minRequiredInstancesForSlaCheck: number
  readonly slaAwareKillNonProd: boolean
  // Storage
  readonly dlogSnapshotIntervalMs: number
}

export const DEFAULT_LEADER_SETTINGS: LeaderSettings = {
  schedulerHost: "localhost",
  clusterName: "local",
  flappingTaskThresholdMs: DEFAULT_LIFECYCLE_SETTINGS.flappingTaskThresholdMs,
  initialFlappingTaskDelayMs: DEFAULT_LIFECYCLE_SETTINGS.initialFlappingTaskDelayMs,
  maxFlappingTaskDelayMs: DEFAULT_LIFECYCLE_SETTINGS.maxFlappingTaskDelayMs,
  maxRescheduleTaskDelayOnStartupMs: DEFAULT_LIFECYCLE_SETTINGS.maxRescheduleTaskDelayOnStartupMs,
  transientTaskStateTimeoutMs: DEFAULT_LIFECYCLE_SETTINGS.transientTaskStateTimeoutMs,
  initialTaskKillRetryIntervalMs: DEFAULT_LIFECYCLE_SETTINGS.initialTaskKillRetryIntervalMs,
  historyPruneThresholdMs: 2 * DAY,
  historyMaxPerJobThreshold: 100,
  historyMinRetentionThresholdMs: HOUR,
  jobUpdateHistoryPruningThresholdMs: 30 * DAY,
  jobUpdateHistoryPerJobThreshold: 10,
  reconciliationInitialDelayMs: DEFAULT_RECONCILIATION_SETTINGS.initialDelayMs,
  reconciliationExplicitIntervalMs: DEFAULT_RECONCILIATION_SETTINGS.explicitIntervalMs,
  reconciliationImplicitIntervalMs: DEFAULT_RECONCILIATION_SETTINGS.implicitIntervalMs,
  reconciliationScheduleSpreadMs: DEFAULT_RECONCILIATION_SETTINGS.scheduleSpreadMs,
  reconciliationExplicitBatchSize: DEFAULT_RECONCILIATION_SETTINGS.explicitBatchSize,
  reconciliationExplicitBatchIntervalMs: DEFAULT_RECONCILIATION_SETTINGS.explicitBatchIntervalMs,
  maxStatusUpdateBatchSize: 1000,
  firstScheduleDelayMs: DEFAULT_TASK_SCHEDULER.firstScheduleDelayMs,
  initialSchedulePenaltyMs: DEFAULT_TASK_SCHEDULER.initialSchedulePenaltyMs,
  maxSchedulePenaltyMs: DEFAULT_TASK_SCHEDULER.maxSchedulePenaltyMs,
  maxScheduleAttemptsPerSec: DEFAULT_TASK_SCHEDULER.maxScheduleAttemptsPerSec,
  maxTasksPerScheduleAttempt: DEFAULT_TASK_SCHEDULER.maxTasksPerScheduleAttempt,
  offerReservationDurationMs: DEFAULT_TASK_SCHEDULER.offerReservationDurationMs,
  enableUpdateAffinity: false,
  updateAffinityReservationHoldTimeMs: 3 * MINUTE,
  enableLegacyConstraints: true,
  tiers: DEFAULT_TIER_CONFIG,
  minOfferHoldTimeMs: DEFAULT_OFFER_MANAGER.minOfferHoldMs,
  offerHoldJitterWindowMs: DEFAULT_OFFER_MANAGER.offerHoldJitterMs,
  holdOffersForever: false,
  offerFilterDurationMs: DEFAULT_OFFER_MANAGER.offerFilterMs,
  unavailabilityThresholdMs: DEFAULT_OFFER_MANAGER.unavailabilityThresholdMs,
  offerOrder: DEFAULT_OFFER_MANAGER.offerOrder,
  offerStaticBanCacheMaxSize: DEFAULT_OFFER_MANAGER.staticBanMaxEntries,
  offerSweepIntervalMs: DEFAULT_OFFER_MANAGER.sweepIntervalMs,
  enablePreemptor: true,
  preemptionDelayMs: DEFAULT_PREEMPTOR.preemptionDelayMs,
  preemptionSlotHoldTimeMs: DEFAULT_PREEMPTOR.slotHoldMs,
  preemptionSlotSearchInitialDelayMs: DEFAULT_PREEMPTOR.searchInitialDelayMs,
  preemptionSlotSearchIntervalMs: DEFAULT_PREEMPTOR.searchIntervalMs,
  preemptionReservationMaxBatchSize: DEFAULT_PREEMPTOR.reservationBatchSize,
  hostMaintenancePollingIntervalMs: DEFAULT_MAINTENANCE.pollingIntervalMs,
  slaCoordinatorTimeoutMs: DEFAULT_MAINTENANCE.coordinatorTimeoutMs,
  maxParallelCoordinatedMaintenance: DEFAULT_MAINTENANCE.maxParallelCoordinated,
  minRequiredInstancesForSlaCheck: 20,
  slaAwareKillNonProd: false,
  dlogSnapshotIntervalMs: HOUR
}

export const lifecycleSettings = (s: LeaderSettings): LifecycleSettings => ({
  flappingTaskThresholdMs: s.flappingTaskThresholdMs,
  initialFlappingTaskDelayMs: s.initialFlappingTaskDelayMs,
  maxFlappingTaskDelayMs: s.maxFlappingTaskDelayMs,
  maxRescheduleTaskDelayOnStartupMs: s.maxRescheduleTaskDelayOnStartupMs,
  transientTaskStateTimeoutMs: s.transientTaskStateTimeoutMs,
  initialTaskKillRetryIntervalMs: s.initialTaskKillRetryIntervalMs,
  historyPruneThresholdMs: s.historyPruneThresholdMs,
  historyMaxPerJobThreshold: s.historyMaxPerJobThreshold,
  historyMinRetentionThresholdMs: s.historyMinRetentionThresholdMs,
  jobUpdateHistoryPruningThresholdMs: s.jobUpdateHistoryPruningThresholdMs,
  jobUpdateHistoryPerJobThreshold: s.jobUpdateHistoryPerJobThreshold
})

export const reconciliationSettings = (s: LeaderSettings): ReconciliationSettings => ({
  initialDelayMs: s.reconciliationInitialDelayMs,
  explicitIntervalMs: s.reconciliationExplicitIntervalMs,
  implicitIntervalMs: s.reconciliationImplicitIntervalMs,
  scheduleSpreadMs: s.reconciliationScheduleSpreadMs,
  explicitBatchSize: s.reconciliationExplicitBatchSize,
  explicitBatchIntervalMs: s.reconciliationExplicitBatchIntervalMs
})

export const taskSchedulerSettings = (s: LeaderSettings): TaskSchedulerSettings => ({
  ...DEFAULT_TASK_SCHEDULER,
  firstScheduleDelayMs: s.firstScheduleDelayMs,
  initialSchedulePenaltyMs: s.initialSchedulePenaltyMs,
  maxSchedulePenaltyMs: s.maxSchedulePenaltyMs,
  maxScheduleAttemptsPerSec: s.maxScheduleAttemptsPerSec,
  maxTasksPerScheduleAttempt: s.maxTasksPerScheduleAttempt,
  maxRescheduleTaskDelayOnStartupMs: s.maxRescheduleTaskDelayOnStartupMs,
  offerReservationDurationMs: s.offerReservationDurationMs,
  tiers: s.tiers,
  enableUpdateAffinity: s.enableUpdateAffinity,
  updateAffinityHoldMs: s.updateAffinityReservationHoldTimeMs
})

export const offerManagerSettings = (s: LeaderSettings): OfferManagerSettings => ({
  ...DEFAULT_OFFER_MANAGER,
  minOfferHoldMs: s.minOfferHoldTimeMs,
  offerHoldJitterMs: s.offerHoldJitterWindowMs,
  holdOffersForever: s.holdOffersForever,
  offerFilterMs: s.offerFilterDurationMs,
  unavailabilityThresholdMs: s.unavailabilityThresholdMs,
  offerOrder: s.offerOrder,
  staticBanMaxEntries: s.offerStaticBanCacheMaxSize,
  sweepIntervalMs: s.offerSweepIntervalMs
})

export const preemptorSettings = (s: LeaderSettings): PreemptorSettings => ({
  ...DEFAULT_PREEMPTOR,
  enabled: s.enablePreemptor,
  preemptionDelayMs: s.preemptionDelayMs,
  slotHoldMs: s.preemptionSlotHoldTimeMs,
  searchInitialDelayMs: s.preemptionSlotSearchInitialDelayMs,
  searchIntervalMs: s.preemptionSlotSearchIntervalMs,
  reservationBatchSize: s.preemptionReservationMaxBatchSize,
  unavailabilityThresholdMs: s.unavailabilityThresholdMs,
  tiers: s.tiers
})

export const maintenanceSettings = (s: LeaderSettings): MaintenanceSettings => ({
  ...DEFAULT_MAINTENANCE,
  pollingIntervalMs: s.hostMaintenancePollingIntervalMs,
  unavailabilityThresholdMs: s.unavailabilityThresholdMs,
  cluster: s.clusterName,
  coordinatorTimeoutMs: s.slaCoordinatorTimeoutMs,
  maxParallelCoordinated: s.maxParallelCoordinatedMaintenance,
  sla: {
    ...DEFAULT_MAINTENANCE.sla,
    tiers: s.tiers,
    slaAwareKillNonProd: s.slaAwareKillNonProd,
    minRequiredInstancesForSlaCheck: s.minRequiredInstancesForSlaCheck
  }
})
