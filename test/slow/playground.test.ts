// The playground (#16) in headless Chromium: playground/ is built with Vite, served from a
// plain static server, and driven as a user would: presets, typing, an unsupported construct,
// Run, the plot, a shared link. Writes playground/screenshot.png (shown in the README) and
// records the keystroke-to-generated-code latency (printed, not asserted beyond a sanity bound).
import { existsSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "./projects";

const root = path.resolve(__dirname, "../..");
const dist = path.join(root, "playground/dist");

interface Playground {
  lastTransformMs: number;
  lastKeystrokeToCodeMs: number;
  lastCompileMs: number;
  firstUpdateMs: number;
  lastPhases: Record<string, number>;
  updates: number;
  runs: number;
  js: string;
  setCode(code: string): void;
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
};

describe.runIf(existsSync(CHROMIUM))("the playground", () => {
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const { build } = await import("vite");
    await build({ configFile: path.join(root, "playground/vite.config.mts"), logLevel: "warn" });
    server = http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://localhost");
      let file = path.join(dist, decodeURIComponent(url.pathname));
      if (!file.startsWith(dist) || !existsSync(file)) return void response.writeHead(404).end();
      if (statSync(file).isDirectory()) file = path.join(file, "index.html");
      const type = TYPES[path.extname(file)] ?? "application/octet-stream";
      response.writeHead(200, { "content-type": type }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    browser = await launchChromium();
    page = await open(base);
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(url: string): Promise<Page> {
    const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    p.on("pageerror", (e) => errors.push(e.message));
    p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    p.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await p.goto(url);
    await p.waitForFunction("window.__playground?.updates > 0", undefined, { timeout: 60_000 });
    return p;
  }

  // Page-side expressions are strings: this file is type-checked without the DOM library.
  const state = <K extends keyof Playground>(p: Page, key: K) =>
    p.evaluate<Playground[K]>(`window.__playground.${key}`);
  async function afterUpdate(p: Page, action: () => Promise<unknown>): Promise<void> {
    const before = await state(p, "updates");
    await action();
    await p.waitForFunction(`window.__playground.updates > ${before}`, undefined, { timeout: 30_000 });
  }
  const generated = (p: Page) => p.locator("#generated .cm-content").innerText();
  const editorText = (p: Page) => p.locator("#editor .cm-content").innerText();

  async function choose(id: string): Promise<void> {
    // Through "(your code)" first: selecting the option already selected fires no change.
    await page.selectOption("#preset", "");
    await afterUpdate(page, () => page.selectOption("#preset", id));
  }

  it("loads with the first preset and its generated adjoint, and no page errors", async () => {
    const code = await generated(page);
    expect(code).toContain("function modified_grad(x)");
    // The stopped g(x) has no adjoint: the gradient is one backward of g's and one of f's.
    expect(code).toContain("const dx = gBack(1) + fBack(1);");
    expect(errors).toEqual([]);
  });

  it("updates the generated code as the code is edited", async () => {
    // Type into the editor: f(x) = x * x becomes x * x * x.
    await page.locator("#editor .cm-line", { hasText: "const f = (x: number) => x * x;" }).click();
    await page.keyboard.press("End");
    const fGrad = (code: string) => /function f_grad\(x\) \{[^}]*\}/.exec(code)?.[0];
    const before = fGrad(await generated(page));
    expect(before).toContain("x + x");
    await afterUpdate(page, async () => {
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.type(" * x");
    });
    expect(await editorText(page)).toContain("const f = (x: number) => x * x * x;");
    const after = await generated(page);
    expect(after).toContain("const f = (x) => x * x * x;");
    expect(fGrad(after)).not.toEqual(before);
    expect(await page.evaluate<string>("location.hash")).toMatch(/^#preset=modified&code=/);
  });

  it("underlines an unsupported construct with its ADJ code on the right line, and lists it", async () => {
    const code = [
      'import { grad } from "adjoint";',
      "",
      "function risky(x: number): number {",
      "  try {",
      "    return x * x;",
      "  } catch {",
      "    return 0;",
      "  }",
      "}",
      "",
      "export const dRisky = grad(risky);",
      "",
    ].join("\n");
    await afterUpdate(page, () => page.evaluate(`window.__playground.setCode(${JSON.stringify(code)})`));
    const item = page.locator('#problems li[data-code="ADJ201"]');
    await expect.poll(() => item.count()).toBeGreaterThan(0);
    expect(await item.first().getAttribute("data-line")).toBe("4");
    expect(await item.first().innerText()).toContain("ADJ201");
    // The underline is on the try statement's line in the editor.
    const underlined = page.locator("#editor .cm-lintRange-error").first();
    await expect.poll(() => underlined.count()).toBeGreaterThan(0);
    const line = await underlined.evaluate((e) => e.closest(".cm-line")?.textContent ?? "");
    expect(line).toContain("try");
  });

  it("runs a preset, prints the right gradient and plots f and its gradient", async () => {
    await choose("modified");
    await page.waitForFunction("window.__playground.runs > 0");
    await page.click("#run");
    await expect.poll(() => page.locator("#output").innerText()).toContain("x = 0.75804777");
    const out = await page.locator("#output").innerText();
    const line = out.split("\n").find((l) => l.startsWith("x = 0.75804777"))!;
    const x = 0.75804777;
    const dm = Number(/modified' = (\S+),/.exec(line)![1]);
    expect(dm).toBeCloseTo(2 * x + 3 * x * x, 12); // f' + g', the notebook's 3.2400048
    expect(await page.locator("#plot svg path.curve").count()).toBe(3); // f, f' + g', f' dashed

    await choose("reversal");
    await expect.poll(() => page.locator("#plot svg path.curve").count()).toBe(2);
    const reversal = await page.locator("#output").innerText();
    expect(Number(/reversal' = (\S+),/.exec(reversal.split("\n")[2]!)![1])).toBeCloseTo(-2 * x, 12);
    expect(errors).toEqual([]);
  });

  it("reproduces the session from the URL hash", async () => {
    await choose("reverse");
    // Move the λ slider to 1.25: it rewrites the `const lambda` line.
    await afterUpdate(page, () =>
      page.evaluate(
        'const e = document.getElementById("lambda"); e.value = "1.25"; e.dispatchEvent(new Event("input", { bubbles: true }));',
      ),
    );
    const code = await state(page, "js");
    expect(await editorText(page)).toContain("const lambda = 1.25;");
    const url = await page.evaluate<string>("location.href");
    expect(url).toContain("#preset=reverse&code=");
    const other = await open(url);
    try {
      expect(await editorText(other)).toContain("const lambda = 1.25;");
      expect(await other.inputValue("#preset")).toBe("reverse");
      expect(await other.inputValue("#lambda")).toBe("1.25");
      expect(await state(other, "js")).toBe(code);
    } finally {
      await other.close();
    }
  });

  it("measures the keystroke-to-generated-code time on a 50-line file", async () => {
    await choose("mlp");
    const lines = (await editorText(page)).split("\n").length;
    const samples: { total: number; transform: number; compile: number; phases: Record<string, number> }[] = [];
    await page.locator("#editor .cm-line", { hasText: "const optimizer = adam" }).click();
    await page.keyboard.press("End");
    for (let i = 0; i < 9; i++) {
      await afterUpdate(page, () => (i % 2 ? page.keyboard.press("Backspace") : page.keyboard.type(" ")));
      samples.push(
        await page.evaluate<{ total: number; transform: number; compile: number; phases: Record<string, number> }>(
          "({ total: window.__playground.lastKeystrokeToCodeMs, transform: window.__playground.lastTransformMs, compile: window.__playground.lastCompileMs, phases: window.__playground.lastPhases })",
        ),
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const result = {
      lines,
      keystrokeToCodeMs: median(samples.map((s) => s.total)),
      transformMs: median(samples.map((s) => s.transform)),
      compileMs: median(samples.map((s) => s.compile)),
      firstUpdateMs: await state(page, "firstUpdateMs"),
      phasesMs: Object.fromEntries(
        Object.keys(samples[0]!.phases).map((k) => [k, median(samples.map((s) => s.phases[k]!))]),
      ),
    };
    console.log(`playground latency: ${JSON.stringify(result)}`);
    expect(result.keystrokeToCodeMs).toBeLessThan(5000);
  });

  it("writes the screenshot", async () => {
    await choose("modified");
    await page.waitForFunction('document.querySelectorAll("#plot svg path.curve").length === 3');
    // The generated pane scrolled to the function the preset is about.
    await page.evaluate(`{
      const scroller = document.querySelector("#generated .cm-scroller");
      const line = [...scroller.querySelectorAll(".cm-line")].find((l) => l.textContent.includes("const modified ="));
      scroller.scrollTop += line.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
    }`);
    await page.screenshot({ path: path.join(root, "playground/screenshot.png") });
    expect(errors).toEqual([]);
  });
});

describe.skipIf(existsSync(CHROMIUM))("the playground", () => {
  it(`needs Chromium at ${CHROMIUM} (apt-get install chromium)`, () => {
    throw new Error(`Chromium is missing at ${CHROMIUM}`);
  });
});
