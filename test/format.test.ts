// The sources are formatted by prettier (`npm run format`); a file that is not fails here
// with its name, so formatting never turns up as noise in a later change's diff.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const prettierBin = path.join(root, "node_modules/prettier/bin/prettier.cjs");

describe("formatting", () => {
  it("every source file is formatted by prettier (run `npm run format`)", () => {
    let unformatted = "";
    try {
      execFileSync(process.execPath, [prettierBin, "--list-different", "."], { cwd: root, encoding: "utf8" });
    } catch (e) {
      unformatted = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(unformatted.trim().split("\n").filter(Boolean)).toEqual([]);
  });
});
