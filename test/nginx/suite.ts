/**
 * What every config in conf/nginx/ must do, run against real nginx, real PHP serving
 * fixtures/php-site, the service over a scratch database and, for the checks of what nginx
 * forwards, an echo server in the service's place. Each config's test file calls
 * describeNginxConfig() with what sets it apart.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import {
  comparable,
  findTools,
  header,
  httpRequest,
  PHP_SITE,
  sha256,
  startEchoServer,
  startNginx,
  startPhpBuiltIn,
  startPhpFpm,
  startService,
  type Echo,
  type HttpAnswer,
  type HttpRequest,
  type NginxTemplate,
  type NginxVars,
  type Running,
  type Tools,
} from "../../support/nginx-php.js";

export interface ConfigUnderTest {
  template: NginxTemplate;
  /** How nginx reaches PHP: the built-in server over HTTP, or php-fpm over FastCGI. */
  php: "http" | "fastcgi";
  /** True when PHP's 404s go to the service; false when only the RPC URLs do (location routing). */
  fallsBack: boolean;
}

const INFO = "/rpc/?v=5&type=info&arg[]=ircmarkers";
/** The stand-in site marks its answers: the service's are byte-identical to legacy PHP's. */
const FROM_PHP = "x-stand-in";

/** Query strings whose bytes a proxy could be tempted to normalise. */
const TRICKY_QUERIES = [
  "v=5&type=info&arg[]=ircmarkers&arg[]=bash",
  "v=5&type=info&arg%5B%5D=ircmarkers&arg%5b%5d=python3-numpy",
  "v=5&type=search&arg=c%2B%2B",
  "v=5&type=search&arg=irc+markers",
  "v=5&type=search&arg=%zz&by=name",
  "v=5&type=search&arg=ircmarkers&&&=&",
  "v=5&type=search&arg=%E2%82%AC%00%ff",
  "v=5&type=suggest&arg=irc;x=1&arg=ircm",
  "v=5&type=info&arg=ircmarkers&callback=jsonp_1.x",
  "v=5&type=search&by=name&by=maintainer&arg=christophberg",
  "v=5&type=search&by=name-desc&arg=%2e%2e%2f%2e%2e",
];

/** Request paths that reach the RPC although they do not read /rpc/ (nginx decodes and merges). */
const RPC_ALIASES = ["/rpc", "/rpc/", "/rpc.php", "/rpc.php/", "/index.php/rpc", "/index.php/rpc/", "//rpc//", "/%72pc/"];

export function describeNginxConfig(config: ConfigUnderTest): void {
  const { tools, missing } = findTools();
  const title = `conf/nginx/${config.template}`;
  if (!tools) {
    const reason = `skipped: needs the Debian packages ${missing.join(", ")}, which are not installed`;
    console.warn(`${title}: ${reason}`);
    describe(title, () => it.skip(reason, () => {}));
    return;
  }
  describe(title, () => defineTests(config, tools));
}

function defineTests(config: ConfigUnderTest, tools: Tools): void {
  let database: ScratchDatabase;
  /** nginx in front of PHP and the service. */
  let nginx: Running;
  let service: Running;
  /** nginx in front of PHP and a service with a rate limit of 2, stopped by the last test. */
  let limitedNginx: Running;
  let limitedService: Running;
  /** nginx in front of PHP and an echo server in the service's place. */
  let echoNginx: Running;
  /** Everything beforeAll starts; afterAll stops what came up, even when something else failed. */
  const starting: Promise<Running>[] = [];
  const start = (what: Promise<Running>) => {
    starting.push(what);
    return what;
  };

  beforeAll(async () => {
    database = await createLegacyDatabase(config.template.replace(/\..*/, ""), PUBLIC_DATASET);
    const [php, echo] = await Promise.all([start(config.php === "http" ? startPhpBuiltIn(tools) : startPhpFpm(tools)), start(startEchoServer())]);
    const phpVars: Omit<NginxVars, "SERVICE"> =
      config.php === "http" ? { PHP_HTTP: php.address } : { PHP_FASTCGI: php.address, PHP_ROOT: PHP_SITE };
    // Only nginx, which connects from 127.0.0.1, may name the client; any other peer is a client.
    const trustNginx = { TRUSTED_PROXIES: "127.0.0.1" };
    [service, limitedService] = await Promise.all([
      start(startService({ DATABASE_URL: database.url, ...trustNginx })),
      // Counts written every 500 ms, so that the table shows them well within the waits below.
      start(startService({ DATABASE_URL: database.url, ...trustNginx, RATE_LIMIT_REQUESTS: "2", RATE_LIMIT_FLUSH_MS: "500" })),
    ]);
    [nginx, limitedNginx, echoNginx] = await Promise.all([
      start(startNginx(tools, config.template, { ...phpVars, SERVICE: service.address })),
      start(startNginx(tools, config.template, { ...phpVars, SERVICE: limitedService.address })),
      start(startNginx(tools, config.template, { ...phpVars, SERVICE: echo.address })),
    ]);
  });

  afterAll(async () => {
    const started = await Promise.allSettled(starting);
    await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
    await database?.drop();
  });

  const viaNginx = (request: HttpRequest) => httpRequest(nginx.port, request);
  const direct = (request: HttpRequest) => httpRequest(service.port, request);
  /** The same request through nginx and straight to the service. */
  const both = async (request: HttpRequest) => [comparable(await viaNginx(request)), comparable(await direct(request))] as const;

  it("serves PHP's pages from PHP", async () => {
    const home = await viaNginx({ path: "/" });
    expect(home.status).toBe(200);
    expect(header(home, FROM_PHP)).toBe("php");
    expect(home.body.toString()).toContain("Home page, served by PHP");

    // `by` outside the RPC URLs stays PHP's: other pages use it for themselves.
    const withBy = await viaNginx({ path: "/?by=provides" });
    expect(header(withBy, FROM_PHP)).toBe("php");
  });

  if (config.fallsBack) {
    it("hands the URLs PHP answers 404 for to the service, whose legacy 404 page replaces PHP's", async () => {
      for (const path of ["/packages/nope?O=50", "/index.php/nope", "/nope.php"]) {
        const [throughNginx, fromService] = await both({ path });
        expect(throughNginx.status, path).toBe(404);
        expect(throughNginx, path).toEqual(fromService);
      }
    });
  } else {
    it("leaves the URLs outside the RPC to PHP, its 404s included", async () => {
      const answer = await viaNginx({ path: "/packages/nope" });
      expect(answer.status).toBe(404);
      expect(header(answer, FROM_PHP)).toBe("php");
      expect(answer.body.toString()).toContain("404 from the PHP stand-in");
    });
  }

  it("hands the metadata archives and their sidecars to the service, ranges and validators intact", async () => {
    const archives = ["packages.gz", "pkgbase.gz", "users.gz", "packages-meta-v1.json.gz", "packages-meta-ext-v1.json.gz"];
    // The service builds them once its data is loaded; until then it answers 503.
    const until = Date.now() + 20_000;
    while ((await direct({ path: "/packages-meta-ext-v1.json.gz" })).status !== 200) {
      if (Date.now() > until) throw new Error("the service built no archives within 20 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const name of archives.flatMap((a) => [a, `${a}.sha256`])) {
      const [through, straight] = [await viaNginx({ path: `/${name}` }), await direct({ path: `/${name}` })];
      expect(through.status, name).toBe(200);
      expect(header(through, FROM_PHP), name).toBeUndefined();
      expect(sha256(through.body), name).toBe(sha256(straight.body));
      expect(header(through, "etag"), name).toBe(header(straight, "etag"));
      expect(header(through, "content-encoding"), name).toBeUndefined();
    }
    const etag = header(await direct({ path: "/packages.gz" }), "etag")!;
    expect((await viaNginx({ path: "/packages.gz", headers: { "If-None-Match": etag } })).status).toBe(304);
    const part = await viaNginx({ path: "/packages.gz", headers: { Range: "bytes=0-9" } });
    expect(part.status).toBe(206);
    expect(part.body.length).toBe(10);
  });

  it("answers GET, HEAD and POST on every RPC URL exactly as the service does directly", async () => {
    for (const alias of RPC_ALIASES) {
      const query = "?v=5&type=info&arg[]=ircmarkers";
      const get = await both({ path: alias + query });
      expect(get[0], alias).toEqual(get[1]);
      expect(get[0].body, alias).toContain('"Name":"ircmarkers"');
      const head = await both({ method: "HEAD", path: alias + query });
      expect(head[0], `HEAD ${alias}`).toEqual(head[1]);
      const post = await both({
        method: "POST",
        path: alias,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: query.slice(1),
      });
      expect(post[0], `POST ${alias}`).toEqual(post[1]);
    }
  });

  it("sends the service the RPC requests rpc.php 5.0.0 answers without a 404", async () => {
    const requests: HttpRequest[] = [
      { method: "POST", path: "/rpc/", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "v=5&type=info&arg[]=ircmarkers" },
      { method: "HEAD", path: INFO },
      { path: "/rpc/?v=5&type=search&by=provides&arg=ircmarkers" },
      { path: "/rpc.php?v=5&type=search&search_by=provides&arg=ircmarkers" },
      { path: "/rpc/?v=5&type=search&by=name&arg=irc&by=provides" },
    ];
    for (const request of requests) {
      const answer = await viaNginx(request);
      const label = `${request.method ?? "GET"} ${request.path}`;
      expect(header(answer, FROM_PHP), label).toBeUndefined();
      expect(comparable(answer), label).toEqual(comparable(await direct(request)));
    }
  });

  it("passes query strings to the service byte for byte", async () => {
    for (const query of TRICKY_QUERIES) {
      const [throughNginx, fromService] = await both({ path: `/rpc/?${query}` });
      expect(throughNginx, query).toEqual(fromService);
    }
    // The legacy 404 page quotes the request URI: the service saw exactly what was sent.
    const path = "/rpc/nope?arg[]=a&arg%5B%5D=b&c=%2B+%zz&d=%E2%82%AC%00&e=;&&=";
    const [throughNginx, fromService] = await both({ path });
    expect(throughNginx.status).toBe(404);
    expect(throughNginx.body).toContain(`action="${path.replaceAll("&", "&amp;")}"`);
    expect(throughNginx).toEqual(fromService);
  });

  it("passes method, URI, headers and body to PHP unchanged, with the proxy headers", async () => {
    const body = randomBytes(200_000); // more than nginx keeps in memory: goes through a temp file
    const path = "/echo.php/extra?q=%zz&a[]=1+2";
    const answer = await viaNginx({
      method: "POST",
      path,
      headers: {
        Host: "aur.example.org",
        "Content-Type": "application/octet-stream",
        "X-Real-IP": "203.0.113.1",
        "X-Forwarded-For": "198.51.100.7",
        "X-Custom": "kept",
      },
      body,
      localAddress: "127.0.0.2",
    });
    expect(answer.status).toBe(200);
    const echo = JSON.parse(answer.body.toString()) as { method: string; uri: string; headers: Record<string, string>; body_base64: string };
    expect(echo.method).toBe("POST");
    expect(echo.uri).toBe(path);
    expect(Buffer.from(echo.body_base64, "base64").equals(body)).toBe(true);
    expect(echo.headers).toMatchObject({
      host: "aur.example.org",
      "content-type": "application/octet-stream",
      "x-custom": "kept",
      "x-real-ip": "127.0.0.2",
      "x-forwarded-for": "198.51.100.7, 127.0.0.2",
      "x-forwarded-proto": "http",
    });
  });

  it("passes method, URI, headers and body on to the service unchanged, with the proxy headers", async () => {
    // Through PHP's 404 (fallback configs) and the RPC routing (all configs) to the echo server.
    const paths = [...(config.fallsBack ? ["/packages/nope?q=%zz&a[]=1+2"] : []), "/rpc/?v=5&type=info&arg[]=x%2By"];
    const body = randomBytes(200_000);
    for (const path of paths) {
      for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE"]) {
        const withBody = method === "POST" || method === "PUT";
        const answer = await httpRequest(echoNginx.port, {
          method,
          path,
          headers: { Host: "aur.example.org", "X-Forwarded-For": "198.51.100.7", "X-Custom": "kept", "Content-Type": "application/octet-stream" },
          body: withBody ? body : undefined,
          localAddress: "127.0.0.2",
        });
        const label = `${method} ${path}`;
        expect(answer.status, label).toBe(200);
        const echo = JSON.parse(header(answer, "x-echo") ?? "null") as Echo;
        expect(echo, label).toMatchObject({
          method,
          uri: path,
          bodyLength: withBody ? body.length : 0,
          bodySha256: sha256(withBody ? body : Buffer.alloc(0)),
          headers: {
            host: "aur.example.org",
            "x-custom": "kept",
            "content-type": "application/octet-stream",
            "x-real-ip": "127.0.0.2",
            "x-forwarded-for": "198.51.100.7, 127.0.0.2",
            "x-forwarded-proto": "http",
          },
        });
      }
    }
  });

  describe("the rate limit", () => {
    const rateLimitRows = async (): Promise<Record<string, number>> => {
      const connection = await mysql.createConnection(database.url);
      try {
        const [rows] = await connection.query("SELECT IP, Requests FROM ApiRateLimit");
        return Object.fromEntries((rows as { IP: string; Requests: number }[]).map((r) => [r.IP, r.Requests]));
      } finally {
        await connection.end();
      }
    };
    const fromClient = (port: number, localAddress: string, headers: Record<string, string> = {}) =>
      httpRequest(port, { path: INFO, localAddress, headers });

    it("counts each client under the address nginx saw, whatever it claims", async () => {
      const spoofed = { "X-Forwarded-For": "203.0.113.5", "X-Real-IP": "203.0.113.5" };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fromClient(limitedNginx.port, "127.0.0.3", spoofed)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await fromClient(limitedNginx.port, "127.0.0.3");
      expect(limited.body.toString()).toBe('{"version":5,"type":"error","resultcount":0,"results":[],"error":"Rate limit reached"}');

      // Another client still has its own allowance.
      expect((await fromClient(limitedNginx.port, "127.0.0.4")).status).toBe(200);

      // The service writes its counts once per flush interval (RATE_LIMIT_FLUSH_MS).
      await vi.waitFor(async () => expect(await rateLimitRows()).toMatchObject({ "127.0.0.3": 4, "127.0.0.4": 1 }), { timeout: 5000 });
      expect(await rateLimitRows()).not.toHaveProperty(["203.0.113.5"]);
    });

    it("ignores X-Forwarded-For and X-Real-IP from a client that reaches the service directly", async () => {
      const spoofed = { "X-Forwarded-For": "203.0.113.6", "X-Real-IP": "203.0.113.6" };
      expect((await fromClient(limitedService.port, "127.0.0.5", spoofed)).status).toBe(200);
      await vi.waitFor(async () => expect(await rateLimitRows()).toMatchObject({ "127.0.0.5": 1 }), { timeout: 5000 });
      expect(await rateLimitRows()).not.toHaveProperty(["203.0.113.6"]);
    });
  });

  // Last: it stops the service behind limitedNginx.
  it("answers 502 within a second while the service is down, and PHP's pages keep working", async () => {
    await limitedService.stop();
    const timed = async (request: HttpRequest): Promise<[HttpAnswer, number]> => {
      const started = performance.now();
      const answer = await httpRequest(limitedNginx.port, request);
      return [answer, performance.now() - started];
    };
    const [rpc, rpcMs] = await timed({ path: INFO });
    expect(rpc.status).toBe(502);
    expect(rpcMs).toBeLessThan(1000);
    const [post, postMs] = await timed({ method: "POST", path: "/rpc/", body: "v=5&type=info&arg[]=ircmarkers" });
    expect(post.status).toBe(502);
    expect(postMs).toBeLessThan(1000);

    const home = await httpRequest(limitedNginx.port, { path: "/" });
    expect(home.status).toBe(200);
    expect(header(home, FROM_PHP)).toBe("php");
  });
}
