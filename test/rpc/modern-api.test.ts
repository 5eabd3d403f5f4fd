/**
 * What today's clients send that the legacy PHP never answered: the search fields
 * current aurweb added, POST forms, path-style endpoints with form or JSON bodies, the
 * "current" profile and the OpenAPI description, on data this test creates.
 */
import Ajv2020 from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";
import { createSeededDatabase } from "../support/seed.js";
import { startService, type RunningService } from "../support/service.js";

let db: ScratchDatabase;
let legacy: RunningService;
let current: RunningService;

beforeAll(async () => {
  ({ db } = await createSeededDatabase("modern_api", async (seed) => {
    const alice = await seed.user("alice");
    const bob = await seed.user("bob");
    const carol = await seed.user("carol");
    const editor = await seed.package({
      name: "editor",
      baseSpec: { maintainer: alice, submitter: bob, keywords: ["text", "editor", "terminal"], comaintainers: [carol] },
      relations: [{ type: "provides", name: "text-editor" }, { type: "conflicts", name: "old-editor" }],
      groups: ["office"],
      licenses: ["MIT"],
    });
    const editorGit = await seed.package({
      name: "editor-git",
      baseSpec: { maintainer: bob, submitter: bob, keywords: ["text", "editor"] },
      relations: [
        { type: "provides", name: "editor", condition: "=2.0" },
        { type: "conflicts", name: "editor" },
        { type: "replaces", name: "old-editor" },
      ],
      groups: ["office"],
    });
    const editorLegacy = await seed.package({ name: "old-editor", baseSpec: { maintainer: alice, keywords: ["text"] } });
    const fonts = await seed.package({ name: "fonts-extra", baseSpec: { maintainer: carol }, groups: ["fonts"] });
    // Base order (how the legacy plans scan) against package ID order (how aurweb's GROUP BY returns rows).
    await seed.package({ id: 900, name: "late-id", baseSpec: { keywords: ["ordering"] } });
    await seed.package({ id: 800, name: "early-id", baseSpec: { keywords: ["ordering"] } });
    return { editor, editorGit, editorLegacy, fonts };
  }));
  legacy = await startService(db.url);
  current = await startService(db.url, { RPC_PROFILE: "current" });
});

afterAll(async () => {
  await legacy?.close();
  await current?.close();
  await db?.drop();
});

async function names(service: RunningService, target: string): Promise<string[]> {
  const res = await rawRequest(service.url, "GET", target);
  expect(res.status).toBe(200);
  const body = JSON.parse(res.body) as { type: string; results: { Name: string }[] };
  expect(body.type).toBe("search");
  return body.results.map((r) => r.Name);
}

describe("search fields added by current aurweb", () => {
  it("by=provides finds declared providers and the package named like the argument", async () => {
    expect(await names(legacy, "/rpc/?v=5&type=search&by=provides&arg=editor")).toEqual(["editor-git", "editor"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=provides&arg=text-editor")).toEqual(["editor"]);
  });

  it("by=conflicts and by=replaces match relation names", async () => {
    expect(await names(legacy, "/rpc/?v=5&type=search&by=conflicts&arg=editor")).toEqual(["editor-git"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=conflicts&arg=old-editor")).toEqual(["editor"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=replaces&arg=old-editor")).toEqual(["editor-git"]);
  });

  it("by=groups, by=submitter and by=comaintainers", async () => {
    expect(await names(legacy, "/rpc/?v=5&type=search&by=groups&arg=office")).toEqual(["editor", "editor-git"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=submitter&arg=bob")).toEqual(["editor", "editor-git"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=comaintainers&arg=carol")).toEqual(["editor"]);
  });

  it("by=keywords requires every given word", async () => {
    expect(await names(legacy, "/rpc/?v=5&type=search&by=keywords&arg=text")).toEqual(["editor", "editor-git", "old-editor"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=keywords&arg=text+editor")).toEqual(["editor", "editor-git"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=keywords&arg=text%20editor%20terminal")).toEqual(["editor"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=keywords&arg=text%20nosuchword")).toEqual([]);
  });

  it("applies current aurweb's argument check", async () => {
    const res = await rawRequest(legacy.url, "GET", "/rpc/?v=5&type=search&by=provides&arg=e");
    expect(JSON.parse(res.body)).toMatchObject({ type: "error", error: "Query arg too small." });
  });
});

describe("endpoints and bodies that answer exactly like the legacy query string", () => {
  const same = async (method: string, target: string, legacyTarget: string, body?: string, contentType?: string) => {
    const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
    const got = await rawRequest(legacy.url, method, target, headers, body);
    const want = await rawRequest(legacy.url, "GET", legacyTarget);
    expect(got.status).toBe(200);
    expect(got.body).toBe(want.body);
    expect(got.headers.etag).toBe(want.headers.etag);
    expect(got.headers["content-type"]).toBe("application/json");
  };
  const info = "/rpc/?v=5&type=info&arg[]=editor&arg[]=editor-git";

  it("POST /rpc and /rpc/ with a form", async () => {
    await same("POST", "/rpc", info, "v=5&type=info&arg[]=editor&arg[]=editor-git", "application/x-www-form-urlencoded");
    await same("POST", "/rpc/", info, "v=5&type=info&arg[]=editor&arg[]=editor-git", "application/x-www-form-urlencoded");
  });

  it("GET /rpc/v5/info/{name} and /rpc/v5/info?arg[]=", async () => {
    await same("GET", "/rpc/v5/info/editor", "/rpc/?v=5&type=info&arg[]=editor");
    await same("GET", "/rpc/v5/info?arg[]=editor&arg[]=editor-git", info);
  });

  it("POST /rpc/v5/info with a form or a JSON body", async () => {
    await same("POST", "/rpc/v5/info", info, "arg[]=editor&arg[]=editor-git", "application/x-www-form-urlencoded");
    await same("POST", "/rpc/v5/info", info, JSON.stringify({ arg: ["editor", "editor-git"] }), "application/json");
  });

  it("refuses a JSON info body whose arg is not a list, in today's aurweb's words", async () => {
    for (const service of [legacy, current]) {
      const res = await rawRequest(service.url, "POST", "/rpc/v5/info", { "Content-Type": "application/json" }, JSON.stringify({ arg: "editor" }));
      expect(res.status).toBe(400);
      expect((JSON.parse(res.body) as { error: string }).error).toBe("the 'arg' parameter must be of array type");
    }
  });

  it("GET and POST /rpc/v5/search", async () => {
    const search = "/rpc/?v=5&type=search&by=provides&arg=editor";
    await same("GET", "/rpc/v5/search/editor?by=provides", search);
    await same("GET", "/rpc/v5/search?arg=editor&by=provides", search);
    await same("POST", "/rpc/v5/search", search, "arg=editor&by=provides", "application/x-www-form-urlencoded");
    await same("POST", "/rpc/v5/search", search, JSON.stringify({ arg: "editor", by: "provides" }), "application/json");
  });

  it("GET /rpc/v5/suggest/{arg} and /rpc/v5/suggest-pkgbase/{arg}", async () => {
    await same("GET", "/rpc/v5/suggest/ed", "/rpc/?v=5&type=suggest&arg=ed");
    await same("GET", "/rpc/v5/suggest-pkgbase/ed", "/rpc/?v=5&type=suggest-pkgbase&arg=ed");
  });

  it("reads a JSON object sent under another Content-Type as JSON, as today's aurweb does (curl -d sends a form)", async () => {
    for (const type of ["application/x-www-form-urlencoded", "text/plain"]) {
      await same("POST", "/rpc/v5/info", info, JSON.stringify({ arg: ["editor", "editor-git"] }), type);
      await same("POST", "/rpc/v5/search", "/rpc/?v=5&type=search&by=provides&arg=editor", ` {"arg":"editor","by":"provides"}`, type);
    }
  });

  it("answers a JSON body that leaves out a field, or names an unknown field, as the query string without it", async () => {
    const answers = async (method: string, target: string, body?: string) =>
      (await rawRequest(legacy.url, method, target, body === undefined ? {} : { "Content-Type": "application/json" }, body)).body;
    for (const body of ["{}", JSON.stringify({ nope: true })]) {
      expect(await answers("POST", "/rpc/v5/info", body)).toBe(await answers("GET", "/rpc/v5/info"));
      expect(await answers("POST", "/rpc/v5/search", body)).toBe(await answers("GET", "/rpc/v5/search"));
    }
    const bogus = await answers("POST", "/rpc/v5/search", JSON.stringify({ arg: "editor", by: "bogus" }));
    expect(bogus).toBe(await answers("GET", "/rpc/v5/search?arg=editor&by=bogus"));
    expect(JSON.parse(bogus)).toMatchObject({ type: "error", error: "Incorrect by field specified." });
  });

  it("answers a wrongly typed JSON body with 400 and a JSON error", async () => {
    const bodies = {
      "/rpc/v5/info": [JSON.stringify({ arg: [1, 2] }), JSON.stringify({ arg: 5 }), "{not json", "[]"],
      "/rpc/v5/search": [JSON.stringify({ arg: ["x"] }), JSON.stringify({ arg: "x", by: 1 }), "{not json"],
    };
    for (const [target, list] of Object.entries(bodies)) {
      for (const body of list) {
        const res = await rawRequest(legacy.url, "POST", target, { "Content-Type": "application/json" }, body);
        expect(res.status, body).toBe(400);
        expect(res.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(res.body)).toMatchObject({ type: "error", resultcount: 0, results: [] });
      }
    }
  });
});

describe("RPC_PROFILE=current", () => {
  it("shapes info like current aurweb: sorted keys, Submitter, PendingRequests, License and Keywords always, empty lists left out", async () => {
    const res = await rawRequest(current.url, "GET", "/rpc/?v=5&type=info&arg[]=old-editor");
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { results: Record<string, unknown>[] };
    const row = body.results[0]!;
    expect(Object.keys(body)).toEqual(["resultcount", "results", "type", "version"]);
    expect(Object.keys(row)).toEqual([...Object.keys(row)].sort());
    expect(row).toMatchObject({
      Name: "old-editor",
      Maintainer: "alice",
      Submitter: null,
      PendingRequests: 0,
      License: [],
      Keywords: ["text"],
      URLPath: "/cgit/aur.git/snapshot/old-editor.tar.gz",
    });
    expect(row).not.toHaveProperty("Groups");
    expect(row).not.toHaveProperty("CoMaintainers");
    expect(res.headers.etag).toBe(`"${(await import("node:crypto")).createHash("md5").update(res.body).digest("hex")}"`);
  });

  it("keeps info-only fields out of search results and writes `/` unescaped", async () => {
    const res = await rawRequest(current.url, "GET", "/rpc/v5/search/editor?by=name");
    const row = (JSON.parse(res.body) as { results: Record<string, unknown>[] }).results[0]!;
    expect(row).not.toHaveProperty("Submitter");
    expect(row).not.toHaveProperty("Keywords");
    expect(res.body).toContain('"URLPath":"/cgit/');
  });

  it("lists results in package ID order, as aurweb's GROUP BY Package.ID returns them; by=provides adds the named package last", async () => {
    const infoNames = async (target: string) => ((JSON.parse((await rawRequest(current.url, "GET", target)).body) as { results: { Name: string }[] }).results).map((r) => r.Name);
    expect(await infoNames("/rpc/?v=5&type=info&arg[]=fonts-extra&arg[]=old-editor")).toEqual(["old-editor", "fonts-extra"]);
    expect(await names(current, "/rpc/?v=5&type=search&by=keywords&arg=ordering")).toEqual(["early-id", "late-id"]);
    expect(await names(legacy, "/rpc/?v=5&type=search&by=keywords&arg=ordering")).toEqual(["late-id", "early-id"]);
    expect(await names(current, "/rpc/?v=5&type=search&by=name&arg=-id")).toEqual(["early-id", "late-id"]);
    expect(await names(current, "/rpc/?v=5&type=search&by=provides&arg=editor")).toEqual(["editor-git", "editor"]);
  });

  it("uses current aurweb's version rules and error texts", async () => {
    const noVersion = JSON.parse((await rawRequest(current.url, "GET", "/rpc/?type=info&arg=editor")).body);
    expect(noVersion).toEqual({ error: "Please specify an API version.", resultcount: 0, results: [], type: "error", version: null });
    const v4 = JSON.parse((await rawRequest(current.url, "GET", "/rpc/?v=4&type=info&arg=editor")).body);
    expect(v4).toMatchObject({ error: "Invalid version specified.", version: 4 });
    const noArgs = JSON.parse((await rawRequest(current.url, "GET", "/rpc/?v=5&type=info")).body);
    expect(noArgs).toMatchObject({ error: "No request type/data specified." });
  });
});

describe("OpenAPI description", () => {
  it("is served with a readable page that needs nothing from the internet", async () => {
    const page = await rawRequest(legacy.url, "GET", "/rpc/docs");
    expect(page.status).toBe(200);
    expect(page.body).toContain("/rpc/v5/info/{arg}");
    expect(page.body).not.toMatch(/(src|href)="https?:/);
  });

  it("describes the real answers of the running service", async () => {
    const document = JSON.parse((await rawRequest(legacy.url, "GET", "/rpc/openapi.json")).body) as {
      openapi: string;
      components: { schemas: Record<string, object> };
    };
    expect(document.openapi).toBe("3.1.0");
    const ajv = new Ajv2020.default({ strict: false });
    for (const [name, schema] of Object.entries(document.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
    const check = async (schemaName: string, target: string, method = "GET", body?: string, type?: string) => {
      const res = await rawRequest(legacy.url, method, target, type ? { "Content-Type": type } : {}, body);
      const validate = ajv.getSchema(`#/components/schemas/${schemaName}`)!;
      const ok = validate(JSON.parse(res.body));
      expect(validate.errors ?? [], `${target}`).toEqual([]);
      expect(ok).toBe(true);
    };
    await check("InfoResponse", "/rpc/v5/info/editor");
    await check("InfoResponse", "/rpc/v5/info", "POST", JSON.stringify({ arg: ["editor", "editor-git", "fonts-extra"] }), "application/json");
    await check("SearchResponse", "/rpc/v5/search/edit?by=name-desc");
    await check("SearchResponse", "/rpc/v5/search/editor?by=provides");
    await check("Suggestions", "/rpc/v5/suggest/ed");
    await check("Error", "/rpc/v5/search/e");
    await check("Error", "/rpc/v5/info", "POST", JSON.stringify({ arg: 5 }), "application/json");
  });
});
