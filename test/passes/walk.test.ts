// The shared walk of the clean-up passes: where it goes (into branches and loop bodies, or
// branches only), in which order, and what it counts as a read or a write.
import { describe, expect, it } from "vitest";
import * as js from "../../transformer/js";
import {
  assignedNames,
  countReads,
  declaredNames,
  filterStatements,
  flatMapStatements,
  forEachStatement,
  isPure,
  mapExprsDeep,
  readsInOpaque,
  rewriteBlocks,
} from "../../transformer/passes/walk";
import { code, parse, print } from "./spec";

const NESTED = `
  const a = 1;
  if (c) {
    const b = 2;
    while (i < 3) { const inLoop = 3; }
  } else {
    const d = 4;
  }
  const e = 5;
`;

const declaredInOrder = (text: string, enter?: "all" | "branches"): string[] => {
  const seen: string[] = [];
  forEachStatement(parse(text), (s) => seen.push(...declaredNames(s)), enter);
  return seen;
};

describe("walking the statements", () => {
  it("visits each statement before those nested in it, the then-branch before the else-branch", () => {
    expect(declaredInOrder(NESTED)).toEqual(["a", "b", "inLoop", "d", "e"]);
  });

  it("enters only the branches of ifs when asked, not loop bodies (a scope of their own)", () => {
    expect(declaredInOrder(NESTED, "branches")).toEqual(["a", "b", "d", "e"]);
  });

  it("flatMapStatements returns its input itself when nothing changes, at any depth", () => {
    const body = parse(NESTED);
    expect(flatMapStatements(body, (s) => [s])).toBe(body);
    expect(filterStatements(body, () => true)).toBe(body);
  });

  it("flatMapStatements never enters a statement it removed, and enters what replaced one", () => {
    const visited: string[] = [];
    const out = flatMapStatements(parse(NESTED), (s) => {
      visited.push(s.kind === "const" ? s.name : s.kind);
      if (s.kind === "while") return [];
      if (s.kind === "const" && s.name === "d") return parse(`if (x) { const d2 = 4; }`);
      return [s];
    });
    // What replaced `d` is entered (d2), the loop's body never is (inLoop).
    expect(visited).toEqual(["a", "if", "b", "while", "d", "d2", "e"]);
    expect(print(out)).toBe(
      code(`const a = 1; if (c) { const b = 2; } else { if (x) { const d2 = 4; } } const e = 5;`),
    );
  });

  it("rewriteBlocks rewrites the blocks nested in a block before the block itself", () => {
    const firsts: string[] = [];
    rewriteBlocks(parse(NESTED), (block) => {
      firsts.push(declaredNames(block[0]!)[0]!);
      return block;
    });
    expect(firsts).toEqual(["inLoop", "b", "d", "a"]);
  });

  it("rewriteBlocks returns its input itself when no block changed", () => {
    const body = parse(NESTED);
    expect(rewriteBlocks(body, (block) => block)).toBe(body);
  });

  it("mapExprsDeep reaches conditions and nested blocks", () => {
    const renamed = mapExprsDeep(parse(`if (x > 0) { while (x < 3) { y = x; } } return x;`), (e) =>
      js.substitute(e, (n) => (n === "x" ? js.name("z") : undefined)),
    );
    expect(print(renamed)).toBe(code(`if (z > 0) { while (z < 3) { y = z; } } return z;`));
  });
});

describe("what statements read and write", () => {
  it("counts reads at any depth; an update is no read of its target", () => {
    const reads = countReads(parse(`s = s + 1; t += x; if (c) { while (x < 3) { u = x * x; } }`));
    expect(Object.fromEntries(reads)).toEqual({ s: 1, x: 4, c: 1 });
  });

  it("counts reads of statements met before (counted once and kept) as it counts new ones", () => {
    const [first, loop, last] = parse(
      `const t = x * y; while (k < 3) { if (c) { s = s + t; } k = k + 1; } return t + s;`,
    );
    expect(Object.fromEntries(countReads([first!, loop!, last!]))).toEqual({ x: 1, y: 1, k: 2, c: 1, s: 2, t: 2 });
    // The same statements again, in other lists and orders, with a new one: the counts are those of each list.
    expect(Object.fromEntries(countReads([loop!]))).toEqual({ k: 2, c: 1, s: 1, t: 1 });
    expect(Object.fromEntries(countReads([last!, loop!, last!]))).toEqual({ k: 2, c: 1, s: 3, t: 3 });
    const [changed] = parse(`while (k < 3) { k = k + 2; }`);
    expect(Object.fromEntries(countReads([changed!, last!]))).toEqual({ k: 2, s: 1, t: 1 });
    // The map returned is the caller's own.
    countReads([loop!]).set("k", 99);
    expect(countReads([loop!]).get("k")).toBe(2);
  });

  it("counts an array written element by element as read, by a store and by an accumulation", () => {
    expect(countReads(parse(`u[0] = x;`)).get("u")).toBe(1);
    expect(countReads(parse(`u[0] += x;`)).get("u")).toBe(1);
  });

  it("counts the names an expression kept as written reads (not the functions it calls)", () => {
    const reads = countReads(parse(`y = opaque(g(x) + x);`));
    expect(Object.fromEntries(reads)).toEqual({ x: 2 });
  });

  it("collects the names assigned at any depth, arrays written element by element included", () => {
    const assigned = assignedNames(parse(`a = 1; if (c) { b += 2; } else { while (d) { u[0] = 1; v[1] += 2; } }`));
    expect([...assigned].sort()).toEqual(["a", "b", "u", "v"]);
  });

  it("lists the names a destructure declares, skipping its holes", () => {
    expect(declaredNames(parse(`const [a, , b] = f(x);`)[0]!)).toEqual(["a", "b"]);
  });

  it("finds a read inside an expression kept as written, at any depth, and only there", () => {
    expect(readsInOpaque(parse(`while (c) { if (d) { y = opaque(g(x)); } }`), "x")).toBe(true);
    expect(readsInOpaque(parse(`y = g(x) + opaque(h(z));`), "x")).toBe(false);
  });

  it("holds an expression kept as written impure only if it calls something", () => {
    const [withCall, withoutCall, runtime] = parse(`a = opaque(g(x)); b = opaque(x.y + 1); c = rt.exp(f(x));`);
    const value = (s: js.Statement | undefined): js.Expr => (s as js.Statement & { kind: "assign" }).value;
    expect(isPure(value(withCall))).toBe(false);
    expect(isPure(value(withoutCall))).toBe(true);
    // Differentiated functions and the runtime are pure by contract.
    expect(isPure(value(runtime))).toBe(true);
    // Asked again (the answer is kept), and of an expression that holds one already asked about.
    expect(isPure(value(withCall))).toBe(false);
    expect(isPure(js.add(js.name("z"), value(withCall)))).toBe(false);
    expect(isPure(js.add(js.name("z"), value(withoutCall)))).toBe(true);
  });
});
