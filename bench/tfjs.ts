// TensorFlow.js in the benchmark (float32 only: TF.js has no float64): its setup, offline
// (activate), the row every workload builds on it (tfImpl), and the seed workload's gradient
// with tf.grad. TF.js has no stop-gradient op, so stopGradient is a tf.customGrad whose
// gradient is zero.
import * as tf from "@tensorflow/tfjs";
import path from "node:path";
import type { Impl, Kind } from "./harness";

export type Unavailable = { name: string; kind: Kind; unavailable: string };

export { tf };

/** x in the forward pass; a zero gradient in the backward pass (tf.stop_gradient). */
const stopGradient = tf.customGrad((x, _save) => {
  const input = x as tf.Tensor;
  return { value: input.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** sum(f(x) + g(x) - stopGradient(g(x))) with f(x) = x², g(x) = x³. */
const modified = (x: tf.Tensor): tf.Scalar =>
  tf.sum(tf.sub(tf.add(tf.mul(x, x), tf.pow(x, 3)), stopGradient(tf.pow(x, 3))));

/** 2x + 3x², through TF.js's tape. */
export const dModifiedTf = tf.grad(modified);

/**
 * Makes `name` ("cpu" or "wasm") the active backend. Returns null on success, or why it failed.
 * The wasm backend is loaded offline: its .wasm binaries are read from the installed package's
 * dist/ directory (a file path prefix, which Emscripten reads with fs under Node).
 */
let wasmRegistered = false;

export async function activate(name: "cpu" | "wasm"): Promise<string | null> {
  try {
    if (name === "wasm" && !wasmRegistered) {
      // Importing the package registers the backend; it is initialised by setBackend below.
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      const dir = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
      wasm.setWasmPaths(dir + path.sep);
      wasmRegistered = true;
    }
    if (tf.getBackend() === name) return null;
    // setBackend resolves to false (after a console warning) when the backend fails to initialise.
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend("${name}") failed to initialise the backend`;
    await tf.ready();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  }
}

/** A one-line description of the wasm build TF.js picked (after activate("wasm")). */
export async function wasmFlavour(): Promise<string> {
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  return `${simd ? "SIMD" : "no SIMD"}, ${threads ? "multi-threaded" : "single-threaded"}`;
}

/** modified(x) alone: the primal of the seed workload in TF.js. */
export const modifiedTf = modified;

/** A row of a workload run on a TF.js backend (float32), or why it cannot run. */
export async function tfImpl<S extends tf.Tensor[]>(
  backend: "cpu" | "wasm",
  what: string,
  inputs: () => S,
  grad: (...held: S) => tf.Tensor | tf.Tensor[],
  primal?: (...held: S) => tf.Tensor,
): Promise<Impl | Unavailable> {
  const kind = backend === "cpu" ? "tfjs-cpu" : "tfjs-wasm";
  const backendName = `TF.js ${tf.version.tfjs} ${backend === "cpu" ? "CPU" : "WASM"}`;
  const failed = await activate(backend);
  if (failed !== null) return { name: `${backendName}, ${what}`, kind, unavailable: `unavailable: ${failed}` };
  const flavour = backend === "wasm" ? ` (${await wasmFlavour()})` : "";
  // Created while this backend is active, so they live on it: a tensor used on two backends
  // would be moved between them inside the timed calls.
  const held = inputs();
  // Timed calls read their results back (dataSync), as the other rows return typed arrays.
  const run = (f: (...held: S) => tf.Tensor | tf.Tensor[]) => () => {
    const r = tf.tidy(() => f(...held));
    const list = Array.isArray(r) ? r : [r];
    for (const t of list) t.dataSync();
    return list;
  };
  return {
    name: `${backendName}${flavour}, ${what}`,
    kind,
    prepare: () => activate(backend),
    grad: run(grad),
    primal: primal && run(primal),
    read: (r) => (r as tf.Tensor[]).map((t) => t.dataSync() as Float32Array),
    release: (r) => (r as tf.Tensor[]).forEach((t) => t.dispose()),
    dispose: () => held.forEach((t) => t.dispose()),
  };
}
