"""Mixed load: do readers wait behind an import, a refused huge upload and a slow query?

    PYTHONPATH=src:. .venv/bin/python benchmarks/mixed_load.py                  # issue 15's run
    PYTHONPATH=src:. .venv/bin/python benchmarks/mixed_load.py --scale 0.1 --rows 100000

The demo company (`--scale`) is generated into a fresh DuckDB file and `cruscotto serve`
runs in its own process (the default answer cache), as in benchmarks/web_latency.py.
`--clients` readers (logged-in admins) alternate the overview and a KPI page:

1. alone, for `--seconds` (after one priming request per page): the baseline;
2. while, at once: an upload of `--upload-mb` MB (over the 100 MB limit: refused with 413
   before it is read), an import of `--rows` deals through /api/data/import (a CSV of the
   demo's deals under new ids: every row is new, and the import commits, so the readers'
   cached answers are recomputed), and a slow query (a KPI page by day over two years).
   The readers go on until all three are over, and at least `--seconds`.

Printed: p50/p95 of the readers in both runs and their ratio (issue 15's aim: errors 0,
p95 within 2× of the baseline), errors, and each of the three's status and duration.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx2 as httpx
from benchmarks.web_latency import (
    PAGES,
    PASSWORD,
    USER,
    client,
    percentile,
    read_pages,
    start_server,
    stop,
    timed,
)

from cruscotto.demo import generate
from cruscotto.warehouse import connect
from cruscotto.web.users import UserStore

TODAY = date.today()
SLOW_QUERY = "/api/kpi/new_leads?period=2024-01-01..2025-12-31&grain=day"


def deals_file(db: Path, rows: int, folder: Path) -> Path:
    """A CSV of `rows` new deals in the canonical columns: the demo's deals, repeated
    under new ids (so owners, accounts and currencies are real)."""
    warehouse = connect(str(db))
    deals = warehouse.execute(warehouse.table("opportunities"))
    warehouse.close()
    repeated = deals.iloc[[i % len(deals) for i in range(rows)]].copy()
    repeated["opportunity_id"] = [f"MIX{i:09d}" for i in range(rows)]
    path = folder / "deals.csv"
    repeated.to_csv(path, index=False)
    return path


def huge_body(megabytes: int):
    chunk = b"x" * (1024 * 1024)
    for _ in range(megabytes):
        yield chunk


def summary(label: str, latencies: list[float], errors: int, seconds: float) -> float:
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(
        f"  {label:<10} {len(latencies) + errors:>5} requests in {seconds:5.1f} s, "
        f"{errors} errors   p50 {p50 * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms"
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rows", type=int, default=600_000, help="deals imported (≈90 MB)")
    parser.add_argument("--upload-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        db = folder / "demo.duckdb"
        warehouse = connect(str(db))
        started = time.perf_counter()
        generate(warehouse, scale=args.scale, today=TODAY)
        UserStore(warehouse).add(USER, PASSWORD, "admin")
        warehouse.close()
        print(f"scale {args.scale:g}: demo generated in {time.perf_counter() - started:.1f} s")
        deals = deals_file(db, args.rows, folder)
        print(f"deals file: {args.rows:,} rows, {deals.stat().st_size / 2**20:.0f} MB")
        process, url = start_server(db, cache_seconds=3600)
        try:
            run(url, deals, args)
        finally:
            stop(process)


def run(url: str, deals: Path, args) -> None:
    readers = [client(url) for _ in range(args.clients)]
    for path in PAGES.values():  # prime the cache: the baseline is the warm app
        timed(readers[0], path)
    started = time.perf_counter()
    alone, alone_errors = read_pages(readers, time.monotonic() + args.seconds)
    base = summary("alone", alone, alone_errors, time.perf_counter() - started)

    results: dict[str, str] = {}

    def upload() -> None:
        began = time.perf_counter()
        headers = {"Content-Length": str(args.upload_mb * 2**20), "Content-Type": "text/csv"}
        try:
            status = (
                client(url)
                .post(
                    "/api/data/import?table=opportunities",
                    content=huge_body(args.upload_mb),
                    headers=headers,
                )
                .status_code
            )
        except httpx.HTTPError as exc:  # the server may close before the body is sent
            status = f"closed ({type(exc).__name__})"
        took = time.perf_counter() - began
        results["upload"] = f"{args.upload_mb} MB upload: {status} in {took:.1f} s"

    def importing() -> None:
        began = time.perf_counter()
        with deals.open("rb") as file:
            response = client(url).post(
                "/api/data/import",
                files=[("files", ("deals.csv", file, "text/csv"))],
                data={"table": "opportunities"},
            )
        answer = response.json() if response.status_code == 200 else {}
        results["import"] = (
            f"import of {args.rows:,} deals: {response.status_code}, applied "
            f"{answer.get('applied')}, in {time.perf_counter() - began:.1f} s"
        )

    def slow() -> None:
        took, status = timed(client(url), SLOW_QUERY)
        results["slow"] = f"slow query ({SLOW_QUERY}): {status} in {took:.1f} s"

    others = [threading.Thread(target=work) for work in (upload, importing, slow)]
    finished = threading.Event()

    def watch() -> None:
        for thread in others:
            thread.join()
        time.sleep(max(0.0, args.seconds - (time.perf_counter() - mixed_start)))
        finished.set()

    mixed_start = time.perf_counter()
    for thread in others:
        thread.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    mixed, mixed_errors = read_pages(readers, finished)
    watcher.join()
    p95 = summary("mixed", mixed, mixed_errors, time.perf_counter() - mixed_start)
    for key in ("upload", "import", "slow"):
        print("  " + results.get(key, f"{key}: no answer"))
    print(f"  readers' p95 mixed / alone: {p95 / base:.2f}× (aim: ≤ 2×, 0 errors)")


if __name__ == "__main__":
    main()
