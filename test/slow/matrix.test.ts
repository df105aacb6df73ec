// Every way people build TypeScript, on fresh projects that install the packed tarball:
// a Vite build, a Vitest suite, an esbuild bundle, Rollup, webpack, ts-node, the CLI, a
// TypeScript 7 project, CommonJS and ES modules, each asserting a gradient's value, one a
// diagnostic's file:line:col. Then headless Chromium (Debian's chromium, driven by
// playwright-core) runs the ES module runtime from an import map and from a URL, and the
// Vite-built app. Slow (installs, bundlers, a browser): `npm run test:slow`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHROMIUM, REFUSED, launchChromium, ok, run, version, write } from "./projects";

let scratch: string;
const tarball = inject("tarball");
afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

/** npm install from the npm cache (the repo's lockfile filled it). */
function install(dir: string, packages: string[]): void {
  ok("npm", ["install", ...packages], dir);
}

// The program every project differentiates: f(x, y) = sin(x)·y + x³ and a tensor loss.
const PROGRAM = `import { grad, tensor, mul, sum, tanh, type Tensor } from "adjoint";

export function f(x: number, y: number): number {
  return Math.sin(x) * y + x * x * x;
}
const loss = (w: Tensor) => sum(tanh(mul(w, w)));

export const result = {
  df: grad(f, { wrt: [0, 1] })(0.5, 2),
  dloss: Array.from(grad(loss)(tensor([0.1, -0.7])).data),
};
`;
const expected = () => {
  const dloss = [0.1, -0.7].map((w) => (1 - Math.tanh(w * w) ** 2) * 2 * w);
  return { df: [Math.cos(0.5) * 2 + 3 * 0.25, Math.sin(0.5)], dloss };
};
function checkResult(printed: string): void {
  const line = printed
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .at(-1);
  expect(line, printed).toBeDefined();
  const result = JSON.parse(line!);
  const want = expected();
  result.df.forEach((v: number, i: number) => expect(v).toBeCloseTo(want.df[i]!, 12));
  result.dloss.forEach((v: number, i: number) => expect(v).toBeCloseTo(want.dloss[i]!, 12));
}
const MAIN = `import { result } from "./program";\nconsole.log(JSON.stringify(result));\n`;

const BUNDLER_TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "bundler",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
    },
    include: ["src"],
  },
  null,
  2,
);

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "adjoint-matrix-"));
  // One install for the projects below, which sit in folders of their own beside it.
  write(scratch, { "package.json": JSON.stringify({ name: "matrix", private: true, type: "module" }) });
  install(scratch, [
    tarball,
    `vite@${version("vite")}`,
    `vitest@${version("vitest")}`,
    `esbuild@${version("esbuild")}`,
    `rollup@${version("rollup")}`,
    `webpack@${version("webpack")}`,
    `ts-node@${version("ts-node")}`,
    `ts-patch@${version("ts-patch")}`,
    `typescript@${version("typescript")}`,
    `@types/node@${version("@types/node")}`,
  ]);
}, 300_000);

describe("fresh projects build and run a gradient", () => {
  it("installs without warnings", () => {
    const dir = write(path.join(scratch, "plain"), {
      "package.json": JSON.stringify({ name: "plain", private: true }),
    });
    const r = run("npm", ["install", "--loglevel=warn", tarball], dir);
    expect(r.status, r.output).toBe(0);
    expect(r.output).not.toMatch(/warn/i);
  });

  it("CommonJS and ES modules load the runtime", () => {
    const dir = path.join(scratch, "plain");
    const cjs = ok("node", ["-e", 'const a = require("adjoint"); console.log(a.tensor([1, 2]).shape.join())'], dir);
    const esm = ok(
      "node",
      [
        "--input-type=module",
        "-e",
        'import { tensor } from "adjoint"; import * as internal from "adjoint/internal"; console.log(tensor([1, 2]).shape.join(), typeof internal.fitGradient)',
      ],
      dir,
    );
    expect(cjs.trim()).toBe("2");
    expect(esm.trim()).toBe("2 function");
  });

  it("Vite: a build with adjoint/vite", () => {
    const dir = write(path.join(scratch, "vite-app"), {
      "package.json": JSON.stringify({ name: "vite-app", private: true, type: "module" }),
      "tsconfig.json": BUNDLER_TSCONFIG,
      "vite.config.ts": `import { defineConfig } from "vite";
import adjoint from "adjoint/vite";
export default defineConfig({ base: "./", plugins: [adjoint()] });
`,
      "index.html": `<!doctype html><html><body><pre id="out">…</pre><script type="module" src="/src/app.ts"></script></body></html>`,
      "src/program.ts": PROGRAM,
      "src/app.ts": `import { result } from "./program";
document.getElementById("out")!.textContent = JSON.stringify(result);
`,
      "src/main.ts": MAIN,
      "vite.node.config.ts": `import { defineConfig } from "vite";
import adjoint from "adjoint/vite";
export default defineConfig({
  plugins: [adjoint()],
  build: { ssr: "src/main.ts", outDir: "dist-node" },
  ssr: { noExternal: true },
});
`,
    });
    ok("npx", ["vite", "build"], dir);
    expect(existsSync(path.join(dir, "dist/index.html"))).toBe(true);
    ok("npx", ["vite", "build", "-c", "vite.node.config.ts"], dir);
    checkResult(ok("node", ["dist-node/main.js"], dir));
  });

  it("Vitest: a test file that calls grad(f) passes", () => {
    const dir = write(path.join(scratch, "vitest-suite"), {
      "package.json": JSON.stringify({ name: "vitest-suite", private: true, type: "module" }),
      "tsconfig.json": BUNDLER_TSCONFIG,
      "vitest.config.ts": `import { defineConfig } from "vitest/config";
import adjoint from "adjoint/vite";
export default defineConfig({ plugins: [adjoint()] });
`,
      "src/program.ts": PROGRAM,
      "test/grad.test.ts": `import { expect, test } from "vitest";
import { grad } from "adjoint";
import { f } from "../src/program";

test("grad(f) in a test file", () => {
  const [dx, dy] = grad(f, { wrt: [0, 1] })(0.5, 2);
  expect(dx).toBeCloseTo(Math.cos(0.5) * 2 + 0.75, 12);
  expect(dy).toBeCloseTo(Math.sin(0.5), 12);
});
`,
    });
    const output = ok("npx", ["vitest", "run"], dir);
    expect(output).toMatch(/1 passed/);
  });

  it("esbuild: a bundle with adjoint/esbuild, and a refused construct fails it at file:line:col", () => {
    const dir = write(path.join(scratch, "esbuild-bundle"), {
      "package.json": JSON.stringify({ name: "esbuild-bundle", private: true, type: "module" }),
      "tsconfig.json": BUNDLER_TSCONFIG,
      "src/program.ts": PROGRAM,
      "src/main.ts": MAIN,
      "src/refused.ts": REFUSED,
      "build.mjs": `import * as esbuild from "esbuild";
import adjoint from "adjoint/esbuild";
await esbuild.build({
  entryPoints: [process.argv[2]],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: "dist/out.mjs",
  plugins: [adjoint()],
  logLevel: "error",
});
`,
    });
    ok("node", ["build.mjs", "src/main.ts"], dir);
    checkResult(ok("node", ["dist/out.mjs"], dir));
    const refused = run("node", ["build.mjs", "src/refused.ts"], dir);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/src\/refused\.ts:3:3 - ADJ201: /);
  });

  it("Rollup: adjoint/rollup is the only plugin it needs for TypeScript", () => {
    const dir = write(path.join(scratch, "rollup-bundle"), {
      "package.json": JSON.stringify({ name: "rollup-bundle", private: true, type: "module" }),
      "tsconfig.json": BUNDLER_TSCONFIG,
      "src/program.ts": PROGRAM,
      "src/main.ts": MAIN,
      "rollup.config.mjs": `import adjoint from "adjoint/rollup";
export default { input: "src/main.ts", output: { file: "dist/out.mjs", format: "es" }, external: [/^adjoint/], plugins: [adjoint()] };
`,
    });
    ok("npx", ["rollup", "-c"], dir);
    checkResult(ok("node", ["dist/out.mjs"], dir));
  });

  it("webpack: a CommonJS config with adjoint/webpack and no TypeScript loader", () => {
    const dir = write(path.join(scratch, "webpack-bundle"), {
      "package.json": JSON.stringify({ name: "webpack-bundle", private: true }),
      "tsconfig.json": BUNDLER_TSCONFIG,
      "src/program.ts": PROGRAM,
      "src/main.ts": MAIN,
      "build.js": `const webpack = require("webpack");
const adjoint = require("adjoint/webpack");
webpack(
  {
    mode: "production",
    target: "node",
    entry: "./src/main.ts",
    output: { path: __dirname + "/dist", filename: "out.js" },
    resolve: { extensions: [".ts", ".js"] },
    plugins: [adjoint()],
  },
  (error, stats) => {
    if (error || stats.hasErrors()) {
      console.error(error ?? stats.toString("errors-only"));
      process.exit(1);
    }
  },
);
`,
    });
    ok("node", ["build.js"], dir);
    checkResult(ok("node", ["dist/out.js"], dir));
  });

  it("ts-node: the tsconfig plugin with ts-patch's compiler", () => {
    const dir = write(path.join(scratch, "ts-node-app"), {
      "package.json": JSON.stringify({ name: "ts-node-app", private: true }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "CommonJS",
          moduleResolution: "node10",
          ignoreDeprecations: "6.0",
          strict: true,
          types: ["node"],
          plugins: [{ transform: "adjoint/transform" }],
        },
        "ts-node": { compiler: "ts-patch/compiler" },
      }),
      "program.ts": PROGRAM,
      "main.ts": MAIN,
    });
    checkResult(ok("npx", ["ts-node", "main.ts"], dir));
  });

  it("TypeScript 7: the project type-checks with tsc 7 and builds through the Vite plugin", () => {
    const dir = write(path.join(scratch, "ts7-app"), {
      "package.json": JSON.stringify({ name: "ts7-app", private: true, type: "module" }),
      "tsconfig.json": BUNDLER_TSCONFIG,
      "src/program.ts": PROGRAM,
      "src/main.ts": MAIN,
      "vite.config.ts": `import { defineConfig } from "vite";
import adjoint from "adjoint/vite";
export default defineConfig({ plugins: [adjoint()], build: { ssr: "src/main.ts" }, ssr: { noExternal: true } });
`,
    });
    // Its own node_modules: TypeScript 7 is the project's typescript; adjoint brings 6.0 for itself.
    install(dir, [
      tarball,
      `typescript@${version("typescript-7")}`,
      `vite@${version("vite")}`,
      `@types/node@${version("@types/node")}`,
    ]);
    expect(ok("npx", ["tsc", "--version"], dir)).toMatch(/Version 7\./);
    ok("npx", ["tsc", "-p", "tsconfig.json"], dir);
    ok("npx", ["vite", "build"], dir);
    checkResult(ok("node", ["dist/main.js"], dir));
  });
});

describe("the editor", () => {
  it("tsserver loads adjoint/language-service from the tsconfig's plugin entry and reports ADJ201 on its node", async () => {
    const dir = write(path.join(scratch, "editor"), {
      "package.json": JSON.stringify({ name: "editor", private: true, type: "module" }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "bundler",
          strict: true,
          noEmit: true,
          // One entry for both: ts-patch reads "transform", the language service "name".
          plugins: [{ transform: "adjoint/transform", name: "adjoint/language-service" }],
        },
        include: ["src"],
      }),
      "src/refused.ts": REFUSED,
    });
    const { spawn } = await import("node:child_process");
    const server = spawn(process.execPath, [path.join(scratch, "node_modules/typescript/lib/tsserver.js")], {
      cwd: dir,
    });
    const file = path.join(dir, "src/refused.ts");
    const diagnostics = new Promise<{ code: number; start: { line: number; offset: number } }[]>((resolve, reject) => {
      let buffer = "";
      server.stdout.on("data", (chunk) => {
        buffer += chunk;
        for (const line of buffer.split("\n")) {
          if (!line.startsWith("{")) continue;
          const message = JSON.parse(line);
          if (message.command === "semanticDiagnosticsSync") resolve(message.body);
        }
      });
      server.on("exit", () => reject(new Error("tsserver exited")));
    });
    const send = (seq: number, command: string, args: object) =>
      server.stdin.write(JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n");
    send(1, "open", { file });
    send(2, "semanticDiagnosticsSync", { file });
    try {
      const found = await diagnostics;
      expect(found.map((d) => `${d.code}@${d.start.line}:${d.start.offset}`)).toEqual(["990201@3:3"]);
    } finally {
      server.kill();
    }
  });
});

describe("headless Chromium", () => {
  const served = new Map<string, string>();
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const packageDir = path.join(scratch, "node_modules/adjoint");
    const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    const esm = (entry: string): string => {
      const target = manifest.exports[entry].import;
      return typeof target === "string" ? target : target.default;
    };
    served.set("/npm/adjoint@" + manifest.version + "/", packageDir + "/");
    served.set("/app/", path.join(scratch, "vite-app/dist") + "/");
    served.set("/pages/", path.join(scratch, "pages") + "/");
    const cdn = `/npm/adjoint@${manifest.version}/`;
    const script = `
      const x = tensor([0.1, -0.7]);
      const y = internal.fitGradient(mul(x, 2), x);
      document.getElementById("out").textContent = JSON.stringify({ data: Array.from(y.data), tensor: y instanceof Tensor });`;
    write(path.join(scratch, "pages"), {
      "import-map.html": `<!doctype html><html><head><script type="importmap">${JSON.stringify({
        imports: {
          adjoint: cdn + esm(".").replace(/^\.\//, ""),
          "adjoint/internal": cdn + esm("./internal").replace(/^\.\//, ""),
        },
      })}</script></head><body><pre id="out">…</pre><script type="module">
      import { tensor, mul, Tensor } from "adjoint";
      import * as internal from "adjoint/internal";${script}
      </script></body></html>`,
      "url.html": `<!doctype html><html><body><pre id="out">…</pre><script type="module">
      import { tensor, mul, Tensor } from "${cdn}${esm(".").replace(/^\.\//, "")}";
      import * as internal from "${cdn}${esm("./internal").replace(/^\.\//, "")}";${script}
      </script></body></html>`,
    });
    server = http.createServer((request, response) => {
      const url = decodeURIComponent(new URL(request.url!, "http://localhost").pathname);
      if (url === "/favicon.ico") return response.writeHead(204).end();
      const prefix = [...served.keys()].find((p) => url.startsWith(p));
      const file = prefix && path.join(served.get(prefix)!, url.slice(prefix.length) || "index.html");
      if (!file || !existsSync(file)) return response.writeHead(404).end();
      const type = file.endsWith(".html")
        ? "text/html"
        : file.endsWith(".js")
          ? "text/javascript"
          : "application/octet-stream";
      response.writeHead(200, { "content-type": type }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server?.close());

  async function textOf(pagePath: string, origin = base): Promise<string> {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // A failed load is named by the response listener; the browser's own favicon request,
      // which a dev server answers 404, shows only as this console line.
      page.on(
        "console",
        (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()),
      );
      page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
      await page.goto(origin + pagePath);
      await page
        .waitForFunction('document.getElementById("out")?.textContent !== "…"', undefined, { timeout: 10_000 })
        .catch(() => {});
      const text = (await page.textContent("#out")) ?? "";
      expect(errors).toEqual([]);
      return text;
    } finally {
      await browser.close();
    }
  }

  it.runIf(existsSync(CHROMIUM))("runs the ES module runtime from an import map and from a CDN-style URL", async () => {
    for (const page of ["/pages/import-map.html", "/pages/url.html"]) {
      const out = JSON.parse(await textOf(page));
      expect(out.tensor).toBe(true);
      out.data.forEach((v: number, i: number) => expect(v).toBeCloseTo([0.2, -1.4][i]!, 6));
    }
  });

  it.runIf(existsSync(CHROMIUM))("runs the Vite-built app's gradient on the page", async () => {
    checkResult(await textOf("/app/index.html"));
  });

  it.runIf(existsSync(CHROMIUM))("runs the Vite dev server's page, transformed on request", async () => {
    const { spawn } = await import("node:child_process");
    const dir = path.join(scratch, "vite-app");
    const server = spawn(
      process.execPath,
      [path.join(scratch, "node_modules/vite/bin/vite.js"), "--host", "127.0.0.1", "--port", "0"],
      {
        cwd: dir,
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        const timer = setTimeout(() => reject(new Error(`vite dev did not start:\n${output}`)), 30_000);
        const read = (chunk: Buffer) => {
          output += chunk;
          const found = output.replace(/\x1b\[[0-9;]*m/g, "").match(/http:\/\/127\.0\.0\.1:\d+\//);
          if (found) {
            clearTimeout(timer);
            resolve(found[0]);
          }
        };
        server.stdout.on("data", read);
        server.stderr.on("data", read);
      });
      checkResult(await textOf(url, ""));
    } finally {
      server.kill();
    }
  });

  it.skipIf(existsSync(CHROMIUM))(`needs Chromium at ${CHROMIUM} (apt-get install chromium)`, () => {
    throw new Error(`Chromium is missing at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
  });
});
