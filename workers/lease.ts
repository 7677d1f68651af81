/**
 * The lease a loop holds on its search, and the lease's timing: the one home of the TTL
 * (`HYPERBAYES_LEASE_TTL_MS`, default 15 s) and of the heartbeat derived from it.
 *
 * The store fences every trial and search write with the lease owner, but starting, stopping
 * and killing trial processes are not store writes. A loop stalled past its TTL (Ctrl-Z, a
 * swapped-out machine, a flood of output) may have been taken over while it slept; when it
 * wakes it must find that out before it touches a trial. So a loop keeps, on a monotonic clock,
 * the time until which no one else can have taken the lease: the moment it *sent* its last
 * successful renewal plus the TTL (the store computes the expiry after that moment, and another
 * worker claims only past the expiry). `ensure()` lets the loop act only with a margin left
 * before that time, renewing first when less is left; the renewal fails once another worker
 * owns the search, and the loop then stops (`LeaseLost`) before doing anything. Renewing an
 * expired lease nobody took is safe: renew and claim are both atomic in the store, so exactly
 * one of them wins.
 *
 * Machines sharing a database must keep their clocks within the margin (NTP does far better).
 */
import type { Store } from "../db";
import { type Env, UsageError } from "../lib/errors";

export const DEFAULT_LEASE_TTL_MS = 15_000;
const MIN_LEASE_TTL_MS = 500;

/**
 * The lease TTL every worker, foreground search and `resume` of this environment uses. Tests set
 * `HYPERBAYES_LEASE_TTL_MS` to a second or two instead of waiting out 15 s.
 */
export function leaseTtlMs(env: Env = process.env): number {
  const text = env.HYPERBAYES_LEASE_TTL_MS;
  if (text === undefined || text.trim() === "") return DEFAULT_LEASE_TTL_MS;
  const ms = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(ms) || ms < MIN_LEASE_TTL_MS) {
    throw new UsageError(
      `HYPERBAYES_LEASE_TTL_MS: "${text}" is not a whole number of milliseconds of at least ${MIN_LEASE_TTL_MS}`,
    );
  }
  return ms;
}

/** Five beats per TTL: four can be missed (a busy database) before the lease lapses. */
export function heartbeatMs(ttlMs: number): number {
  return Math.max(50, Math.floor(ttlMs / 5));
}

/** Thrown by `ensure()` once another worker owns the search: the loop must stop at once. */
export class LeaseLost extends Error {
  constructor(searchId: number) {
    super(`lost the lease of search ${searchId}: another worker took it over`);
    this.name = "LeaseLost";
  }
}

export interface HeldLeaseOptions {
  /** The store the heartbeat renews through (errors are ignored: the next beat retries). */
  store: Store;
  /** The store `ensure()` renews through: one that waits out an unreachable database. */
  patientStore?: Store;
  searchId: number;
  owner: string;
  ttlMs: number;
  /** Monotonic milliseconds (it must keep running while the process is stopped). */
  clock?: () => number;
  /** Called once when a renewal finds the lease gone. */
  onLost?: () => void;
}

export class HeldLease {
  private readonly clock: () => number;
  /** No one else can hold the lease before this time (clock ms). Unknown at first. */
  private validUntil = Number.NEGATIVE_INFINITY;
  private lost = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly o: HeldLeaseOptions) {
    this.clock = o.clock ?? (() => performance.now());
    this.timer = setInterval(() => {
      this.renew(o.store).catch(() => {});
    }, heartbeatMs(o.ttlMs));
    this.timer.unref?.();
  }

  /** False once a renewal found another owner. */
  get held(): boolean {
    return !this.lost;
  }

  /**
   * Resolves when the lease is surely ours for at least a third of the TTL more, renewing it
   * first when less is left; throws `LeaseLost` when another worker owns it. Call before every
   * step that acts on trials. Cheap while the heartbeat keeps up.
   */
  async ensure(): Promise<void> {
    if (this.lost) throw new LeaseLost(this.o.searchId);
    if (this.clock() < this.validUntil - this.o.ttlMs / 3) return;
    await this.renew(this.o.patientStore ?? this.o.store);
    if (this.lost) throw new LeaseLost(this.o.searchId);
  }

  private async renew(store: Store): Promise<void> {
    if (this.lost) return;
    const sent = this.clock();
    const ok = await store.renewLease(this.o.searchId, this.o.owner, this.o.ttlMs);
    if (this.lost) return;
    if (ok) {
      this.validUntil = Math.max(this.validUntil, sent + this.o.ttlMs);
    } else {
      this.lost = true;
      this.o.onLost?.();
    }
  }

  /** Stops the heartbeat. */
  close(): void {
    clearInterval(this.timer);
  }
}
