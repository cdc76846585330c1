// Entry file of the import-parsing worker thread: plain worker threads do not inherit the
// parent's TypeScript loader, so this trampoline registers tsx and loads the task module.
import { register } from "tsx/esm/api";

register();

const { default: parseTask } = await import("./parseTask.ts");

export default parseTask;
