/**
 * The legacy site's 404 page. Behind the nginx fallback the service answers every URL
 * PHP gave up on, and the body of PHP's own 404 page is lost on the way; this page keeps
 * what users see identical (the template is the legacy output, byte for byte).
 */
import { readFileSync } from "node:fs";
import { repositoryPath } from "../project-files.js";

const TEMPLATE = readFileSync(repositoryPath("src", "pages", "not-found.html"), "utf8");

/** htmlspecialchars($s, ENT_QUOTES) as PHP 5.x/7.x applied it to REQUEST_URI. */
function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#039;" })[c]!);
}

export function notFoundPage(requestUri: string, year: number): string {
  return TEMPLATE.replace("{{action}}", htmlEscape(requestUri)).replace("{{year}}", String(year));
}

/** What php-fpm answers for a `.php` script that does not exist. */
export const PHP_FILE_NOT_FOUND = "File not found.\n";
