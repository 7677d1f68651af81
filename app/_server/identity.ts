/**
 * How the CLI knows that the server answering on its port is the one it started, and not another
 * program that held the port first (a dev server on 3000 answers any request, so "it answered"
 * proves nothing). The CLI hands the server a fresh random secret in its environment; to be
 * believed, the server must answer a challenge of the CLI's choosing with HMAC-SHA256(secret,
 * challenge) on `GET /api/ready?challenge=HEX` (app/api/ready). The secret never leaves the
 * server, and an answer is worth nothing to anyone else: it only proves knowledge of the secret
 * for a challenge its asker picked. The route sits behind the proxy's host and token rules like
 * every other route.
 *
 * Plain functions, no `server-only`: the CLI (cli/_console-server) imports them too.
 */
import { createHmac, randomBytes } from "node:crypto";

/** The server's environment variable holding the secret. */
export const SERVER_SECRET_ENV = "HYPERBAYES_SERVER_SECRET";
export const READY_PATH = "/api/ready";

/** 16 to 64 bytes, in hex: what the CLI sends; anything else is not a challenge. */
export const CHALLENGE = /^[0-9a-f]{32,128}$/;

export function newSecret(): string {
  return randomBytes(32).toString("hex");
}

export function newChallenge(): string {
  return randomBytes(16).toString("hex");
}

/** The answer only the holder of `secret` can give to `challenge`. */
export function readyProof(secret: string, challenge: string): string {
  return createHmac("sha256", secret).update(challenge).digest("hex");
}
