import { fileURLToPath } from "node:url";

/** The worker threads the server starts, by the name of their compiled entry in dist/server/. */
export type WorkerName = "redactionWorker" | "referenceWorker" | "parseWorker";

// Run from source (tests, `npm run dev`), a worker thread does not inherit the parent's
// TypeScript loader (module hooks are per thread: https://tsx.is/dev-api/register-esm), so
// it starts from a plain-JS trampoline that registers tsx and imports the task module.
const trampolines: Record<WorkerName, string> = {
  redactionWorker: "./services/redaction/redactionWorker.mjs",
  referenceWorker: "./services/redaction/referenceWorker.mjs",
  parseWorker: "./services/import/parseWorker.mjs",
};

/**
 * The file a worker thread starts from: in the bundle (dist/server/, where every entry and
 * chunk sits in one folder) the compiled task module beside this code; run from the
 * TypeScript sources, the tsx trampoline next to the task.
 */
export function workerFile(name: WorkerName, here: string = import.meta.url): string {
  const fromSource = here.endsWith(".ts");
  return fileURLToPath(new URL(fromSource ? trampolines[name] : `./${name}.js`, here));
}
