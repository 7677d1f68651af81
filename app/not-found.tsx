import Link from "next/link";

export default function NotFound() {
  return (
    <div className="panel empty">
      <strong>Not found</strong>
      There is no such search or trial here. <Link href="/">All searches</Link>
    </div>
  );
}
