// The entry file of each redaction worker thread when the server runs from its TypeScript
// sources (tests, `npm run dev`; the build compiles redactionTask.ts itself, see
// server/workerFile.ts). Piscina starts plain Node worker threads, which do not inherit the
// parent's TypeScript loader, so this plain-JS trampoline registers tsx in the thread and then
// loads the TypeScript task module (models load once per thread there, before the first task).
import { register } from "tsx/esm/api";

register();

const { default: redactionTask } = await import("./redactionTask.ts");

export default redactionTask;
