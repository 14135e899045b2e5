/**
 * The failure taxonomy shared by the workflows (which classify what they see), the failure
 * analytics store, the healer and the supervisor. Pure: workflow code imports it.
 */
export const FAILURE_CLASSES = {
  'model-timeout': 'model-transport',
  'model-rate-limit': 'model-transport',
  'model-server-error': 'model-transport',
  'model-unreachable': 'model-transport',
  'model-rejected': 'model-transport',
  'malformed-json': 'model-output',
  'schema-violation': 'model-output',
  'empty-answer': 'model-output',
  refusal: 'model-output',
  'worker-lost': 'infrastructure',
  'heartbeat-timeout': 'infrastructure',
  'budget-exhausted': 'logic',
  escalation: 'logic',
  unknown: 'logic',
} as const;

export type FailureClass = keyof typeof FAILURE_CLASSES;
export type FailureCategory = (typeof FAILURE_CLASSES)[FailureClass];

export function categoryOf(failureClass: FailureClass): FailureCategory {
  return FAILURE_CLASSES[failureClass];
}

/** What a workflow knows about a failure, from Temporal's failure objects or its own validation. */
export interface FailureFacts {
  /** ApplicationFailure.type of the activity error (e.g. ModelTimeout), if any. */
  applicationType?: string;
  /** TimeoutFailure.timeoutType name if the activity timed out (e.g. HEARTBEAT, START_TO_CLOSE). */
  timeoutType?: string;
  /** Validation result kind for invalid model output. */
  validationKind?: 'malformed-json' | 'schema-violation' | 'empty-answer';
  message?: string;
}

const BY_APPLICATION_TYPE: Record<string, FailureClass> = {
  ModelTimeout: 'model-timeout',
  ModelRateLimited: 'model-rate-limit',
  ModelServerError: 'model-server-error',
  ModelUnreachable: 'model-unreachable',
  ModelRequestRejected: 'model-rejected',
  ModelAuthFailed: 'model-rejected',
  ModelNotFound: 'model-rejected',
  EscalationRequired: 'escalation',
};

const REFUSAL = /\b(I can(?:'|no)t help|I'm sorry, but|as an AI|I cannot comply|I won't)\b/i;

/** Maps what was observed to one failure class. */
export function classifyFailure(facts: FailureFacts): FailureClass {
  if (facts.validationKind) {
    if (facts.validationKind === 'malformed-json' && facts.message && REFUSAL.test(facts.message)) return 'refusal';
    return facts.validationKind;
  }
  if (facts.timeoutType === 'HEARTBEAT' || facts.timeoutType === 'TIMEOUT_TYPE_HEARTBEAT') return 'heartbeat-timeout';
  if (facts.timeoutType) return 'worker-lost';
  if (facts.applicationType && BY_APPLICATION_TYPE[facts.applicationType]) return BY_APPLICATION_TYPE[facts.applicationType];
  return 'unknown';
}
