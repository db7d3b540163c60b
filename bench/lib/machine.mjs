// The machine a bench ran on: the header fields scripts/bench.mjs and scripts/bench-gpu.mjs share.
import { cpus, platform, release, totalmem } from 'node:os';

export function machineHeader() {
  const c = cpus();
  return { date: new Date().toISOString(), cpu: c[0]?.model?.trim() ?? 'unknown CPU', cores: c.length, os: `${platform()} ${release()}`,
    memory_gb: Math.round(totalmem() / 2 ** 30), node: process.versions.node };
}
