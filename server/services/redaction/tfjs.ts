import type * as Tfjs from "@tensorflow/tfjs";
import type * as TfWasm from "@tensorflow/tfjs-backend-wasm";
import * as faceapi from "@vladmandic/face-api/dist/face-api.node-wasm.js";

/** The tfjs namespace with the WASM backend's set-up functions. */
export type Tf = typeof Tfjs & Pick<typeof TfWasm, "setWasmPaths">;

/** A tensor of the tfjs instance face-api uses. */
export type Tensor = Tfjs.Tensor;

/**
 * tfjs exactly as face-api's node-wasm build loads it (that build re-exports all of
 * @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm). Going through it guarantees the model
 * weights and our tensors live in one engine even when a bundler or test runner could resolve
 * a second copy of tfjs. face-api's own typings declare only a subset of the namespace,
 * hence the cast.
 */
export const tf = faceapi.tf as unknown as Tf;

/** face-api itself (node-wasm build): its nets hold the loaded weights. */
export { faceapi };
