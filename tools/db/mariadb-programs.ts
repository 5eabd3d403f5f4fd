/**
 * What both kinds of private MariaDB server (the development database and the
 * throwaway servers of tests and benches) need: finding the server's programs, running
 * one with its output kept for the error, and asking whether root is let in on a port.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import mysql from "mysql2/promise";

/** `mariadbd` lives in /usr/sbin, which is not on every user's PATH. */
export function findMariadbProgram(name: string): string | undefined {
  const directories = [...(process.env.PATH ?? "").split(":").filter(Boolean), "/usr/sbin", "/usr/local/sbin", "/usr/local/bin"];
  return directories.map((d) => `${d}/${name}`).find((candidate) => existsSync(candidate));
}

/** Runs a command to its end; the error carries what it printed. */
export function runQuietly(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (status ${code}):\n${output.trim()}`))));
  });
}

/** Whether root, without a password, is let in over TCP on 127.0.0.1:`port`. */
export async function answersAsRoot(port: number): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}
