/**
 * The requests real AUR clients send, as their sources build them, against the sample data
 * set (3,757 visible packages): asking for every package in the batch sizes each client
 * uses must bring back every package exactly once, in answers shaped as the client parses
 * them. Each client's requests are described where they are built.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../support/service.js";
import {
  batches,
  curlEscape,
  envelope,
  expectClientRows,
  expectEveryNameOnce,
  FORM,
  formEncode,
  goQueryEscape,
  perlUrlencode,
  pythonQuote,
  pythonQuotePlus,
  send,
  sqlLicenseCounts,
  sqlNames,
  startSample,
  uriEscapeUtf8,
  type Envelope,
  type Sample,
} from "./support.js";

let sample: Sample;

beforeAll(async () => {
  sample = await startSample("clients");
  // More than PHP's 1,000 variables, so that a cut anywhere shows.
  expect(sample.names.length).toBeGreaterThan(3000);
});

afterAll(async () => {
  await sample?.close();
});

const profiles: [string, () => RunningService][] = [
  ["legacy", () => sample.legacy],
  ["current", () => sample.current],
];

/** Packages the profile shows whose name contains `term` (the collation ignores case). */
const namesContaining = (term: string, profile: string) => sqlNames(sample, "p.Name LIKE ?", [`%${term}%`], profile);

describe.each(profiles)("aurutils (%s profile)", (profile, service) => {
  // perl/AUR/Query.pm query_multi: `curl -fgLsSq --data-raw` of `&arg[]=<urlencode>` per
  // name to $AUR_LOCATION/rpc/v5/<type>, AUR_QUERY_RPC_SPLITNO (5,000) names a request.
  const infoPost = (names: readonly string[]) =>
    send(service(), "POST", "/rpc/v5/info", { ...FORM, "User-Agent": "aurutils" }, names.map((n) => `&arg[]=${perlUrlencode(n)}`).join(""));

  it("aur query -t info with every name: one POST, every package once", async () => {
    const answers: Envelope[] = [];
    for (const batch of batches(sample.names, 5000)) {
      const response = await infoPost(batch);
      // query_curl croaks on an answer of more than one line.
      expect(response.body).not.toContain("\n");
      answers.push(envelope(response, "multiinfo"));
    }
    expectClientRows(answers[0]!.results);
    expectEveryNameOnce(answers, sample.names);
  });

  it("a full batch of 5,000 names, some not in the AUR, finds every package there is", async () => {
    const missing = Array.from({ length: 5000 - sample.names.length }, (_, i) => `not-in-the-aur-${i}`);
    const answer = envelope(await infoPost([...missing, ...sample.names]), "multiinfo");
    expectEveryNameOnce([answer], sample.names);
  });

  it("aur search: GET /rpc/v5/search/{term}?by=..., the whole answer", async () => {
    // AUR::Query::query: "$aur_rpc/v$ver/$type/" . urlencode($term) . "?by=$by".
    for (const [term, by] of [
      ["g++", "name"],
      ["python", "name-desc"],
    ] as const) {
      const answer = envelope(await send(service(), "GET", `/rpc/v5/search/${perlUrlencode(term)}?by=${by}`), "search");
      expectClientRows(answer.results);
      const expected =
        by === "name"
          ? await namesContaining(term, profile)
          : await sqlNames(sample, "p.Name LIKE ? OR p.Description LIKE ?", [`%${term}%`, `%${term}%`], profile);
      expectEveryNameOnce([answer], expected);
    }
  });
});

describe.each(profiles)("auracle (%s profile)", (profile, service) => {
  // src/aur/request.cc: InfoRequest is a POST to /rpc/v5/info whose payload is
  // `arg[]=<curl_easy_escape>` joined with "&", every name of the command in one request.
  it("auracle info with every name: one POST, every package once", async () => {
    const body = sample.names.map((n) => `arg[]=${curlEscape(n)}`).join("&");
    const answer = envelope(await send(service(), "POST", "/rpc/v5/info", { ...FORM, "User-Agent": "Auracle/0" }, body), "multiinfo");
    expectClientRows(answer.results);
    expectEveryNameOnce([answer], sample.names);
  });

  it("auracle search: GET /rpc/v5/search/{escaped}?by=name", async () => {
    const answer = envelope(await send(service(), "GET", `/rpc/v5/search/${curlEscape("g++")}?by=name`), "search");
    expectClientRows(answer.results);
    expectEveryNameOnce([answer], await namesContaining("g++", profile));
  });
});

describe.each(profiles)("yay, through Jguer/aur (%s profile)", (profile, service) => {
  // rpc/req.go: GET BaseURL ("https://aur.archlinux.org/rpc?") + url.Values.Encode(), which
  // sorts the keys and query-escapes them: `arg%5B%5D=...&type=info&v=5`; rpc/query.go
  // batchInfo asks defaultBatchSize (125) names a request.
  it("info in batches of 125: every package once", async () => {
    const answers: Envelope[] = [];
    for (const batch of batches(sample.names, 125)) {
      const query = [...batch.map((n) => `arg%5B%5D=${goQueryEscape(n)}`), "type=info", "v=5"].join("&");
      answers.push(envelope(await send(service(), "GET", `/rpc?${query}`, { "User-Agent": "Go-http-client/1.1" }), "multiinfo"));
    }
    expect(answers).toHaveLength(Math.ceil(sample.names.length / 125));
    for (const answer of answers) expectClientRows(answer.results);
    expectEveryNameOnce(answers, sample.names);
  });

  it("search by=provides: `arg=...&by=provides&type=search&v=5`", async () => {
    const answer = envelope(await send(service(), "GET", `/rpc?arg=${goQueryEscape("g++")}&by=provides&type=search&v=5`), "search");
    expectClientRows(answer.results);
    const expected = await sqlNames(
      sample,
      `p.Name = ? OR p.ID IN (SELECT r.PackageID FROM PackageRelations r JOIN RelationTypes t ON t.ID = r.RelTypeID
       WHERE t.Name = 'provides' AND r.RelName = ?)`,
      ["g++", "g++"],
      profile,
    );
    expectEveryNameOnce([answer], expected);
  });
});

describe.each(profiles)("paru, through raur (%s profile)", (profile, service) => {
  // raur's Handle posts its parameters as a form (reqwest's .form(), serde_urlencoded) to
  // its AUR_RPC_URL, https://aur.archlinux.org/rpc/: `arg%5B%5D=...&v=5&type=info`. Its
  // info() splits the names into several requests; a POST has no length limit, so both a
  // split and one request with every name are checked.
  const infoPost = (names: readonly string[]) =>
    send(service(), "POST", "/rpc/", FORM, [...names.map((n) => `arg%5B%5D=${formEncode(n)}`), "v=5", "type=info"].join("&"));

  it("info split in requests of 200: every package once", async () => {
    const answers: Envelope[] = [];
    for (const batch of batches(sample.names, 200)) answers.push(envelope(await infoPost(batch), "multiinfo"));
    for (const answer of answers) expectClientRows(answer.results);
    expectEveryNameOnce(answers, sample.names);
  });

  it("info with every name in one POST: every package once", async () => {
    const answer = envelope(await infoPost(sample.names), "multiinfo");
    expectEveryNameOnce([answer], sample.names);
  });

  it("search by=name as a form", async () => {
    const answer = envelope(await send(service(), "POST", "/rpc/", FORM, `v=5&type=search&by=name&arg=${formEncode("g++")}`), "search");
    expectClientRows(answer.results);
    expectEveryNameOnce([answer], await namesContaining("g++", profile));
  });
});

describe.each(profiles)("pikaur (%s profile)", (_profile, service) => {
  // pikaur/aur.py: GET AurUrl + "/rpc/?" + urlencode({"v": 5, "type": "info"}) then
  // "&arg[]=" + quote(name) per name, as many names as keep the URL under MAX_URL_LENGTH
  // (8,177) with the default AurUrl.
  const AUR_URL = "https://aur.archlinux.org";
  const MAX_URL_LENGTH = 8177;
  const infoUri = (names: readonly string[]) => `/rpc/?v=5&type=info${names.map((n) => `&arg[]=${pythonQuote(n)}`).join("")}`;

  it("info in URLs of at most 8,177 bytes: every package once", async () => {
    const chunks: string[][] = [];
    let chunk: string[] = [];
    for (const name of sample.names) {
      if ((AUR_URL + infoUri([...chunk, name])).length < MAX_URL_LENGTH) chunk.push(name);
      else {
        chunks.push(chunk);
        chunk = [name];
      }
    }
    if (chunk.length > 0) chunks.push(chunk);
    const answers: Envelope[] = [];
    for (const names of chunks) answers.push(envelope(await send(service(), "GET", infoUri(names)), "multiinfo"));
    for (const answer of answers) expectClientRows(answer.results);
    expectEveryNameOnce(answers, sample.names);
  });

  it("provider search: urlencode({v, type, arg, by: provides})", async () => {
    const answer = envelope(await send(service(), "GET", `/rpc/?v=5&type=search&arg=${pythonQuotePlus("g++")}&by=provides`), "search");
    expectClientRows(answer.results);
  });
});

describe.each(profiles)("trizen (%s profile)", (profile, service) => {
  // trizen: "$aur_rpc_base_url?v=5&type=multiinfo" and '&arg[]=' . uri_escape_utf8(name)
  // while the URL is shorter than 4,000 characters, the names sorted.
  it("multiinfo in URLs under 4,000 characters: every package once", async () => {
    const base = "https://aur.archlinux.org/rpc";
    const pending = [...sample.names].sort();
    const answers: Envelope[] = [];
    while (pending.length > 0) {
      let target = "/rpc?v=5&type=multiinfo";
      while ((base + target.slice("/rpc".length)).length < 4000 && pending.length > 0) target += `&arg[]=${uriEscapeUtf8(pending.shift()!)}`;
      answers.push(envelope(await send(service(), "GET", target), "multiinfo"));
    }
    expectEveryNameOnce(answers, sample.names);
  });

  it("info of one package, search and msearch", async () => {
    const name = sample.names[0]!;
    const info = envelope(await send(service(), "GET", `/rpc?v=5&type=info&arg=${uriEscapeUtf8(name)}`), "multiinfo");
    expect(info.results.map((row) => row.Name)).toEqual([name]);
    const search = envelope(await send(service(), "GET", `/rpc?v=5&type=search&arg=python`), "search");
    expectEveryNameOnce([search], await sqlNames(sample, "p.Name LIKE '%python%' OR p.Description LIKE '%python%'", [], profile));
    const maintainer = String(search.results.find((row) => row.Maintainer !== null)!.Maintainer);
    // Today's aurweb answers msearch with its own type.
    const msearch = envelope(await send(service(), "GET", `/rpc?v=5&type=msearch&arg=${uriEscapeUtf8(maintainer)}`), profile === "current" ? "msearch" : "search");
    expectEveryNameOnce([msearch], await sqlNames(sample, "b.MaintainerUID = (SELECT ID FROM Users WHERE Username = ?)", [maintainer], profile));
  });
});

describe("a client that sends no version to /rpc.php (legacy profile)", () => {
  // The oldest helpers (AUR v1): `/rpc.php?type=multiinfo&arg[]=...`, no `v`. Legacy
  // answers them as version 1; today's aurweb asks for a version.
  it("multiinfo in batches of 200: every package, once per license as version 1 has it", async () => {
    const rows: Record<string, unknown>[] = [];
    for (const batch of batches(sample.names, 200)) {
      const answer = envelope(await send(sample.legacy, "GET", `/rpc.php?type=multiinfo${batch.map((n) => `&arg[]=${encodeURIComponent(n)}`).join("")}`), "multiinfo");
      expect(answer.version).toBe(1);
      rows.push(...answer.results);
    }
    // The legacy v1 query joined the licenses: one row per license of a package, one without any.
    const licenses = await sqlLicenseCounts(sample);
    const got = new Map<string, string[]>();
    for (const row of rows) got.set(row.Name as string, [...(got.get(row.Name as string) ?? []), String(row.License)]);
    expect([...got.keys()].sort()).toEqual([...sample.names].sort());
    for (const [name, rowLicenses] of got) {
      expect(new Set(rowLicenses).size, name).toBe(rowLicenses.length);
      expect(rowLicenses.length, name).toBe(Math.max(1, licenses.get(name) ?? 0));
    }
  });

  it("the current profile answers with the error today's aurweb gives", async () => {
    const response = await send(sample.current, "GET", "/rpc.php?type=multiinfo&arg[]=bonnie%2B%2B");
    expect(JSON.parse(response.body)).toMatchObject({ type: "error", error: "Please specify an API version." });
  });
});
