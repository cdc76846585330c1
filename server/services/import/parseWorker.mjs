// Entry file of the import-parsing worker thread when run from the TypeScript sources (the
// build compiles parseTask.ts itself, see server/workerFile.ts): plain worker threads do not
// inherit the parent's TypeScript loader, so this trampoline registers tsx and loads the task.
import { register } from "tsx/esm/api";

register();

const { default: parseTask } = await import("./parseTask.ts");

export default parseTask;
