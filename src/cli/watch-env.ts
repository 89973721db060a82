/**
 * How `enoki run --watch` tells the services' process it is its child: apart from watch.ts, so
 * that `enoki run` without --watch does not load the watcher.
 */

/** The child's environment variable naming the file its module hooks append to. */
export const WATCH_MODULES_ENV = "ENOKI_WATCH_MODULES";
