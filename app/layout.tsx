/**
 * The frame of every page. Rendering is always dynamic (`connection()`): pages read the live
 * store, and the per-request CSP nonce only reaches scripts rendered per request.
 */
import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Hyperbayes", template: "%s · Hyperbayes" },
  description: "Self-hosted Bayesian hyperparameter search",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            <span className="brand-mark" aria-hidden />
            Hyperbayes
          </Link>
          <nav>
            <Link href="/" className="navlink">
              Searches
            </Link>
            <span className="spacer" />
            <Link href="/searches/new" className="button primary" data-testid="new-search">
              New search
            </Link>
          </nav>
        </header>
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
