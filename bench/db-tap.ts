/**
 * What the service asks of MariaDB, counted on its own connections: the service reaches
 * MariaDB through this relay, which counts the statements it sends and the bytes that
 * come back. MariaDB's own counters (SHOW GLOBAL STATUS) cover every client of the
 * server, and a shared server has clients other than the service.
 */
import type net from "node:net";
import { FaultProxy } from "../support/fault-proxy.js";

export interface TapCounters {
  /** Statements the service sent: COM_QUERY and COM_STMT_EXECUTE, what Questions counts. */
  statements: number;
  /** Bytes MariaDB sent to the service. */
  bytesReceived: number;
}

/** MySQL protocol command bytes that carry a statement. */
const COM_QUERY = 0x03;
const COM_STMT_EXECUTE = 0x17;

export class DatabaseTap {
  private constructor(
    private readonly proxy: FaultProxy,
    private readonly counters: TapCounters,
  ) {}

  static async start(serverUrl: string): Promise<DatabaseTap> {
    const counters: TapCounters = { statements: 0, bytesReceived: 0 };
    const proxy = await FaultProxy.start(serverUrl, { onForward: (client, upstream) => count(client, upstream, counters) });
    return new DatabaseTap(proxy, counters);
  }

  /** `url` (mysql://...) through the tap. */
  reroute(url: string): string {
    return this.proxy.reroute(url);
  }

  read(): TapCounters {
    return { ...this.counters };
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}

function count(client: net.Socket, upstream: net.Socket, counters: TapCounters): void {
  upstream.on("data", (chunk: Buffer) => (counters.bytesReceived += chunk.length));
  // A protocol packet is a 3-byte little-endian length, a sequence number and the
  // payload; each command a client sends starts a sequence at 0, command byte first.
  // The client's side is small (statements only), so it is framed from a buffer of
  // what has come so far.
  let pending = Buffer.alloc(0);
  client.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUIntLE(0, 3);
      if (pending.length < 4 + length) break;
      const command = pending[3] === 0 && length > 0 ? pending[4] : undefined;
      if (command === COM_QUERY || command === COM_STMT_EXECUTE) counters.statements++;
      pending = pending.subarray(4 + length);
    }
  });
}
