import { parentPort } from "node:worker_threads";
import { tfjsReferenceOutputs } from "./faceDetector";

// Runs once in its own thread: tfjs's outputs for the agreement check go back to the thread
// that started it, which then ends this one (and with it the WASM memory the pass grew).
if (!parentPort) throw new Error("referenceTask runs only as a worker thread");
parentPort.postMessage(await tfjsReferenceOutputs());
