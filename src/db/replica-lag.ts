/**
 * How far a replica is behind its primary, in time, without any privilege and without
 * writing anything.
 *
 * SHOW REPLICA STATUS needs REPLICA MONITOR (or SUPER), and its Seconds_Behind_Master
 * says 0 while the replica's I/O thread is stopped; a heartbeat table needs a writer and
 * a table the legacy schema does not have. Every user can read the GTID positions, so
 * the primary's @@gtid_binlog_pos is noted at each poll with the time it was seen, and a
 * replica whose @@gtid_current_pos includes a noted position holds everything the
 * primary had committed when that position was seen. Its data is then at most as old as
 * the latest such sighting: the lag is an upper bound, to within one poll interval.
 */

/** A GTID position: per replication domain, the highest sequence number. */
export type GtidPosition = ReadonlyMap<number, bigint>;

/** Parses "0-1-123,1-2-45" (domain-server-sequence, comma-separated); "" is the empty position. */
export function parseGtidPosition(text: string | null | undefined): GtidPosition {
  const position = new Map<number, bigint>();
  for (const part of (text ?? "").split(",")) {
    const match = /^\s*(\d+)-\d+-(\d+)\s*$/.exec(part);
    if (!match) continue;
    const domain = Number(match[1]);
    const sequence = BigInt(match[2]!);
    if ((position.get(domain) ?? -1n) < sequence) position.set(domain, sequence);
  }
  return position;
}

/** Whether a server at `position` has applied everything up to `other`, in every domain. */
export function includes(position: GtidPosition, other: GtidPosition): boolean {
  for (const [domain, sequence] of other) if ((position.get(domain) ?? -1n) < sequence) return false;
  return true;
}

function samePosition(a: GtidPosition, b: GtidPosition): boolean {
  return a.size === b.size && includes(a, b);
}

interface Sighting {
  position: GtidPosition;
  /** performance.now() when the primary was last seen at this position. */
  lastSeenAt: number;
}

/** Sightings older than this are forgotten: a replica further behind has an unknown lag. */
const HISTORY_MS = 15 * 60_000;
/** At one sighting per poll that is every poll of HISTORY_MS at the shortest interval; a bound all the same. */
const MAX_SIGHTINGS = 20_000;

/** The primary's recent positions, oldest first, each with when it was last seen. */
export class PrimaryPositions {
  private readonly sightings: Sighting[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Notes the primary's position, read just now. */
  saw(position: GtidPosition): void {
    const at = this.now();
    const last = this.sightings.at(-1);
    if (last && samePosition(last.position, position)) last.lastSeenAt = at;
    else this.sightings.push({ position, lastSeenAt: at });
    let drop = 0;
    while (drop < this.sightings.length - 1 && (this.sightings.length - drop > MAX_SIGHTINGS || at - this.sightings[drop]!.lastSeenAt > HISTORY_MS)) drop++;
    if (drop > 0) this.sightings.splice(0, drop);
  }

  /** Whether the primary was ever seen (since start, or since the history was cut). */
  get known(): boolean {
    return this.sightings.length > 0;
  }

  /**
   * The latest moment (performance.now()) as of which a server at `replica` holds all the
   * primary had; undefined when it holds none of the noted positions.
   */
  includedAsOf(replica: GtidPosition): number | undefined {
    for (let i = this.sightings.length - 1; i >= 0; i--) {
      const sighting = this.sightings[i]!;
      if (includes(replica, sighting.position)) return sighting.lastSeenAt;
    }
    return undefined;
  }
}
