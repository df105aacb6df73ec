// The emitted code of every example (as ES module output), kept as a readable file under
// test/__snapshots__/examples/ (formatted by prettier), so a reviewer reads the
// generated adjoints as code. `vitest -u` rewrites them after an intended change.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compile } from "./harness";

const EXAMPLES = path.resolve(__dirname, "../examples");
const names = readdirSync(EXAMPLES).filter((f) => f.endsWith(".ts"));

describe("emitted code of the examples", () => {
  it.each(names)("%s", async (name) => {
    // ES module output: the code reads as written, without CommonJS interop helpers.
    const compiled = compile(
      { "main.ts": readFileSync(path.join(EXAMPLES, name), "utf8") },
      { types: ["node"], module: ts.ModuleKind.ES2022 },
    );
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
    const js = await prettier.format(compiled.js["main.ts"]!, { parser: "babel", printWidth: 100 });
    await expect(js).toMatchFileSnapshot(`./__snapshots__/examples/${name.replace(/\.ts$/, ".js")}`);
  });
});
