/**
 * Whether the service can listen on PORT and HOST, asked before anything slow (starting
 * the development MariaDB, loading the package data), so that a port in use is one
 * line at once rather than a stack trace a minute later.
 */
import net from "node:net";

/** The service cannot listen where it was told to; the message says what to change. */
export class ListenError extends Error {}

/** The operator's reading of a listen error, or undefined for one nobody can act on. */
export function listenError(error: NodeJS.ErrnoException, port: number, host: string): ListenError | undefined {
  switch (error.code) {
    case "EADDRINUSE":
      return new ListenError(`port ${port} on ${host} is in use; set PORT to a free port`);
    case "EACCES":
      return new ListenError(`port ${port} on ${host} needs privileges this user does not have; set PORT to 1024 or above`);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new ListenError(`HOST ${host} is not an address of this machine; set HOST to one (127.0.0.1, 0.0.0.0 or ::)`);
    default:
      return undefined;
  }
}

/**
 * Listens on `port` and `host` and closes again at once; throws a ListenError when that
 * fails. Something may still take the port before the service listens, which the
 * service's own listen reports the same way.
 */
export function checkCanListen(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, port, host) ?? error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
