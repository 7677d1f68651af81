/**
 * Next.js settings for the console. Type errors fail `npm run typecheck`, not the build: the
 * build bundles only the app's imports, and one check of the whole tree is enough.
 */
import type { NextConfig } from "next";
import { MAX_BODY_BYTES } from "./app/_server/guard";

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  // Not "no-referrer": under that policy a browser sends `Origin: null` with a plain form POST
  // (the form before its script has loaded), which the origin rule must refuse. Referers go only
  // to this console, and never hold the token (the proxy takes it out of the address first).
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Next.js adjusts the tsconfig it builds with; this one extends the project's, which stays as is.
  typescript: { ignoreBuildErrors: true, tsconfigPath: "tsconfig.next.json" },
  // Native and driver packages are required at run time, not bundled.
  serverExternalPackages: ["better-sqlite3", "pg"],
  experimental: {
    serverActions: { bodySizeLimit: MAX_BODY_BYTES },
  },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default config;
