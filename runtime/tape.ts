// Tapes for loops in generated code: the forward sweep pushes each carried variable's
// value at the start of every iteration; the backward sweep pops them in reverse to replay
// the iterations backwards. Numbers live in a growing Float64Array (no boxing); other
// values (tensors) in an array.

export class NumberTape {
  private data = new Float64Array(16);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  pop(): number {
    if (this.length === 0) throw new Error("adjoint internal error: pop from an empty tape");
    return this.data[--this.length]!;
  }
}

export class ValueTape<T> {
  private readonly values: T[] = [];

  get length(): number {
    return this.values.length;
  }

  push(value: T): void {
    this.values.push(value);
  }

  pop(): T {
    if (this.values.length === 0) throw new Error("adjoint internal error: pop from an empty tape");
    return this.values.pop()!;
  }
}

export function numberTape(): NumberTape {
  return new NumberTape();
}

export function valueTape<T>(): ValueTape<T> {
  return new ValueTape<T>();
}

/** A zero gradient for an array parameter: the same kind (number[], Float64Array or Float32Array) and length. */
export function zerosLikeArray(x: ArrayLike<number>): number[] | Float64Array | Float32Array {
  if (x instanceof Float32Array) return new Float32Array(x.length);
  if (x instanceof Float64Array) return new Float64Array(x.length);
  return new Array<number>(x.length).fill(0);
}
