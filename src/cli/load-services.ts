/**
 * Finding the services to run: `enoki run hello.ts`, `enoki run hello` (hello.ts or hello.js),
 * `enoki run hello.ts:GreetingService`. TypeScript needs no build step: `.ts` modules are
 * compiled on load by tsx, with the tsconfig.json nearest to the service file. tsx (and esbuild
 * under it) is imported only then: JavaScript services run without any compiler loaded
 * (test/examples/package.test.ts runs one with tsx made unresolvable).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isServiceClass, type ServiceClass } from "../core/service.js";
import { CliError } from "./cli-error.js";

/** What to load: a module, and optionally one class of it. */
export interface ServiceSpec {
  /** The module as given on the command line. */
  readonly module: string;
  /** The export to run; every exported service when unset. */
  readonly className: string | undefined;
}

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);
const JAVASCRIPT = new Set([".js", ".mjs", ".cjs"]);
// `enoki run hello` looks for these, in this order.
const IMPLICIT_EXTENSIONS = [".ts", ".js"];

/** Splits `module[:ClassName]`. */
export function parseServiceSpec(arg: string): ServiceSpec {
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(arg);
  return match ? { module: match[1] as string, className: match[2] } : { module: arg, className: undefined };
}

/**
 * Loads modules and returns the service classes to run, in command-line order.
 *
 * @throws CliError when a module does not exist, fails to compile or load, or exports no service.
 */
export async function loadServices(args: readonly string[], cwd = process.cwd()): Promise<ServiceClass[]> {
  const classes: ServiceClass[] = [];
  for (const arg of args) {
    const spec = parseServiceSpec(arg);
    const file = resolveModule(spec.module, cwd);
    const exports = await importModule(file, relative(cwd, file) || file);
    for (const cls of servicesOf(exports, spec, relative(cwd, file) || file)) {
      if (!classes.includes(cls)) classes.push(cls);
    }
  }
  return classes;
}

/** The file of a module argument, relative to `cwd`. */
export function resolveModule(module: string, cwd: string): string {
  const path = resolve(cwd, module);
  if (isFile(path)) {
    const ext = extname(path);
    if (!TYPESCRIPT.has(ext) && !JAVASCRIPT.has(ext)) {
      throw new CliError(`cannot run ${module}: not a TypeScript or JavaScript module`);
    }
    return path;
  }
  const hasModuleExtension = TYPESCRIPT.has(extname(path)) || JAVASCRIPT.has(extname(path));
  if (!hasModuleExtension) {
    for (const ext of IMPLICIT_EXTENSIONS) if (isFile(path + ext)) return path + ext;
  }
  const tried = hasModuleExtension ? module : IMPLICIT_EXTENSIONS.map((ext) => module + ext).join(", ");
  throw new CliError(`no module ${module} (looked for ${tried} in ${cwd})`);
}

async function importModule(file: string, shown: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT.has(extname(file))) {
    try {
      await registerTypeScript(file);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new CliError(
        `cannot run ${shown}: TypeScript modules are loaded with tsx, which did not load (${reason}); ` +
          "reinstall enoki, or compile the service and run the .js file",
        { cause: err },
      );
    }
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw loadError(err, shown);
  }
}

let typescriptRegistered = false;

/**
 * Lets `import()` load TypeScript. One process-wide loader, not tsx's scoped `tsImport`: a scoped
 * import loads a second copy of every module the service imports (Enoki included), and the
 * service's `registerRemoteError` calls and error classes would then not be the ones the runner
 * uses. The tsconfig is the service file's own, not the working directory's: a stray
 * `experimentalDecorators` there would break standard decorators.
 */
async function registerTypeScript(file: string): Promise<void> {
  if (typescriptRegistered) return;
  // Every module imported once the loader is registered goes through its hooks, which run on a
  // thread of their own (one synchronous round trip to it per resolve and per load). Enoki's own
  // modules need no compiling: loaded first (`enoki run` has already), the service's
  // `import ... from "enoki"` finds them loaded (a third of a TypeScript service's start otherwise).
  await import("../index.js");
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: nearestTsconfig(dirname(file)) ?? false });
  typescriptRegistered = true;
}

/** The nearest `tsconfig.json` in `dir` or above it. */
export function nearestTsconfig(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, "tsconfig.json");
    if (isFile(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

function servicesOf(exports: Record<string, unknown>, spec: ServiceSpec, shown: string): ServiceClass[] {
  if (spec.className !== undefined) {
    const value = exports[spec.className];
    if (value === undefined) throw new CliError(`${shown} has no export named ${spec.className}`);
    if (!isServiceClass(value)) {
      throw new CliError(`${spec.className} in ${shown} is not a service: decorate it with @service("name")`);
    }
    return [value];
  }
  const found = [...new Set(Object.values(exports).filter(isServiceClass))];
  if (found.length === 0) {
    throw new CliError(`${shown} exports no service: export a class decorated with @service("name")`);
  }
  return found;
}

function loadError(err: unknown, shown: string): CliError {
  const message = err instanceof Error ? err.message : String(err);
  // esbuild (through tsx): "Transform failed with 1 error:\n/abs/file.ts:1:25: ERROR: Unexpected ..."
  const compile = /^Transform failed with \d+ errors?:\n(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (compile) {
    const [, file, line, column, reason] = compile;
    return new CliError(
      `cannot compile ${shown}: ${relative(process.cwd(), file as string)}:${line}:${column}: ${reason}`,
      {
        cause: err,
      },
    );
  }
  if (err instanceof SyntaxError) {
    return new CliError(`cannot compile ${shown}: ${message}`, { cause: err });
  }
  const name = err instanceof Error ? `${err.name}: ` : "";
  return new CliError(`cannot load ${shown}: ${name}${message.split("\n")[0]}`, { cause: err });
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
