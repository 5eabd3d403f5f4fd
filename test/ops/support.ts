import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/net/free-port.js";
import { exitOf } from "../../support/service-process.js";

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * Real nginx, round-robin over `upstreams` (ports on 127.0.0.1), adding the client to
 * X-Forwarded-For as a production proxy would.
 */
export async function startNginx(upstreams: number[]): Promise<Nginx> {
  const directory = await mkdtemp(join(tmpdir(), "aurweb-nginx-"));
  const port = await freePort();
  const config = `
pid ${directory}/nginx.pid;
error_log ${directory}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${directory}/body;
  proxy_temp_path ${directory}/proxy;
  upstream rpc {
    ${upstreams.map((p) => `server 127.0.0.1:${p};`).join("\n    ")}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://rpc;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # Run as root, nginx's workers are "nobody" and cannot write in our temporary
      # directory; a response that outgrows the buffers waits for the client instead.
      proxy_max_temp_file_size 0;
    }
  }
}
`;
  await writeFile(join(directory, "nginx.conf"), config);
  const nginx = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  const child = spawn(nginx, ["-p", directory, "-e", `${directory}/error.log`, "-c", `${directory}/nginx.conf`, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = exitOf(child);
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (up) break;
    if (attempt > 100) throw new Error(`nginx did not listen: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGQUIT");
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
