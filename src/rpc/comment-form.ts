/**
 * type=get-comment-form: the legacy site's AJAX helper for editing a comment. Editing
 * needs a logged-in session, which this service never has, so it answers exactly what
 * the legacy code answered to a visitor without one.
 */
import { encode } from "../php/json.js";
import type { PhpArray } from "../php/query-string.js";

export function commentForm(values: PhpArray): string {
  if (values.get("base_id") === undefined || values.get("pkgbase_name") === undefined) {
    return encode({ success: 0, error: "Package base ID or package base name missing." });
  }
  return encode({ success: 0, error: "You are not allowed to edit this comment." });
}
