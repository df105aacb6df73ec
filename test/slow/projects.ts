// What the slow suite's test files share: commands run in fresh projects, and the versions
// of the repository's own tools, which the npm cache (filled by the lockfile) can serve.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");

/** The version of a package this checkout has installed. */
export const version = (name: string): string =>
  JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;

/** npm installs from the cache where it can, quietly. */
const NPM_ENV = {
  npm_config_prefer_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_loglevel: "error",
  NO_COLOR: "1",
};

export function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...NPM_ENV }, timeout: 240_000 });
  return {
    status: r.status,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    output: `${r.stdout ?? ""}${r.stderr ?? ""}`,
  };
}

/** Runs the command and returns its standard output; throws with everything it printed when it fails. */
export function ok(command: string, args: string[], cwd: string): string {
  const r = run(command, args, cwd);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${r.output}`);
  return r.stdout;
}

export function write(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** A program adjoint refuses: ADJ201 on the `try` at 3:3. */
export const REFUSED = `import { grad } from "adjoint";
function f(x: number) {
  try {
    return x * x;
  } catch {
    return 0;
  }
}
export const df = grad(f);
`;

/** Debian's Chromium, which .ci/run installs where it is missing (playwright-core downloads no browser). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Chromium as this machine needs it: no sandbox as root, no background connections (the network is closed). */
export async function launchChromium(): Promise<import("playwright-core").Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
