// What generated code needs for loops and arrays. A loop's forward sweep writes each
// carried number, every iteration, into a tape: a Float64Array indexed by the trip count
// and doubled when full, so a tape costs a store per iteration and no boxing.

/** A new, empty number tape. */
export function numberTape(): Float64Array {
  return new Float64Array(64);
}

/** The tape with twice the room, its values kept. */
export function growTape(tape: Float64Array): Float64Array {
  const grown = new Float64Array(tape.length * 2);
  grown.set(tape);
  return grown;
}

/** A zero gradient for an array parameter: the same kind (number[], Float64Array or Float32Array) and length. */
export function zerosLikeArray(x: ArrayLike<number>): number[] | Float64Array | Float32Array {
  if (x === undefined || x === null) {
    throw new TypeError(
      `the generated gradient: an array argument is ${String(x)}${x === undefined ? " (a missing argument?)" : ""}`,
    );
  }
  if (x instanceof Float32Array) return new Float32Array(x.length);
  if (x instanceof Float64Array) return new Float64Array(x.length);
  return new Array<number>(x.length).fill(0);
}

/** Adds a callee's gradient for an array argument into the caller's gradient of that array, in place. */
export function addIntoArray(target: number[] | Float64Array | Float32Array, source: ArrayLike<number>): void {
  for (let i = 0; i < source.length; i++) target[i]! += source[i]!;
}
