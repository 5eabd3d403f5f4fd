// `npm start` runs the compiled service in dist/. This compiles it first only when a source
// file changed since the last build, so a restart does not wait for the compiler; `npm ci`
// builds once at install (the `prepare` script).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = join(root, "dist", ".built");
const inputs = ["src", "schema", "tools", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

const force = process.argv.includes("--force");
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : -Infinity;
const changedAt = Math.max(...inputs.map((input) => join(root, input)).filter(existsSync).map(newestChange));
if (force || changedAt > builtAt) {
  if (!force) console.error("sources changed since the last build: compiling (npm run build)");
  const tsc = spawnSync("npx", ["--no-install", "tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
