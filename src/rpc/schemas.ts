/**
 * The shapes of the path-style endpoints' requests and of the answers, as zod schemas:
 * request bodies are validated with them and the OpenAPI description is generated from
 * them, so the two cannot drift apart.
 */
import { z } from "zod";
import { SEARCH_FIELDS } from "./params.js";

export const searchField = z.enum(SEARCH_FIELDS as [string, ...string[]]).describe("What `arg` is matched against.");

/*
 * A field of the wrong type gets today's aurweb's own message (checked in the order aurweb
 * checks them: `by` before `arg`); anything else wrong in a body is described by the route.
 */
export const infoBody = z
  .object({
    arg: z.array(z.string(), { error: "the 'arg' parameter must be of array type" }).optional().describe("The package names."),
  })
  .describe("Packages to look up.");

export const searchBody = z
  .object({
    // Any text: a field the RPC does not know gets its usual error, as in a query string.
    by: z.string({ error: "the 'by' parameter must be of string type" }).optional().describe(`What \`arg\` is matched against: ${SEARCH_FIELDS.join(", ")}.`),
    arg: z.string({ error: "the 'arg' parameter must be of string type" }).optional().describe("The search term."),
  })
  .describe("A search.");

const nullableString = z.string().nullable();
const timestamp = z.number().int().describe("Unix time in seconds.");

export const searchResult = z
  .object({
    ID: z.number().int(),
    Name: z.string(),
    PackageBaseID: z.number().int(),
    PackageBase: z.string(),
    Version: z.string(),
    Description: nullableString,
    URL: nullableString,
    NumVotes: z.number().int(),
    Popularity: z.number(),
    OutOfDate: timestamp.nullable(),
    Maintainer: nullableString,
    FirstSubmitted: timestamp,
    LastModified: timestamp,
    URLPath: z.string(),
  })
  .describe("A package as search results list it.");

const nameList = z.array(z.string());

export const infoResult = searchResult
  .extend({
    Depends: nameList.optional(),
    MakeDepends: nameList.optional(),
    CheckDepends: nameList.optional(),
    OptDepends: nameList.optional(),
    Conflicts: nameList.optional(),
    Provides: nameList.optional(),
    Replaces: nameList.optional(),
    Groups: nameList.optional(),
    License: nameList.optional(),
    Keywords: nameList,
    Submitter: nullableString.optional(),
    CoMaintainers: nameList.optional(),
    PendingRequests: z.number().int().optional(),
  })
  .describe("A package with its dependencies, relations, groups, licenses and keywords.");

const envelope = <T extends z.ZodType>(type: string, result: T) =>
  z.object({
    version: z.literal(5),
    type: z.literal(type),
    resultcount: z.number().int(),
    results: z.array(result),
  });

export const infoResponse = envelope("multiinfo", infoResult).describe("Answer to an info request.");
export const searchResponse = envelope("search", searchResult).describe("Answer to a search.");
export const suggestResponse = z.array(z.string()).max(20).describe("At most 20 names starting with the argument, sorted.");
export const opensearchResponse = z
  .tuple([z.string(), suggestResponse])
  .describe("OpenSearch suggestions (`application/x-suggestions+json`), for browser search boxes: the argument, then the names `suggest` (or `suggest-pkgbase`) answers.");
export const errorResponse = z
  .object({
    version: z.number().int().nullable(),
    type: z.literal("error"),
    resultcount: z.literal(0),
    results: z.array(z.never()),
    error: z.string(),
  })
  .describe("An error; the HTTP status is 200 for request errors (as legacy clients expect), 400 for a malformed body, 429 when rate-limited, 503 when the package database is unreachable.");
