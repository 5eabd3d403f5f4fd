/**
 * The OpenAPI 3.1 description of the RPC, generated from the zod schemas the service
 * validates and answers with (src/rpc/schemas.ts). OpenAPI 3.1 uses JSON Schema 2020-12,
 * which is what zod emits.
 */
import { z } from "zod";
import {
  errorResponse,
  infoBody,
  infoResponse,
  infoResult,
  opensearchResponse,
  searchBody,
  searchField,
  searchResponse,
  searchResult,
  suggestResponse,
} from "../rpc/schemas.js";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any" });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ "application/json": { schema: ref(name) } });

const answers = (name: string, description: string) => ({
  "200": { description, content: { "application/json": { schema: { oneOf: [ref(name), ref("Error")] } } } },
  "304": { description: "Not modified: the If-None-Match ETag matches." },
  "400": { description: "Malformed request body.", content: json("Error") },
  "429": { description: "Rate limit reached.", content: json("Error") },
  "503": { description: "The package database is unreachable and no data is loaded yet.", content: json("Error") },
});

const pathArg = (description: string) => ({ name: "arg", in: "path", required: true, description, schema: { type: "string" } });
const queryParam = (name: string, description: string, s: object = { type: "string" }) => ({ name, in: "query", required: false, description, schema: s });
const callback = queryParam("callback", "JSONP: wrap the answer in a call to this function.");
const byParam = queryParam("by", "Field to search (default name-desc).", ref("SearchField"));

export function openApiDocument(): object {
  return {
    openapi: "3.1.0",
    info: {
      title: "AUR RPC",
      version: "5",
      description:
        "Package metadata of the Arch User Repository. The legacy query-string interface (`/rpc?v=5&type=...`) and these path-style endpoints answer the same data.",
    },
    paths: {
      "/rpc": {
        get: {
          summary: "Legacy interface: all parameters in the query string",
          parameters: [
            queryParam("v", "API version, 1 to 5.", { type: "integer" }),
            queryParam(
              "type",
              "info, multiinfo, search, msearch, suggest, suggest-pkgbase, or opensearch-suggest and opensearch-suggest-pkgbase (browser search boxes: `[arg, [names]]` as `application/x-suggestions+json`).",
            ),
            queryParam("arg", "The argument (`arg[]`, repeated, for several packages)."),
            byParam,
            callback,
          ],
          responses: {
            ...answers("SearchResponse", "Search, info or error answer depending on `type`."),
            "200": {
              description: "Search, info, suggestions or error answer depending on `type`.",
              content: {
                "application/json": { schema: { oneOf: [ref("SearchResponse"), ref("InfoResponse"), ref("Suggestions"), ref("Error")] } },
                "application/x-suggestions+json": { schema: ref("OpenSearchSuggestions") },
              },
            },
          },
        },
      },
      "/rpc/v5/info/{arg}": {
        get: { summary: "One package", parameters: [pathArg("Package name."), callback], responses: answers("InfoResponse", "The package, if it exists.") },
      },
      "/rpc/v5/info": {
        get: {
          summary: "Several packages",
          parameters: [queryParam("arg[]", "Package name, repeated.", { type: "array", items: { type: "string" } }), callback],
          responses: answers("InfoResponse", "The packages that exist."),
        },
        post: {
          summary: "Several packages, names in the body",
          requestBody: { required: true, content: { "application/json": { schema: ref("InfoRequest") }, "application/x-www-form-urlencoded": { schema: { type: "object", properties: { "arg[]": { type: "array", items: { type: "string" } } } } } } },
          responses: answers("InfoResponse", "The packages that exist."),
        },
      },
      "/rpc/v5/search/{arg}": {
        get: { summary: "Search", parameters: [pathArg("Search term."), byParam, callback], responses: answers("SearchResponse", "Matching packages.") },
      },
      "/rpc/v5/search": {
        get: { summary: "Search", parameters: [queryParam("arg", "Search term."), byParam, callback], responses: answers("SearchResponse", "Matching packages.") },
        post: {
          summary: "Search, parameters in the body",
          requestBody: { required: true, content: { "application/json": { schema: ref("SearchRequest") }, "application/x-www-form-urlencoded": { schema: ref("SearchRequest") } } },
          responses: answers("SearchResponse", "Matching packages."),
        },
      },
      "/rpc/v5/suggest/{arg}": {
        get: { summary: "Package names starting with arg", parameters: [pathArg("Name prefix.")], responses: { "200": { description: "Names.", content: json("Suggestions") } } },
      },
      "/rpc/v5/suggest-pkgbase/{arg}": {
        get: { summary: "Package base names starting with arg", parameters: [pathArg("Name prefix.")], responses: { "200": { description: "Names.", content: json("Suggestions") } } },
      },
      "/rpc/v5/opensearch-suggest/{arg}": {
        get: {
          summary: "OpenSearch suggestions: package names starting with arg",
          parameters: [pathArg("Name prefix.")],
          responses: { "200": { description: "The argument and the names.", content: { "application/x-suggestions+json": { schema: ref("OpenSearchSuggestions") } } } },
        },
      },
      "/rpc/v5/opensearch-suggest-pkgbase/{arg}": {
        get: {
          summary: "OpenSearch suggestions: package base names starting with arg",
          parameters: [pathArg("Name prefix.")],
          responses: { "200": { description: "The argument and the names.", content: { "application/x-suggestions+json": { schema: ref("OpenSearchSuggestions") } } } },
        },
      },
    },
    components: {
      schemas: {
        SearchField: schema(searchField),
        InfoRequest: schema(infoBody),
        SearchRequest: schema(searchBody),
        SearchResult: schema(searchResult),
        InfoResult: schema(infoResult),
        InfoResponse: schema(infoResponse),
        SearchResponse: schema(searchResponse),
        Suggestions: schema(suggestResponse),
        OpenSearchSuggestions: schema(opensearchResponse),
        Error: schema(errorResponse),
      },
    },
  };
}
