/**
 * When a failed message runs again, and after how long.
 */
import { ConfigurationError } from "../util/enoki-error.js";
import { Backoff } from "./backoff.js";

/** A class of errors (`retryOn`). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** The retry policy of an `@eventHandler` or `@consume` method. */
export interface RetryOptions {
  /**
   * Runs in all, the first included, before the message is dead-lettered; 0: no limit. Default:
   * config `MESSAGE_MAX_ATTEMPTS` (5).
   */
  attempts?: number;
  /**
   * The delay before each retry, in milliseconds: the first retry waits `schedule[0]`, and so on;
   * the last one repeats. Default 1 s doubling to 30 s: `[1000, 2000, 4000, 8000, 16000, 30000]`.
   */
  schedule?: readonly number[];
  /**
   * Random spread of each delay, as a fraction of it (0 to 1). Default 0.1: a delay of 1 s is
   * 900 to 1100 ms, in steps of a fifth of the spread (each distinct delay is a queue on the
   * broker, so delays are rounded, as nameko-amqp-retry rounds its own).
   */
  jitter?: number;
  /** Errors that retry; any other is dead-lettered at once. Default: every error. */
  retryOn?: readonly ErrorClass[];
}

/** The default retry schedule, in milliseconds: 1 s doubling to 30 s. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [1000, 2000, 4000, 8000, 16_000, 30_000];
const DEFAULT_JITTER = 0.1;

/** A checked retry policy: `undefined` options mean the handler retries only on `Backoff`. */
export class RetryPolicy {
  readonly #retries: boolean;
  readonly #attempts: number | undefined;
  readonly #schedule: readonly number[];
  readonly #jitter: number;
  readonly #retryOn: readonly ErrorClass[] | undefined;

  /** Throws a `ConfigurationError` for a policy that makes no sense. */
  constructor(options: RetryOptions | undefined, where: string) {
    this.#retries = options !== undefined;
    const { attempts, schedule = DEFAULT_RETRY_SCHEDULE, jitter = DEFAULT_JITTER, retryOn } = options ?? {};
    if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 0)) {
      throw new ConfigurationError(
        `${where}: retry.attempts must be a non-negative integer, got ${attempts}`,
      );
    }
    if (schedule.length === 0 || !schedule.every((ms) => Number.isInteger(ms) && ms >= 0)) {
      throw new ConfigurationError(
        `${where}: retry.schedule must list at least one delay, in whole milliseconds ≥ 0`,
      );
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new ConfigurationError(`${where}: retry.jitter must be between 0 and 1, got ${jitter}`);
    }
    this.#attempts = attempts;
    this.#schedule = schedule;
    this.#jitter = jitter;
    this.#retryOn = retryOn;
  }

  /** Whether `error` asks for another run: a `Backoff`, or an error the policy retries. */
  retries(error: unknown): boolean {
    if (error instanceof Backoff) return true;
    if (!this.#retries) return false;
    return this.#retryOn === undefined || this.#retryOn.some((type) => error instanceof type);
  }

  /** Runs in all (0: no limit), with `defaultAttempts` (the config's) unless the policy says. */
  attempts(defaultAttempts: number): number {
    return this.#attempts ?? defaultAttempts;
  }

  /** The delay after run number `run` (1 for the first) failed, jitter applied, in milliseconds. */
  delayAfter(run: number, random: () => number = Math.random): number {
    const base = this.#schedule[Math.min(run, this.#schedule.length) - 1]!;
    const spread = base * this.#jitter;
    if (spread === 0) return base;
    const step = Math.max(1, Math.round(spread / 5));
    const jittered = base + (random() * 2 - 1) * spread;
    return Math.max(0, Math.round(jittered / step) * step);
  }
}
