/**
 * The errors of `@idempotent`.
 */
import { EnokiError } from "../util/enoki-error.js";
import { formatSeconds } from "../util/format-seconds.js";

/**
 * A delivery of a message found another run of it in progress, and that run neither completed
 * nor let go of its lease while this one waited. Retryable: the message's next delivery (a
 * requeued event, the caller's retry) finds the first run's result, or takes over once its lease
 * runs out.
 */
export class IdempotentRunInProgress extends EnokiError {
  readonly code = "ENOKI_IDEMPOTENT_RUN_IN_PROGRESS";
  /** The store key of the run in progress. */
  readonly key: string;
  constructor(key: string, waitedMs: number) {
    super(
      `Another run of ${key} is in progress; waited ${formatSeconds(waitedMs)} for it to end. ` +
        `Not run again here: a later delivery gets its result`,
    );
    this.name = "IdempotentRunInProgress";
    this.key = key;
  }
}
