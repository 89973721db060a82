/**
 * Errors of Enoki's RPC callers (not on the wire: the caller raises them itself).
 */
import { EnokiError } from "../util/enoki-error.js";
import { formatSeconds } from "../util/format-seconds.js";

/** No reply arrived in time. */
export class RpcTimeout extends EnokiError {
  readonly code = "ENOKI_RPC_TIMEOUT";
  constructor(target: string, timeoutMs: number) {
    super(`No reply from ${target} within ${formatSeconds(timeoutMs)}`);
    this.name = "RpcTimeout";
  }
}

/**
 * The caller's reply queue disappeared (deleted, or expired after more than 5 minutes without a
 * connection) while calls waited on it: their replies are lost. Nameko 3's
 * `ReplyQueueExpiredWithPendingReplies`.
 */
export class ReplyQueueLost extends EnokiError {
  readonly code = "ENOKI_REPLY_QUEUE_LOST";
  constructor(queue: string, pending: number) {
    super(`Reply queue ${queue} was lost while ${pending} call(s) waited on it; their replies are lost`);
    this.name = "ReplyQueueLost";
  }
}
