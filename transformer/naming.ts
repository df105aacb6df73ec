// Readable, deterministic names for the generated code, after Tangent's naming: the
// adjoint of `x` is `dx` (of `loss`, `dLoss`), a reassigned `y` becomes `y`, `y_1`, ...,
// temporaries are `t1`, `t2`, ... A name is never one the source file already uses for
// something else, so generated code cannot shadow what the user's code refers to.
import ts from "typescript";

export class Namer {
  private readonly taken = new Set<string>();

  /** `reserved`: names that fresh names must avoid (every identifier of the file). */
  constructor(private readonly reserved: ReadonlySet<string>) {}

  /** An independent copy, for naming one more generated function from the same lowering. */
  clone(): Namer {
    const copy = new Namer(this.reserved);
    this.taken.forEach((n) => copy.taken.add(n));
    return copy;
  }

  /** A user's own variable name, kept when this function has not used it yet. */
  claim(name: string): string {
    if (!this.taken.has(name)) {
      this.taken.add(name);
      return name;
    }
    return this.version(name);
  }

  /** Marks a name as used without renaming (parameters, outer references). */
  reserve(name: string): void {
    this.taken.add(name);
  }

  /** A new version of a reassigned variable: y_1, y_2, ... */
  version(name: string): string {
    for (let i = 1; ; i++) {
      const candidate = `${name}_${i}`;
      if (this.isFree(candidate)) return this.take(candidate);
    }
  }

  /** A fresh name: `base` itself if free, else base1, base2, ... (or base_1 when base ends in a digit). */
  fresh(base: string): string {
    if (this.isFree(base)) return this.take(base);
    const sep = /\d$/.test(base) ? "_" : "";
    for (let i = 1; ; i++) {
      const candidate = `${base}${sep}${i}`;
      if (this.isFree(candidate)) return this.take(candidate);
    }
  }

  /** A fresh temporary: t1, t2, ... */
  temp(): string {
    for (let i = 1; ; i++) {
      const candidate = `t${i}`;
      if (this.isFree(candidate)) return this.take(candidate);
    }
  }

  /** The adjoint's name for a primal name: x -> dx, loss -> dLoss, y_1 -> dy_1. */
  adjoint(primal: string): string {
    const base = /^[A-Za-z](_?\d+)?$/.test(primal) ? `d${primal}` : `d${primal[0]!.toUpperCase()}${primal.slice(1)}`;
    return this.fresh(base);
  }

  private isFree(name: string): boolean {
    return !this.taken.has(name) && !this.reserved.has(name);
  }

  private take(name: string): string {
    this.taken.add(name);
    return name;
  }
}

/** Every identifier text in a file: generated names avoid all of them. */
export function identifiersIn(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}
