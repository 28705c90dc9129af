import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Rebuild } from './checkpoint-store';
import { dropGeneration } from './generations';
import { ProjectionTarget, Ledger } from './projection-target';
import { Projection } from './projection';

/** A rebuild whose owner has not renewed its lease for this long may be taken over (another host, a hung process). */
export const LEASE_MS = 30_000;

/** `host:pid:role-random`: unique per runner, and tells whether the owner still runs (same host). */
export const newOwner = (role: 'service' | 'cli') => `${hostname()}:${process.pid}:${role}-${randomBytes(3).toString('hex')}`;

export function leaseIsFree(rebuild: Rebuild, now = Date.now()): boolean {
  if (rebuild.owner === null) return true;
  const [host, pid] = rebuild.owner.split(':');
  if (host === hostname() && !processRuns(Number(pid))) return true;
  return now - rebuild.heartbeatAt > LEASE_MS;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Continues the rebuild of the projection's current version when there is one nobody else holds, or starts
 * one (generation = live + 1, from the start of the log). Returns undefined when another running process
 * builds it. Call inside a transaction.
 */
export function openRebuild(ledger: Ledger, projection: Projection, owner: string): ProjectionTarget | undefined {
  const { checkpoints, parked, db } = ledger;
  const live = checkpoints.get(projection.name)!;
  const existing = checkpoints.rebuild(projection.name);
  const generation = live.generation + 1;
  if (existing && existing.owner !== owner && !leaseIsFree(existing)) return undefined;
  if (existing && existing.version === projection.version && existing.generation === generation) {
    checkpoints.claimRebuild(projection.name, generation, owner);
    return new ProjectionTarget(ledger, projection, 'rebuild', projection.version, generation, existing.position, owner);
  }
  if (existing) dropGeneration(db, projection, existing.generation);
  dropGeneration(db, projection, generation);
  parked.dropGeneration(projection.name, generation);
  checkpoints.startRebuild(projection.name, projection.version, generation, owner);
  return new ProjectionTarget(ledger, projection, 'rebuild', projection.version, generation, undefined, owner);
}
