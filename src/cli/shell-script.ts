/**
 * `enoki shell` with piped input (`enoki shell < script`, `echo ... | enoki shell`): the REPL
 * evaluates the statements, one after another, each finished (its `await` included) before the
 * next is read. Left to itself the REPL would start them all at once, since it does not wait for a
 * pending `await` before reading the next line, and stdin's end would cut the last ones short.
 *
 * Results print as the REPL prints them, on standard output; errors go to standard error, prefixed
 * with the line they were read on, and end the script with exit code 1.
 */
import { Console } from "node:console";
import { createInterface } from "node:readline";
import repl from "node:repl";
import { PassThrough, Writable } from "node:stream";
import { types } from "node:util";

/** Where a script comes from and where its output goes. */
export interface ShellScriptStreams {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errors: NodeJS.WritableStream;
}

/** Runs the statements read from `input` with `globals` in scope; resolves with the exit code. */
export async function runShellScript(
  globals: Record<string, unknown>,
  streams: ShellScriptStreams,
): Promise<number> {
  const { input, output, errors } = streams;
  let lineNumber = 0;
  let failed = false;
  // The REPL reports an error by setting `lastError` and writing the report in one write (which
  // starts with "Uncaught", or with the code for a syntax error). A script's reader wants the
  // error, not the stack of the client code that rebuilt it.
  let reported: unknown;
  let lastError = (): unknown => undefined;
  const replOutput = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const text = String(chunk);
      const err = lastError();
      if (err !== reported || text.startsWith("Uncaught")) {
        reported = err;
        failed = true;
        const report = types.isNativeError(err) ? `Uncaught ${err.name}: ${err.message}\n` : text;
        errors.write(`line ${lineNumber}: ${report}`);
      } else {
        output.write(text);
      }
      done();
    },
  });
  const server = repl.start({
    prompt: "",
    input: new PassThrough(), // lines are fed one at a time with server.write()
    output: replOutput,
    terminal: false,
    useColors: false,
    ignoreUndefined: true,
  });
  lastError = () => (server as { lastError?: unknown }).lastError;
  Object.assign(server.context, globals, { console: new Console(output, errors) });

  // The REPL shows its prompt once it is done with a line: a result or an error printed, or the
  // line kept as the start of a longer statement.
  let lineDone: (() => void) | undefined;
  let prompted = false;
  server.displayPrompt = () => {
    prompted = true;
    lineDone?.();
  };
  let evaluating = false;
  let incomplete = false;
  const evaluate = server.eval;
  const watchedEval: repl.REPLEval = function (code, context, file, callback) {
    evaluating = true;
    evaluate.call(this, code, context, file, (err, result) => {
      incomplete = err instanceof repl.Recoverable;
      callback(err, result);
    });
  };
  // The REPL calls `this.eval` for every line; its type is readonly only to discourage this.
  (server as { eval: repl.REPLEval }).eval = watchedEval;
  let closed = false;
  server.on("exit", () => {
    closed = true;
    lineDone?.();
  });

  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber += 1;
    prompted = false;
    evaluating = false;
    const done = new Promise<void>((resolve) => {
      lineDone = resolve;
    });
    server.write(`${line}\n`);
    if (evaluating && !prompted && !closed) await done;
    // A REPL command such as `.exit` takes effect on a later turn of the event loop.
    else await new Promise((resolve) => setImmediate(resolve));
    if (failed || closed) break;
  }
  if (incomplete && !failed) {
    failed = true;
    errors.write(`line ${lineNumber}: Uncaught SyntaxError: the input ended inside a statement\n`);
  }
  if (!closed) server.close();
  return failed ? 1 : 0;
}
