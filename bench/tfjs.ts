// The same gradient in TensorFlow.js (float32 only: TF.js has no float64), with tf.grad.
// TF.js has no stop-gradient op, so stopGradient is a tf.customGrad whose gradient is zero.
import * as tf from "@tensorflow/tfjs";
import path from "node:path";

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
