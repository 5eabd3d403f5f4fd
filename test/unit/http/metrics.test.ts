/**
 * The request counter and latency histogram are tallied by hand (http/metrics.ts); what
 * /metrics prints for them must stay what prom-client's own Counter and Histogram print
 * for the same observations, alone and summed over cluster workers.
 */
import { AggregatorRegistry, Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/http/metrics.js";

const OBSERVATIONS: [type: string, status: number, seconds: number][] = [
  ["info", 200, 0.0004],
  ["info", 200, 0.003],
  ["info", 200, 0.01],
  ["search", 200, 0.2],
  ["other", 404, 12],
  ["suggest", 429, 0.001],
];

/** prom-client's own metrics with the same names, buckets and observations. */
function reference(observations: typeof OBSERVATIONS): Registry {
  const registry = new Registry();
  const labelNames = ["type", "status"] as const;
  const requests = new Counter({ name: "aurweb_rpc_requests_total", help: "HTTP requests answered, by RPC type and status.", labelNames, registers: [registry] });
  const duration = new Histogram({
    name: "aurweb_rpc_request_duration_seconds",
    help: "Time from receiving a request to having its response, by RPC type and status.",
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const [type, status, seconds] of observations) {
    requests.inc({ type, status: String(status) });
    duration.observe({ type, status: String(status) }, seconds);
  }
  return registry;
}

function recorded(observations: typeof OBSERVATIONS): Registry {
  const metrics = createMetrics({ pools: [] });
  for (const [type, status, seconds] of observations) metrics.recordRequest(type, status, seconds);
  return metrics.registry;
}

async function requestLines(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return text.split("\n").filter((line) => line.includes("aurweb_rpc_request"));
}

describe("request metrics", () => {
  it("print exactly what prom-client's Counter and Histogram print", async () => {
    const expected = await requestLines(reference(OBSERVATIONS));
    expect(expected.length).toBeGreaterThan(40);
    expect(await requestLines(recorded(OBSERVATIONS))).toEqual(expected);
  });

  it("sum over cluster workers like prom-client's metrics do", async () => {
    const [first, second] = [OBSERVATIONS.slice(0, 3), OBSERVATIONS.slice(2)];
    const sum = async (a: Registry, b: Registry) =>
      requestLines(AggregatorRegistry.aggregate([await a.getMetricsAsJSON(), await b.getMetricsAsJSON()]));
    const expected = await sum(reference(first), reference(second));
    expect(expected.some((line) => line.startsWith('aurweb_rpc_requests_total{type="info",status="200"} 4'))).toBe(true);
    expect(await sum(recorded(first), recorded(second))).toEqual(expected);
  });

  it("start again from zero when the registry is reset", async () => {
    const registry = recorded(OBSERVATIONS);
    registry.resetMetrics();
    expect((await requestLines(registry)).filter((line) => !line.startsWith("#"))).toEqual([]);
  });
});
