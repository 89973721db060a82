/**
 * Errors of the container and its extensions. Errors that cross the wire keep Nameko's names and
 * live in `wire/remote-errors.ts`; `ConfigurationError` is in `util/enoki-error.ts`, as every
 * layer raises it.
 */
import { EnokiError } from "../util/enoki-error.js";
import { formatSeconds } from "../util/format-seconds.js";

/** The container is being killed; the work was abandoned and its message requeued. */
export class ContainerBeingKilled extends EnokiError {
  readonly code = "ENOKI_CONTAINER_KILLED";
  constructor(message = "Container is being killed") {
    super(message);
    this.name = "ContainerBeingKilled";
  }
}

/** An extension did not finish a lifecycle phase in time. */
export class ExtensionTimeoutError extends EnokiError {
  readonly code = "ENOKI_EXTENSION_TIMEOUT";
  readonly extension: string;
  readonly phase: string;
  constructor(extension: string, phase: string, timeoutMs: number) {
    super(`${extension} did not finish ${phase} within ${formatSeconds(timeoutMs)}`);
    this.name = "ExtensionTimeoutError";
    this.extension = extension;
    this.phase = phase;
  }
}

/** A dependency was used on an instance the container did not create. */
export class DependencyNotInjected extends EnokiError {
  readonly code = "ENOKI_DEPENDENCY_NOT_INJECTED";
  constructor(what: string) {
    super(
      `${what} is only a declaration here: dependencies are injected into workers created by a ` +
        `container. In unit tests, use workerFactory() from "enoki/testing".`,
    );
    this.name = "DependencyNotInjected";
  }
}
