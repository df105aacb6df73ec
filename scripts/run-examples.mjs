// Runs every built example (npm run demo builds them with tspc first).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const dist = path.join(import.meta.dirname, "..", "examples", "dist");
for (const file of readdirSync(dist)
  .filter((f) => f.endsWith(".js"))
  .sort()) {
  console.log(`\n== examples/${file.replace(/\.js$/, ".ts")} ==`);
  execFileSync(process.execPath, [path.join(dist, file)], { stdio: "inherit" });
}
