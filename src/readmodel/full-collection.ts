/**
 * Full garbage collections asked for around a rebuild, to keep a worker's peak RSS down.
 *
 * V8 starts a full collection when the old generation has grown by a factor of what was
 * alive after the last one. A rebuild runs while the previous snapshot still serves, so a
 * collection during it finds two snapshots alive and sets the next limit from both; the
 * replaced snapshot then lies there as garbage while the next upload builds another. So
 * the read model asks for one collection once the rows are read, before it builds (the
 * limit for the build is then set from one snapshot), and one once the new snapshot has
 * replaced the old; under a stream of uploads, both together gave the lowest and steadiest
 * peak RSS.
 *
 * Each is V8's own full collection, run as a task of the event loop (`execution: "async"`).
 * It stops the process while it runs, twice per new snapshot; the rebuild itself already
 * slows answers for its duration, so the pauses cost little beside it.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options: { type: "major"; execution: "async" }) => Promise<void>;

let collect: Collect | undefined;

/** Resolves once the collection has run. */
export function fullCollection(): Promise<void> {
  if (!collect) {
    // The flag exposes gc() to contexts created after it is set, not to the main one.
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as Collect;
  }
  return collect({ type: "major", execution: "async" });
}
