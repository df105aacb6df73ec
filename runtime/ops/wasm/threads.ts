// Worker threads for the WASM matrix product, in Node only: each worker instantiates the same
// module on the same shared WebAssembly.Memory and waits on a slot of a control block at its start
// (CONTROL_BYTES). The calling thread writes a job's arguments into each worker's slot, bumps the
// slot's sequence number and wakes it (Atomics.notify), runs its own share, then waits on each
// slot's done word (Atomics.wait, which Node allows on its main thread). Workers are unref()'d: an
// idle pool never keeps a process alive. Browsers get no pool (one thread), and nothing here
// imports a Node module: worker_threads comes from process.getBuiltinModule when it is called.
import type { WasmMemory } from "./kernel.js";

/** Bytes at the start of the shared memory that hold the workers' slots. */
export const CONTROL_BYTES = 4096;
/** Int32 words of a slot: READY, SEQ, DONE, STATUS, FN, then the product's 12 arguments. */
const SLOT = 32;
const READY = 0;
const SEQ = 1;
const DONE = 2;
const STATUS = 3;
const FN = 4;
const ARGS = 5;
const MAX_WORKERS = CONTROL_BYTES / 4 / SLOT;
/** How long a new worker may take to instantiate the module before threads are given up. */
const STARTUP_MS = 10_000;

/** A Node built-in module, or undefined outside Node (and in Node before 20.16, which lacks getBuiltinModule). */
export function nodeBuiltin(id: string): unknown {
  const process = (
    globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }
  ).process;
  return process?.versions?.node === undefined ? undefined : process.getBuiltinModule?.(id);
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: "error", listener: (error: unknown) => void): void;
}

interface WorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

// The worker: a CommonJS script (eval). `status` 1 is done, 2 is a product that threw.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, base } = workerData;
const { gemm32, gemm64 } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const control = new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4});
Atomics.store(control, base + ${READY}, 1);
Atomics.notify(control, base + ${READY});
for (let seen = 0; ; ) {
  Atomics.wait(control, base + ${SEQ}, seen);
  seen = Atomics.load(control, base + ${SEQ});
  const args = Array.from(control.subarray(base + ${ARGS}, base + ${ARGS + 12}));
  let status = 1;
  try {
    (control[base + ${FN}] === 32 ? gemm32 : gemm64)(...args);
  } catch {
    status = 2;
  }
  Atomics.store(control, base + ${STATUS}, status);
  Atomics.store(control, base + ${DONE}, seen);
  Atomics.notify(control, base + ${DONE});
}
`;

export class WorkerPool {
  private sequence = 0;
  private readonly workers: NodeWorker[] = [];
  /** Set when a worker did not start: the pool then stays at the size it had. */
  private failed = false;

  private constructor(
    private readonly threads: WorkerThreads,
    private readonly module: object,
    private readonly memory: WasmMemory,
    private readonly control: Int32Array,
  ) {}

  /** An empty pool for `module` on `memory` (whose first CONTROL_BYTES it owns); null outside Node. */
  static create(module: object, memory: WasmMemory): WorkerPool | null {
    const threads = nodeBuiltin("node:worker_threads") as WorkerThreads | undefined;
    if (threads === undefined) return null;
    const control = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
    control.fill(0);
    return new WorkerPool(threads, module, memory, control);
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts workers until there are `count` (at most MAX_WORKERS), each ready when this returns.
   * A worker that does not start in STARTUP_MS is ended, and no more are started from then on.
   */
  grow(count: number): void {
    while (!this.failed && this.workers.length < Math.min(count, MAX_WORKERS)) {
      const base = this.workers.length * SLOT;
      const { module, memory } = this;
      let worker: NodeWorker;
      try {
        worker = new this.threads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, base } });
      } catch {
        this.failed = true;
        return;
      }
      worker.unref();
      // A worker that fails to start never sets READY (below); its error must not go uncaught.
      worker.on("error", () => {});
      Atomics.wait(this.control, base + READY, 0, STARTUP_MS);
      if (Atomics.load(this.control, base + READY) !== 1) {
        void worker.terminate();
        this.failed = true;
        return;
      }
      this.workers.push(worker);
    }
  }

  /**
   * Runs `jobs[w]` (the product's arguments; fn 32 or 64 picks gemm32 or gemm64) on worker w and
   * `own` on this thread, and returns true when all are done, or false when a worker has not
   * answered `timeoutMs` after this thread finished its own share. A worker that died in the
   * middle of a share (an out-of-memory kill; a trap is caught and reported, not this) would
   * otherwise leave the wait unanswered for good, and its 'exit' event cannot reach a thread
   * blocked in Atomics.wait. After false the pool must not be used again, nor the memory.
   */
  run(fn: 32 | 64, jobs: readonly number[][], own: () => void, timeoutMs: number): boolean {
    const control = this.control;
    const sequence = (this.sequence = (this.sequence + 1) | 0);
    jobs.forEach((args, w) => {
      const base = w * SLOT;
      control[base + FN] = fn;
      control.set(args, base + ARGS);
      Atomics.store(control, base + SEQ, sequence);
      Atomics.notify(control, base + SEQ);
    });
    own();
    const deadline = Date.now() + timeoutMs;
    let failed = false;
    for (let w = 0; w < jobs.length; w++) {
      const base = w * SLOT;
      for (
        let done = Atomics.load(control, base + DONE);
        done !== sequence;
        done = Atomics.load(control, base + DONE)
      ) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        Atomics.wait(control, base + DONE, done, left);
      }
      failed ||= control[base + STATUS] !== 1;
    }
    if (failed) throw new Error("matmul: a worker thread's share of the WebAssembly product failed");
    return true;
  }

  close(): void {
    for (const worker of this.workers) void worker.terminate();
  }
}
