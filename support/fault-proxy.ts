/**
 * A TCP forwarder in front of a real server (MariaDB, Redis) that plays network faults:
 * a shared server cannot be broken, so the faults happen on the way to it. Each fault
 * applies to the connections already open and to new ones, from the moment it is set
 * until heal():
 *
 * - refuse: nothing listens on the port any more (connections are refused), and the
 *   open ones are reset.
 * - cut: the server is gone behind a firewall: the open connections are dropped and new
 *   ones are held without a byte of answer (nothing fails fast). heal() drops the held
 *   ones too, so their clients retry instead of waiting out a timeout.
 * - partition: the bytes of both directions are held, silently; nothing fails.
 * - delay: each chunk of either direction is passed on `ms` after the one before it.
 * - corrupt: bytes from the server are mangled (every 16th byte inverted).
 * - reset: a connection is reset (RST) once `afterServerBytes` bytes came from the server
 *   since the fault was set: a long result is cut in the middle.
 * - half-open: one direction stops, its bytes are lost; the other still flows.
 *
 * heal() passes on what a partition held and forwards normally again. Without a fault it
 * is a plain relay, which the bench taps to count what goes through (`onForward`).
 */
import net from "node:net";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "refuse" }
  | { kind: "cut" }
  | { kind: "partition" }
  | { kind: "delay"; ms: number }
  | { kind: "corrupt" }
  | { kind: "reset"; afterServerBytes: number }
  | { kind: "half-open"; stop: "to-server" | "to-client" };

type Direction = "to-server" | "to-client";

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: Record<Direction, Buffer[]>;
  /** Chunks still waiting behind a delay, per direction: later ones queue behind them. */
  queue: Record<Direction, Promise<void>>;
  pending: Record<Direction, number>;
  /** Bytes from the server since the fault was set (or the connection opened under it). */
  serverBytes: number;
  /** Bytes from the server since mark(). */
  markedBytes: number;
}

export interface FaultProxyOptions {
  /** The port to listen on, 127.0.0.1; by default a free one. */
  port?: number;
  /** Sees each pair of sockets the proxy connects, to listen to their data. */
  onForward?: (client: net.Socket, upstream: net.Socket) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  /** Connections accepted while cut, never forwarded. */
  private readonly held = new Set<net.Socket>();
  private fault: Fault | undefined;
  private server: net.Server;
  /** Connections reset by the `reset` fault. */
  resets = 0;

  /** The port it listens on, 127.0.0.1. */
  port = 0;

  private constructor(
    private target: { host: string; port: number },
    private readonly onForward: FaultProxyOptions["onForward"],
  ) {
    this.server = this.createServer();
  }

  /**
   * A proxy to `target`: the MariaDB server of a mysql://host:port... URL, or any host
   * and port.
   */
  static async start(target: string | { host: string; port: number }, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    let to = target;
    if (typeof to === "string") {
      const server = new URL(to);
      to = { host: server.hostname, port: Number(server.port || 3306) };
    }
    const proxy = new FaultProxy(to, options.onForward);
    proxy.port = await proxy.listen(options.port ?? 0);
    return proxy;
  }

  /** `url` (mysql://...) with its host and port replaced by the proxy's. */
  reroute(url: string): string {
    const rerouted = new URL(url);
    rerouted.host = `127.0.0.1:${this.port}`;
    return rerouted.toString();
  }

  /** Forward to another port from now on (a restarted server); open connections are dropped. */
  retarget(port: number): void {
    this.target = { ...this.target, port };
    this.dropAll();
  }

  async setFault(fault: Fault): Promise<void> {
    this.fault = fault;
    for (const pair of this.pairs) pair.serverBytes = 0;
    if (fault.kind === "cut") this.dropAll();
    if (fault.kind === "refuse") {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.dropAll(true);
      });
    }
  }

  async heal(): Promise<void> {
    const was = this.fault;
    this.fault = undefined;
    if (was?.kind === "refuse") {
      this.server = this.createServer();
      await this.listen(this.port);
    }
    if (was?.kind === "cut") this.dropHeld();
    for (const pair of this.pairs) {
      for (const direction of ["to-server", "to-client"] as const) {
        const held = pair.held[direction];
        pair.held[direction] = [];
        for (const chunk of held) this.pass(pair, direction, chunk);
      }
    }
  }

  /** Starts counting the bytes each connection gets from the server. */
  mark(): void {
    for (const pair of this.pairs) pair.markedBytes = 0;
  }

  /** Resolves once one connection got `bytes` from the server since mark(): a long result is under way. */
  async waitForServerBytes(bytes: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (![...this.pairs].some((pair) => pair.markedBytes >= bytes)) {
      if (performance.now() > deadline) throw new Error(`no connection got ${bytes} bytes from the server within ${timeoutMs} ms`);
      await sleep(2);
    }
  }

  async close(): Promise<void> {
    this.dropAll();
    this.dropHeld();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private createServer(): net.Server {
    return net.createServer((client) => this.accept(client));
  }

  private listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  private accept(client: net.Socket): void {
    if (this.fault?.kind === "cut") {
      this.held.add(client);
      client.on("error", () => {});
      client.on("close", () => this.held.delete(client));
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: Pair = {
      client,
      upstream,
      held: { "to-server": [], "to-client": [] },
      queue: { "to-server": Promise.resolve(), "to-client": Promise.resolve() },
      pending: { "to-server": 0, "to-client": 0 },
      serverBytes: 0,
      markedBytes: 0,
    };
    this.pairs.add(pair);
    // Either side closing or failing ends the pair, as a dropped link would.
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on("error", () => {});
      socket.on("close", drop);
    }
    client.on("data", (chunk: Buffer) => this.handle(pair, "to-server", chunk));
    upstream.on("data", (chunk: Buffer) => {
      pair.serverBytes += chunk.length;
      pair.markedBytes += chunk.length;
      this.handle(pair, "to-client", chunk);
    });
    this.onForward?.(client, upstream);
  }

  private handle(pair: Pair, direction: Direction, chunk: Buffer): void {
    const fault = this.fault;
    switch (fault?.kind) {
      case "partition":
        pair.held[direction].push(chunk);
        return;
      case "half-open":
        if (fault.stop === direction) return;
        break;
      case "delay":
        this.later(pair, direction, chunk, fault.ms);
        return;
      case "corrupt":
        if (direction === "to-client") {
          const mangled = Buffer.from(chunk);
          for (let i = 0; i < mangled.length; i += 16) mangled[i] = mangled[i]! ^ 0xff;
          this.pass(pair, direction, mangled);
          return;
        }
        break;
      case "reset":
        if (direction === "to-client" && pair.serverBytes >= fault.afterServerBytes) {
          const allowed = chunk.length - (pair.serverBytes - fault.afterServerBytes);
          if (allowed > 0) this.pass(pair, direction, chunk.subarray(0, allowed));
          this.resets++;
          pair.client.resetAndDestroy();
          pair.upstream.destroy();
          return;
        }
        break;
    }
    this.pass(pair, direction, chunk);
  }

  private later(pair: Pair, direction: Direction, chunk: Buffer, ms: number): void {
    pair.pending[direction]++;
    pair.queue[direction] = pair.queue[direction].then(async () => {
      await sleep(ms);
      pair.pending[direction]--;
      this.write(pair, direction, chunk);
    });
  }

  /** Passes `chunk` on, behind whatever a delay still holds in that direction. */
  private pass(pair: Pair, direction: Direction, chunk: Buffer): void {
    if (pair.pending[direction] > 0) this.later(pair, direction, chunk, 0);
    else this.write(pair, direction, chunk);
  }

  private write(pair: Pair, direction: Direction, chunk: Buffer): void {
    const [from, to] = direction === "to-server" ? [pair.client, pair.upstream] : [pair.upstream, pair.client];
    if (to.destroyed) return;
    // A reader that falls behind slows the sender down, as it would without the proxy.
    if (!to.write(chunk) && !from.isPaused()) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  }

  private dropAll(reset = false): void {
    for (const pair of this.pairs) {
      if (reset && !pair.client.destroyed) pair.client.resetAndDestroy();
      else pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  private dropHeld(): void {
    for (const socket of this.held) socket.destroy();
    this.held.clear();
  }
}
