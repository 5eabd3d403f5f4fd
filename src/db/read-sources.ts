/**
 * Where the read model reads: a replica, another replica when that one is down or lags
 * too far, and the primary last if allowed. Each poll asks again from the top, so the
 * read model returns to a replica that heals without a restart.
 *
 * A replica's lag is measured by GTID positions (replica-lag.ts): one query on the primary
 * and one on each replica asked, per poll, both answered from memory by the server.
 */
import { DeadlinePool, type QueryDeadlines } from "./deadlines.js";
import { parseGtidPosition, PrimaryPositions } from "./replica-lag.js";
import type { NamedPool } from "./client.js";

export interface ReadSourceChoice {
  /** "primary", or the replica's pool name. */
  name: string;
  pool: DeadlinePool;
  /**
   * performance.now() of the primary state this source is known to hold all of: now for
   * the primary itself; undefined when a replica's lag is unknown.
   */
  holdsPrimaryAsOf: number | undefined;
}

/** Where a poll reads, asked at its start; the read model's only view of replication. */
export interface ReadSourcePicker {
  choose(): Promise<ReadSourceChoice>;
}

/** The one database every poll reads: no replicas, nothing to measure. */
export class SingleSource implements ReadSourcePicker {
  constructor(
    private readonly pool: DeadlinePool,
    private readonly name = "primary",
  ) {}

  choose(): Promise<ReadSourceChoice> {
    return Promise.resolve({ name: this.name, pool: this.pool, holdsPrimaryAsOf: performance.now() });
  }
}

export interface ReplicaState {
  name: string;
  /** Whether it answered. */
  reachable: boolean;
  /** How far behind the primary its last probe found it (upper bound); undefined when unknown. */
  lagMs: number | undefined;
}

export interface ReplicaSourcesOptions {
  deadlines: QueryDeadlines;
  /** A replica further behind than this is passed over for the next source (REPLICA_MAX_LAG_MS). */
  maxLagMs: number;
  /** Whether the primary is the last source (REPLICA_FALLBACK_TO_PRIMARY). */
  fallbackToPrimary: boolean;
  /** The source changed (not called for the first choice). */
  onSwitch?: (from: string, to: string, reason: string) => void;
}

/**
 * Replicas in order of preference, then the primary if allowed. The source in use stays
 * while its lag is within maxLagMs; one ahead of it in the order is taken back only once
 * within half of that, so a replica hovering at the bound does not make every poll
 * switch (each switch reloads every table from the new server).
 */
export class ReplicaSources implements ReadSourcePicker {
  private readonly primary: DeadlinePool;
  private readonly replicas: { name: string; pool: DeadlinePool }[];
  private readonly positions = new PrimaryPositions();
  /** The replicas the last complete choice asked, in order. */
  private asked: ReplicaState[] = [];
  private current: string | undefined;

  constructor(primary: NamedPool, replicas: readonly NamedPool[], private readonly options: ReplicaSourcesOptions) {
    this.primary = new DeadlinePool(primary.pool, options.deadlines);
    this.replicas = replicas.map((r) => ({ name: r.name, pool: new DeadlinePool(r.pool, options.deadlines) }));
  }

  /** What the last poll found of each replica it asked (those before the one it chose), for /metrics. */
  replicaStates(): ReplicaState[] {
    return this.asked.map((s) => ({ ...s }));
  }

  async choose(): Promise<ReadSourceChoice> {
    const asked: ReplicaState[] = [];
    try {
      return await this.chooseAsking(asked);
    } finally {
      this.asked = asked;
    }
  }

  private async chooseAsking(asked: ReplicaState[]): Promise<ReadSourceChoice> {
    await this.notePrimaryPosition();
    const currentIndex = this.replicas.findIndex((r) => r.name === this.current);
    let best: { choice: ReadSourceChoice; lagMs: number } | undefined;
    let reason = "";
    for (const [index, replica] of this.replicas.entries()) {
      const probed = await this.probe(replica, asked);
      if (!probed) {
        reason ||= `${replica.name} does not answer`;
        continue;
      }
      const lagMs = probed.holdsPrimaryAsOf === undefined ? Number.POSITIVE_INFINITY : performance.now() - probed.holdsPrimaryAsOf;
      const ahead = currentIndex < 0 || index < currentIndex;
      const bound = ahead && this.current !== undefined ? this.options.maxLagMs / 2 : this.options.maxLagMs;
      if (lagMs <= bound) return this.use(probed, reason);
      reason ||= `${replica.name} lags ${Number.isFinite(lagMs) ? `${Math.round(lagMs)} ms` : "by an unknown time"}`;
      if (!best || lagMs < best.lagMs) best = { choice: probed, lagMs };
    }
    if (this.options.fallbackToPrimary) return this.use({ name: "primary", pool: this.primary, holdsPrimaryAsOf: performance.now() }, reason);
    // No source within the bound: the least behind that answers, else the first (whose
    // failure the read model then reports and retries with backoff).
    const fallback = best?.choice ?? { name: this.replicas[0]!.name, pool: this.replicas[0]!.pool, holdsPrimaryAsOf: undefined };
    return this.use(fallback, reason);
  }

  private use(choice: ReadSourceChoice, reason: string): ReadSourceChoice {
    if (choice.name !== this.current) {
      if (this.current !== undefined) this.options.onSwitch?.(this.current, choice.name, reason || "a source ahead of it is within the lag bound again");
      this.current = choice.name;
    }
    return choice;
  }

  /** The primary's position now; when it does not answer, the lag counts from its last sighting. */
  private async notePrimaryPosition(): Promise<void> {
    try {
      const rows = await this.primary.query<{ position: string | null }>("SELECT @@gtid_binlog_pos AS position");
      this.positions.saw(parseGtidPosition(rows[0]?.position));
    } catch {
      // The replicas' lag is then measured against the primary as last seen.
    }
  }

  private async probe(replica: { name: string; pool: DeadlinePool }, asked: ReplicaState[]): Promise<ReadSourceChoice | undefined> {
    try {
      const rows = await replica.pool.query<{ position: string | null }>("SELECT @@gtid_current_pos AS position");
      const asOf = this.positions.includedAsOf(parseGtidPosition(rows[0]?.position));
      asked.push({ name: replica.name, reachable: true, lagMs: asOf === undefined ? undefined : Math.max(0, performance.now() - asOf) });
      return { name: replica.name, pool: replica.pool, holdsPrimaryAsOf: asOf };
    } catch {
      asked.push({ name: replica.name, reachable: false, lagMs: undefined });
      return undefined;
    }
  }
}
