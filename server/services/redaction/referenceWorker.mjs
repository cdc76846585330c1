// The entry file, when run from the TypeScript sources (the build compiles referenceTask.ts
// itself, see server/workerFile.ts), of the short-lived thread that computes tfjs's outputs
// for the agreement check (see referenceOutputsInThread in faceDetector.ts): registers tsx, as
// a plain Node worker thread does not inherit the parent's TypeScript loader (module hooks are
// per thread: https://tsx.is/dev-api/register-esm), then runs the task.
import { register } from "tsx/esm/api";

register();

await import("./referenceTask.ts");
