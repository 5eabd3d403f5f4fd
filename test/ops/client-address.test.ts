/**
 * A trusted proxy's X-Real-IP or X-Forwarded-For is counted only when it is an IP
 * address; anything else (too long for the table, or not an address at all) is ignored
 * in favour of the peer, which is then counted as usual.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { clientAddress } from "../../src/http/client-address.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";

const TRUSTED = ["127.0.0.1", "::1"];

describe("clientAddress", () => {
  it("takes a trusted proxy's X-Real-IP when it is an address", () => {
    expect(clientAddress("127.0.0.1", { realIp: "203.0.113.7" }, TRUSTED)).toBe("203.0.113.7");
    expect(clientAddress("127.0.0.1", { realIp: " 2001:db8::7 " }, TRUSTED)).toBe("2001:db8::7");
    expect(clientAddress("::ffff:127.0.0.1", { realIp: "::ffff:203.0.113.7" }, TRUSTED)).toBe("203.0.113.7");
    // The longest IPv6 text there is: 45 characters, the width of the table's column.
    const longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
    expect(longest).toHaveLength(45);
    expect(clientAddress("127.0.0.1", { realIp: longest }, TRUSTED)).toBe(longest);
  });

  it("ignores an X-Real-IP that is not an address, in favour of the peer", () => {
    for (const realIp of ["unknown", "203.0.113.7, 198.51.100.1", "'; DELETE FROM Packages; --", "1".repeat(46), "fe80::1%" + "e".repeat(40), "203.0.113.256"]) {
      expect(clientAddress("127.0.0.1", { realIp }, TRUSTED), realIp).toBe("127.0.0.1");
    }
  });

  it("ignores an X-Forwarded-For client that is not an address, in favour of the peer", () => {
    expect(clientAddress("127.0.0.1", { forwardedFor: "198.51.100.1, 203.0.113.9" }, TRUSTED)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", { forwardedFor: "198.51.100.1, not-an-address" }, TRUSTED)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", { forwardedFor: "x".repeat(80) + ", 127.0.0.1" }, TRUSTED)).toBe("127.0.0.1");
  });

  it("never looks at the headers of a peer that is not trusted", () => {
    expect(clientAddress("192.0.2.5", { realIp: "203.0.113.7", forwardedFor: "203.0.113.8" }, TRUSTED)).toBe("192.0.2.5");
  });

  it("follows a change of the trusted list", () => {
    expect(clientAddress("10.0.0.1", { realIp: "203.0.113.7" }, ["10.0.0.1"])).toBe("203.0.113.7");
    expect(clientAddress("10.0.0.1", { realIp: "203.0.113.7" }, ["10.0.0.2"])).toBe("10.0.0.1");
  });
});

describe("an address from a trusted proxy that is not one, end to end", () => {
  let scratch: ScratchDatabase;
  let database: Database;
  let app: App;

  beforeAll(async () => {
    scratch = await createScratchDatabase("ops_client_address");
    await createSchema(scratch.url, { referenceData: false });
    database = createDatabase(scratch.url, { poolSize: 2 });
    app = createApp({ db: database, config: defaultConfig({ RATE_LIMIT_REQUESTS: 2, RATE_LIMIT_WINDOW: 3600 }) });
    await app.deps.readModel.start();
  });

  afterAll(async () => {
    await app?.deps.readModel.stop();
    await database?.close();
    await scratch?.drop();
  });

  it("counts the peer instead, and limits it", async () => {
    const tooLong = "2001:db8:1111:2222:3333:4444:5555:6666:7777:8888";
    expect(tooLong.length).toBeGreaterThan(45);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.request("/rpc/?v=5&type=info&arg=x", { headers: { "X-Real-IP": tooLong } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    await app.deps.rateLimiter.flush();
    const connection = await mysql.createConnection(scratch.url);
    try {
      const [rows] = await connection.query("SELECT IP, Requests FROM ApiRateLimit");
      expect(rows).toEqual([{ IP: "127.0.0.1", Requests: 3 }]);
    } finally {
      await connection.end();
    }
  });
});
