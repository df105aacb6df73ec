// Readable, deterministic names for the generated code, after Tangent's naming. One suffix
// scheme, so a reader can tell every name's origin from its spelling:
//   y_1, y_2   the versions of a variable `y` the source reassigns (SSA), and only those
//   dy, dLoss  the adjoint of y, of loss (dy_1 of y_1)
//   t1, t2     temporaries of A-normal form
//   trips2     a second generated name of the same kind (trips, trips2, trips3, ...)
//   trip       the counter of a backward loop (trip, trip2 for the next loop)
// A name is never one the source file already uses for something else, so generated code
// cannot shadow what the user's code refers to.
import ts from "typescript";

/** Words no binding may take in a module (strict mode): a generated name avoids them. */
const KEYWORDS = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval undefined"
  ).split(" "),
);

export class Namer {
  private readonly taken = new Set<string>();
  /**
   * Per numbered family (t, y_, dt12, ...), the first index that may still be free: names are
   * only ever taken, so an index found taken stays taken, and the search resumes there.
   */
  private readonly firstFree = new Map<string, number>();

  /** `reserved`: names that fresh names must avoid (every identifier of the file). */
  constructor(private readonly reserved: ReadonlySet<string>) {}

  /** An independent copy, for naming one more generated function from the same lowering. */
  clone(): Namer {
    const copy = new Namer(this.reserved);
    this.taken.forEach((n) => copy.taken.add(n));
    this.firstFree.forEach((i, family) => copy.firstFree.set(family, i));
    return copy;
  }

  /** A user's own variable name, kept when this function has not used it yet. */
  claim(name: string): string {
    // A field's name (p.class, p.new) may be a word no variable can have.
    if (KEYWORDS.has(name)) return this.fresh(name);
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
    return this.firstFreeOf(`${name}_`, 1, (i) => `${name}_${i}`);
  }

  /**
   * A fresh name: `base` itself if free, else base2, base3, ... A base that ends in a digit
   * (dt12, the adjoint of a temporary) continues with a letter instead (dt12b, dt12c, ...),
   * so that no generated name ever reads as another name's SSA version or number.
   */
  fresh(base: string): string {
    if (this.isFree(base)) return this.take(base);
    const endsInDigit = /\d$/.test(base);
    return this.firstFreeOf(`${base}|fresh`, 2, (i) => (endsInDigit ? `${base}${letterSuffix(i)}` : `${base}${i}`));
  }

  /** A fresh temporary: t1, t2, ... */
  temp(): string {
    return this.firstFreeOf("t|temp", 1, (i) => `t${i}`);
  }

  /** The adjoint's name for a primal name: x -> dx, loss -> dLoss, y_1 -> dy_1. */
  adjoint(primal: string): string {
    // dx for x, dLoss for loss; dO for o, since `do` is a keyword.
    const short = /^[A-Za-z]\d*(_\d+)?$/.test(primal) && !KEYWORDS.has(`d${primal}`);
    const base = short ? `d${primal}` : `d${primal[0]!.toUpperCase()}${primal.slice(1)}`;
    return this.fresh(base);
  }

  /** Takes the first free name of a numbered family, from index `start` on. */
  private firstFreeOf(family: string, start: number, nameAt: (i: number) => string): string {
    for (let i = this.firstFree.get(family) ?? start; ; i++) {
      const candidate = nameAt(i);
      if (this.isFree(candidate)) {
        this.firstFree.set(family, i + 1);
        return this.take(candidate);
      }
    }
  }

  private isFree(name: string): boolean {
    return !this.taken.has(name) && !this.reserved.has(name) && !KEYWORDS.has(name);
  }

  private take(name: string): string {
    this.taken.add(name);
    return name;
  }
}

/**
 * Every identifier text in a file that could name a binding: generated names avoid all of
 * them. A property name (`{ seed: 3 }`, `options.seed`) binds nothing a generated local could
 * shadow, so it does not take the name.
 */
export function identifiersIn(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if ((ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) && !isPropertyName(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

/** b, c, ..., z, then b2, c2, ...: the suffixes of fresh names whose base ends in a digit. */
function letterSuffix(i: number): string {
  const letters = "bcdefghijklmnopqrstuvwxyz";
  const round = Math.floor((i - 2) / letters.length);
  return letters[(i - 2) % letters.length]! + (round === 0 ? "" : String(round + 1));
}

/** The name of a property, not of a binding: `seed` in `{ seed: 3 }`, `o.seed` and `seed() {}` in a class or object. */
function isPropertyName(node: ts.Identifier | ts.PrivateIdentifier): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isPropertyAccessExpression(parent)) return parent.name === node;
  if (ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name === node;
  }
  if (ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent)) return parent.name === node;
  if (ts.isGetAccessorDeclaration(parent) || ts.isSetAccessorDeclaration(parent)) return parent.name === node;
  return false;
}
