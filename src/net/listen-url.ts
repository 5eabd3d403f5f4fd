/** The URL of a listening socket, for the "listening" log line and the hint after start. */
export function listenUrl(host: string, port: number): string {
  // An IPv6 address goes in brackets, or its colons would read as the port's.
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
