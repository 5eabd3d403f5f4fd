/**
 * The legacy request parameters, read the way PHP 5.0.0's rpc.php read $_GET, then
 * checked in the legacy order: version, presence of type and arg, type, `by`.
 * Values stay PHP byte strings (see php/query-string.ts) until they are matched
 * against package data (see `text`).
 */
import { intval } from "../php/numeric.js";
import { PhpArray, urlDecode, type PhpValue } from "../php/query-string.js";

/**
 * Suggestions for browser search boxes (OpenSearch): `[arg, [names]]`. The Go service that
 * answers aur.archlinux.org's /rpc today added them; PHP and aurweb refused them.
 */
export const OPENSEARCH_TYPES = ["opensearch-suggest", "opensearch-suggest-pkgbase"] as const;
/** The types the legacy profile answers: PHP's, and the OpenSearch suggestions. */
export const LEGACY_TYPES = ["search", "info", "multiinfo", "msearch", "suggest", "suggest-pkgbase", "get-comment-form", ...OPENSEARCH_TYPES] as const;
export type LegacyType = (typeof LEGACY_TYPES)[number];

const LEGACY_SEARCH_FIELDS = ["name", "name-desc", "maintainer", "depends", "makedepends", "checkdepends", "optdepends"] as const;
export const DEPENDENCY_FIELDS = ["depends", "makedepends", "checkdepends", "optdepends"] as const;
/** What current aurweb added; the legacy RPC refused them with "Incorrect by field specified.". */
export const RELATION_FIELDS = ["provides", "conflicts", "replaces"] as const;
const EXTENDED_SEARCH_FIELDS = [...RELATION_FIELDS, "groups", "submitter", "keywords", "comaintainers"] as const;
export const SEARCH_FIELDS: readonly string[] = [...LEGACY_SEARCH_FIELDS, ...EXTENDED_SEARCH_FIELDS];

export interface RpcParams {
  /** PHP's intval of `v` (1 when absent); bigint because intval saturates at 2^63-1. */
  version: bigint;
  values: PhpArray;
  /**
   * A POSTed form's `arg` and `arg[]` values together, as today's aurweb reads a form (PHP's
   * rules keep whichever of the two came last); undefined without such a form.
   */
  formArgs?: string[];
}

export type ValidatedRequest =
  | { ok: true; version: number; type: LegacyType; by: string | undefined; arg: PhpValue; values: PhpArray }
  | { ok: false; version: bigint; error: string };

export function paramsFrom(values: PhpArray, formArgs?: string[]): RpcParams {
  const v = values.get("v");
  return { version: v === undefined ? 1n : intval(v), values, formArgs };
}

/**
 * The arguments of a URL-encoded form as today's aurweb reads them: the last `arg` and
 * every `arg[]`, as text; undefined when the form has none.
 */
export function formArguments(form: string): string[] | undefined {
  let arg: string | undefined;
  const list: string[] = [];
  for (const pair of form.split("&")) {
    const at = pair.indexOf("=");
    const key = urlDecode(at < 0 ? pair : pair.slice(0, at));
    if (key !== "arg" && key !== "arg[]") continue;
    const value = text(at < 0 ? "" : urlDecode(pair.slice(at + 1)));
    // An empty `arg` is dropped, an empty `arg[]` kept, as aurweb's handler reads them.
    if (key === "arg") arg = value === "" ? undefined : value;
    else list.push(value);
  }
  if (arg === undefined && list.length === 0) return undefined;
  return arg === undefined ? list : [arg, ...list];
}

export function validate(params: RpcParams): ValidatedRequest {
  const { version, values } = params;
  if (version < 1n || version > 5n) return { ok: false, version, error: "Invalid version specified." };
  const type = values.get("type");
  const arg = values.get("arg");
  if (type === undefined || arg === undefined) return { ok: false, version, error: "No request type/data specified." };
  if (typeof type !== "string" || !(LEGACY_TYPES as readonly string[]).includes(type)) {
    return { ok: false, version, error: "Incorrect request type specified." };
  }
  const by = values.get("by") ?? values.get("search_by");
  if (by !== undefined && (typeof by !== "string" || !SEARCH_FIELDS.includes(by))) {
    return { ok: false, version, error: "Incorrect by field specified." };
  }
  return { ok: true, version: Number(version), type: type as LegacyType, by, arg, values };
}

const ASCII = /^[\x00-\x7f]*$/;

/** A PHP byte string as the text the database would compare it with. */
export function text(bytes: string): string {
  // ASCII bytes are already that text; most arguments are package names.
  return ASCII.test(bytes) ? bytes : Buffer.from(bytes, "latin1").toString("utf8");
}

/**
 * The text a legacy query compared, or undefined where MariaDB refused the bytes: PHP's
 * connection was utf8mb3 (`SET NAMES 'utf8'`), which takes well-formed sequences of one to
 * three bytes, surrogates included. A 4-byte character or a malformed sequence in a literal
 * compared with a utf8mb4 column failed the query ("Illegal mix of collations") and PHP died
 * with an empty 500.
 */
export function legacyQueryText(bytes: string): string | undefined {
  if (ASCII.test(bytes)) return bytes;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes.charCodeAt(i);
    const size = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : 0;
    if (size === 0 || i + size > bytes.length) return undefined;
    for (let k = 1; k < size; k++) if ((bytes.charCodeAt(i + k) & 0xc0) !== 0x80) return undefined;
    // E0 needs A0-BF after it; anything lower is an overlong form.
    if (lead === 0xe0 && bytes.charCodeAt(i + 1) < 0xa0) return undefined;
    i += size;
  }
  // Decoded as UTF-8, a surrogate would turn into U+FFFD, which matches every character
  // outside the BMP (they weigh the same). In MariaDB it matches nothing: no text of the
  // data holds one.
  return bytes
    .split(SURROGATE)
    .map((part) => Buffer.from(part, "latin1").toString("utf8"))
    .join(UNMATCHED);
}

/** A surrogate code point in utf8mb3 (ED A0-BF xx), as one byte per char. */
const SURROGATE = /\xed[\xa0-\xbf][\x80-\xbf]/;
/**
 * What each surrogate becomes: a lone low surrogate, which fold() never pairs with the
 * char before it and no folded text of the data holds, so it too matches nothing.
 */
const UNMATCHED = "\udfff";

/** strlen(): PHP counts bytes. */
export function byteLength(bytes: string): number {
  return bytes.length;
}

