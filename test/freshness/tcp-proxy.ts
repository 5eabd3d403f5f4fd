import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP forwarder to MariaDB that a test can cut and restore: the shared server cannot
 * be stopped, so an outage is played on the way to it. Cut, the proxy drops every
 * connection open through it and holds new ones without a byte of answer, as a server
 * gone behind a firewall looks (the harder case for a client: nothing fails fast).
 * Restored, it forwards again. The bench uses it too, to watch what goes through.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
    private readonly onForward?: (client: net.Socket, upstream: net.Socket) => void,
  ) {
    server.on("connection", (client) => this.accept(client));
  }

  /**
   * A proxy to the MariaDB server of `serverUrl` (mysql://...). `onForward` sees each pair
   * of sockets it connects, to listen to their data.
   */
  static async start(serverUrl: string, onForward?: (client: net.Socket, upstream: net.Socket) => void): Promise<TcpProxy> {
    const server = new URL(serverUrl);
    const target = { host: server.hostname, port: Number(server.port || 3306) };
    const proxy = new TcpProxy(net.createServer(), target, onForward);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** A mysql:// URL of the target server, through the proxy instead. */
  reroute(url: string): string {
    const rerouted = new URL(url);
    rerouted.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return rerouted.toString();
  }

  cut(): void {
    this.cutOff = true;
    this.dropAll();
  }

  /** Connections held while cut are dropped too, so their clients retry instead of waiting out a timeout. */
  restore(): void {
    this.cutOff = false;
    this.dropAll();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    if (this.cutOff) return;
    const upstream = net.connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream).pipe(client);
    this.onForward?.(client, upstream);
    // Either side closing or failing ends the pair, as a dropped link would.
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", drop);
    upstream.on("close", drop);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    // A reset is what a cut is for; "close" follows and does the rest.
    socket.on("error", () => {});
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
