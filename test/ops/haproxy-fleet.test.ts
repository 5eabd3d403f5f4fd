/**
 * Several instances behind HAProxy, with conf/haproxy/instances.cfg.template as
 * docs/deploying.md gives it: an instance that is not ready gets no requests, and a
 * rolling restart (each instance stopped with SIGTERM and started again, one after the
 * other) drops no request while clients keep asking.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { freePort } from "../../src/net/free-port.js";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";

const HAPROXY = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((p) => existsSync(p));
const TEMPLATE = new URL("../../conf/haproxy/instances.cfg.template", import.meta.url).pathname;
const INFO = "/rpc/?v=5&type=info&arg[]=python3-actdiag";

/** Fills in the template as envsubst would. */
function render(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** RPC info requests one instance answered, whatever their status, from its /metrics. */
async function answered(service: ServiceProcess): Promise<number> {
  const body = (await rawRequest(service.url, "GET", "/metrics")).body;
  return [...body.matchAll(/^aurweb_rpc_requests_total\{type="info",status="\d+"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe.skipIf(!HAPROXY)("instances behind HAProxy", () => {
  let db: ScratchDatabase;
  let directory: string;
  let haproxy: ChildProcess | undefined;
  let haproxyUrl: string;
  let ports: number[];
  let instances: ServiceProcess[] = [];
  let unready: ServiceProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createLegacyDatabase("ops_haproxy", PUBLIC_DATASET);
    directory = await mkdtemp(join(tmpdir(), "aurweb-haproxy-"));
    env = { DATABASE_URL: db.url, RATE_LIMIT_REQUESTS: "0", SHUTDOWN_TIMEOUT_MS: "5000" };
    ports = await Promise.all([freePort(), freePort(), freePort()]);
    instances = await Promise.all([spawnService({ ...env, PORT: String(ports[0]) }), spawnService({ ...env, PORT: String(ports[1]) })]);
    // Listening, but never ready: its database does not exist.
    unready = await spawnService({ ...env, DATABASE_URL: `${db.url}_missing`, PORT: String(ports[2]) }, { ready: false });

    const listen = await freePort();
    const config = render(await readFile(TEMPLATE, "utf8"), {
      LISTEN: `127.0.0.1:${listen}`,
      STATE_DIR: directory,
      SERVERS: ports.map((port, i) => `server rpc${i + 1} 127.0.0.1:${port}`).join("\n  "),
    });
    await writeFile(join(directory, "haproxy.cfg"), config);
    haproxy = spawn(HAPROXY!, ["-db", "-f", join(directory, "haproxy.cfg")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    haproxy.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    haproxyUrl = `http://127.0.0.1:${listen}`;
    // HAProxy starts with every server up; the one that is not ready is out after its failed checks.
    for (let waited = 0; ; waited += 100) {
      if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
      if (/Server instances\/rpc3 is DOWN/.test(stderr)) break;
      if (waited > 10_000) throw new Error(`haproxy did not answer: ${stderr}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((resolve) => haproxy!.once("exit", resolve));
      haproxy.kill("SIGTERM");
      await exited;
    }
    await Promise.all([...instances, unready].map((i) => i?.stop()));
    await db?.drop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("sends nothing to an instance that is not ready", async () => {
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await rawRequest(haproxyUrl, "GET", INFO)).status);
    expect(statuses).toEqual(Array<number>(12).fill(200));
    expect(await answered(unready!)).toBe(0);
    expect(Math.min(...(await Promise.all(instances.map(answered))))).toBeGreaterThan(0);
  });

  it("drops no request during a rolling restart", async () => {
    let running = true;
    const failures: string[] = [];
    let sent = 0;
    const client = async () => {
      while (running) {
        sent++;
        const response = await rawRequest(haproxyUrl, "GET", INFO).catch((error: Error) => ({ status: 0, body: error.message }));
        if (response.status !== 200) failures.push(`${response.status} ${response.body.slice(0, 200)}`);
      }
    };
    const clients = [client(), client(), client()];
    for (const [i, instance] of instances.entries()) {
      await instance.stop();
      instances[i] = await spawnService({ ...env, PORT: String(ports[i]) });
      // HAProxy takes it back after two good checks; the next one is stopped only then.
      await sleep(1000);
    }
    running = false;
    await Promise.all(clients);
    console.log(`rolling restart: ${sent} requests, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    // Both new instances answer through HAProxy.
    for (let i = 0; i < 6; i++) await rawRequest(haproxyUrl, "GET", INFO);
    expect(Math.min(...(await Promise.all(instances.map(answered))))).toBeGreaterThan(0);
  });
});
