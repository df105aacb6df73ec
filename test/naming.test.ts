// The suffix scheme of generated names (transformer/naming.ts): `_N` is only ever an SSA
// version, a second generated name of a kind is base2, and a base ending in a digit goes
// on with a letter, so no generated name reads as another's version.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { Namer, identifiersIn } from "../transformer/naming";

describe("Namer", () => {
  it("versions a reassigned variable y_1, y_2 and nothing else takes that form", () => {
    const namer = new Namer(new Set());
    expect(namer.claim("y")).toBe("y");
    expect(namer.claim("y")).toBe("y_1");
    expect(namer.version("y")).toBe("y_2");
    expect(namer.fresh("trip")).toBe("trip");
    expect(namer.fresh("trip")).toBe("trip2");
    expect(namer.fresh("trip")).toBe("trip3");
  });

  it("continues a base that ends in a digit with a letter: dw1, dw1b, dw1c", () => {
    const namer = new Namer(new Set(["dw1"]));
    expect(namer.fresh("dw1")).toBe("dw1b");
    expect(namer.fresh("dw1")).toBe("dw1c");
    expect(namer.adjoint("w1_1")).toBe("dw1_1");
    expect(namer.adjoint("loss")).toBe("dLoss");
  });

  it("never gives out a keyword: the adjoint of o is dO, a field named class or new gets class2, new2", () => {
    const namer = new Namer(new Set());
    expect(namer.adjoint("o")).toBe("dO");
    expect(namer.adjoint("x")).toBe("dx");
    expect(namer.claim("class")).toBe("class2");
    expect(namer.claim("new")).toBe("new2");
    expect(namer.fresh("if")).toBe("if2");
  });

  it("never gives out a name the file uses, and temporaries skip taken ones", () => {
    const namer = new Namer(new Set(["t1", "seed"]));
    expect(namer.temp()).toBe("t2");
    expect(namer.fresh("seed")).toBe("seed2");
  });
});

describe("identifiersIn", () => {
  const names = (source: string): string[] =>
    [...identifiersIn(ts.createSourceFile("m.ts", source, ts.ScriptTarget.ES2022, true))].sort();

  it("takes bindings and references, not property names", () => {
    expect(names("const options = { seed: 3, rate }; options.step; class A { tape = 1; run() {} }")).toEqual([
      "A",
      "options",
      "rate",
    ]);
  });

  it("keeps a shorthand property, which reads a variable", () => {
    expect(names("const seed = 1; const o = { seed };")).toEqual(["o", "seed"]);
  });
});
