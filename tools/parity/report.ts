import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ParityError } from "./errors.js";
import { FINDING_CLASSES } from "./run.js";
import type { ParityResult } from "./run.js";

const EXAMPLES_PER_CLASS = 3;
const PATH_WIDTH = 90;

/** The human summary: totals, then one row per class with its first examples. */
export function formatSummary(result: ParityResult): string {
  const expectedLabel = result.expectedSide;
  const against =
    result.legacy === null
      ? `candidate ${result.candidate} against the recorded answers`
      : `legacy ${result.legacy} and candidate ${result.candidate}`;
  const lines = [
    `Replayed ${result.requests} requests from ${result.requestsFile} (${result.format}) to ${against}, ` +
      `${result.mode} mode, in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  const { method, prefix, unparsed } = result.skipped;
  if (method + prefix + unparsed > 0) {
    lines.push(`Skipped log lines: ${method} not GET/HEAD, ${prefix} outside the prefix, ${unparsed} unparsable.`);
  }
  lines.push(`${result.identical} identical, ${result.differingRequests} with differences (${result.compared} compared).`);
  if (result.deviationsApplied > 0 || result.unusedDeviations.length > 0) {
    const unused = result.unusedDeviations.length > 0 ? `; matching no request: ${result.unusedDeviations.join(", ")}` : "";
    lines.push(`Deviations applied: ${result.deviationsApplied}${unused}.`);
  }
  if (result.php8Fatal.length > 0) {
    const jsonErrors = result.php8Fatal.filter((outcome) => outcome.jsonError).length;
    const others = result.php8Fatal
      .filter((outcome) => !outcome.jsonError)
      .map((outcome) => `${outcome.id} ${outcome.error ?? outcome.status}`);
    lines.push(
      `PHP 8 fatal records set aside: ${result.php8Fatal.length}, answered with a JSON error: ${jsonErrors}` +
        (others.length > 0 ? `; otherwise: ${others.join(", ")}` : "") +
        ".",
    );
  }

  const classWidth = Math.max(...FINDING_CLASSES.map((c) => c.length));
  const labelWidth = Math.max(expectedLabel.length, "candidate".length) + 1;
  const indent = " ".repeat(classWidth + 2 + 5 + 2);
  lines.push("", `${"class".padEnd(classWidth)}  count  first examples`);
  for (const findingClass of FINDING_CLASSES) {
    const head = `${findingClass.padEnd(classWidth)}  ${String(result.counts[findingClass]).padStart(5)}  `;
    const examples = result.findings.filter((f) => f.class === findingClass).slice(0, EXAMPLES_PER_CLASS);
    if (examples.length === 0) lines.push(`${head}-`);
    examples.forEach((example, i) => {
      lines.push(`${i === 0 ? head : indent}${example.method} ${cut(example.path, PATH_WIDTH)}  [${example.id}]  ${example.where}`);
      lines.push(`${indent}  ${`${expectedLabel}:`.padEnd(labelWidth)} ${example.expected}`);
      lines.push(`${indent}  ${"candidate:".padEnd(labelWidth)} ${example.actual}`);
    });
  }
  return lines.join("\n") + "\n";
}

/** The JSON report: the whole result, every finding included. */
export async function writeReport(file: string, result: ParityResult): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(result, null, 2) + "\n");
  } catch (err) {
    throw new ParityError(`cannot write report ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width)}…` : text;
}
