/**
 * Load made of many distinct requests, so that no answer cache could carry the figures.
 * autocannon's CLI sends a single URL, so this uses its API, in a child process of its
 * own like the CLI runs (see load.ts). Reads a MixInput as JSON on stdin and prints
 * autocannon's result as JSON on stdout, as the CLI's --json does.
 */
import { text } from "node:stream/consumers";
import autocannon from "autocannon";

export interface MixInput {
  url: string;
  paths: string[];
  connections: number;
  durationS: number;
}

const input = JSON.parse(await text(process.stdin)) as MixInput;
// One counter for all connections: every request takes the next path in turn, so the
// paths are requested equally often and a path comes back only after all the others.
let next = 0;
const result = await autocannon({
  url: input.url,
  connections: input.connections,
  duration: input.durationS,
  requests: [{ setupRequest: (request) => ({ ...request, path: input.paths[next++ % input.paths.length]! }) }],
});
process.stdout.write(JSON.stringify(result));
