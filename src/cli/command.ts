/**
 * The shape of a CLI subcommand, loaded lazily by `main.ts`.
 */

/** One `enoki <command>`. */
export interface Command {
  /** The text `enoki <command> --help` prints. */
  readonly help: string;
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(args: string[]): Promise<number>;
}
