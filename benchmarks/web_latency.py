"""Web latency: overview and KPI page p50/p95, cold and warm, and 20 clients for 30 s;
in Chromium, first paint and time until every card is filled.

    .venv/bin/python benchmarks/web_latency.py                 # scales 1 and 10
    .venv/bin/python benchmarks/web_latency.py --scales 0.1    # a quick look
    .venv/bin/python benchmarks/web_latency.py --scales 1 --browser-only

For each scale: the demo company is generated into a fresh DuckDB file, an admin user is
added, and `cruscotto serve` runs in its own process on a free loopback port.
- cold: a server started with `--cache-seconds 0`, so every request computes every number
  (the first request of each page also loads the catalog and warms DuckDB);
- warm: a server with the default answer cache, after one priming request per page;
- load: 20 client threads, each logged in, alternating overview and KPI page for 30 s on
  the warm server; prints requests, errors (non-200 or exceptions), throughput, p50/p95.
- browser: Debian's Chromium (Playwright) opens each page as the admin, on a cold server
  (first visit, nothing cached), then on the same server warm (second visit, while the
  start-up warm-up may still be computing the attention list in the background) and
  settled (third visit, once the warm-up is done): first
  contentful paint (the page is there: filters, names, placeholders) and the time until
  every `.deferred` part has loaded its numbers (all cards, the KPI's figures and records),
  both from the start of navigation.
Pages are the HTML pages (what a browser asks for), as the admin (every KPI).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx2 as httpx
from chromium import CHROMIUM, CHROMIUM_ARGS

from cruscotto.demo import generate
from cruscotto.warehouse import connect
from cruscotto.web.users import UserStore

PAGES = {"overview": "/overview", "kpi page": "/kpi/win_rate"}
USER, PASSWORD = "bench", "bench-password-2026"
TODAY = date.today()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, cache_seconds: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cli = Path(sys.executable).with_name("cruscotto")
    process = subprocess.Popen(
        [
            str(cli),
            "--db",
            str(db),
            "serve",
            "--port",
            str(port),
            "--cache-seconds",
            str(cache_seconds),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a busy machine starts slowly
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/login", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start: {process.stderr.read().decode()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def client(url: str) -> httpx.Client:
    session = httpx.Client(base_url=url, timeout=300)
    # The login form's CSRF token (cruscotto.web.csrf), then the session's for later posts.
    page = session.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"username": USER, "password": PASSWORD, "next": "/api/me", "csrf_token": token}
    session.post("/login", data=form)
    response = session.get("/api/me")
    response.raise_for_status()
    session.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return session


def timed(session: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = session.get(path)
    return time.perf_counter() - started, response.status_code


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, seconds: list[float]) -> None:
    print(
        f"  {label:<24} n={len(seconds):<4} p50 {percentile(seconds, 0.5) * 1000:8.0f} ms"
        f"   p95 {percentile(seconds, 0.95) * 1000:8.0f} ms"
    )


def cold(db: Path, repeats: int) -> None:
    process, url = start_server(db, cache_seconds=0)
    try:
        session = client(url)
        for name, path in PAGES.items():
            first, _ = timed(session, path)
            print(f"  {name + ' first request':<24} {first * 1000:8.0f} ms")
            report(f"{name} cold", [timed(session, path)[0] for _ in range(repeats)])
    finally:
        stop(process)


def warm_and_load(db: Path, clients: int, seconds: float) -> None:
    process, url = start_server(db, cache_seconds=3600)
    try:
        session = client(url)
        for name, path in PAGES.items():
            timed(session, path)  # priming
            report(f"{name} warm", [timed(session, path)[0] for _ in range(30)])
        load(url, clients, seconds)
    finally:
        stop(process)


def read_pages(
    sessions: list[httpx.Client], until: threading.Event | float
) -> tuple[list[float], int]:
    """Each session reads the pages in turn until `until` (a monotonic time or an event):
    the latencies of the answered requests and the number of errors (non-200 or failed)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def done() -> bool:
        return until.is_set() if isinstance(until, threading.Event) else time.monotonic() > until

    def work(index: int) -> None:
        nonlocal errors
        session = sessions[index]
        paths = list(PAGES.values())
        i = index
        while not done():
            try:
                took, status = timed(session, paths[i % len(paths)])
                failed = status != 200
            except httpx.HTTPError:
                took, failed = 0.0, True
            with lock:
                if failed:
                    errors += 1
                else:
                    latencies.append(took)
            i += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def load(url: str, clients: int, seconds: float) -> None:
    sessions = [client(url) for _ in range(clients)]  # logged in before the clock starts
    started = time.perf_counter()
    latencies, errors = read_pages(sessions, time.monotonic() + seconds)
    elapsed = time.perf_counter() - started
    total = len(latencies) + errors
    print(
        f"  load: {clients} clients × {seconds:g} s: {total} requests, {errors} errors, "
        f"{total / elapsed:.1f} req/s"
    )
    if latencies:
        report("load (both pages)", latencies)


# Every deferred part filled in (static/app.js clears aria-busy). A locator, not
# wait_for_function: Playwright polls a function string with eval, which the app's CSP
# (script-src 'self') refuses.
LOADING = ".deferred[aria-busy=true]"
PAINT = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"


def browser(db: Path) -> None:
    """First paint and time to all cards, cold (fresh server), warm (second visit) and
    settled (after the start-up warm-up)."""
    from playwright.sync_api import expect, sync_playwright

    process, url = start_server(db, cache_seconds=3600)
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_context(viewport={"width": 1360, "height": 900}).new_page()
        page.set_default_timeout(600_000)
        page.goto(url + "/login")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        # Land on /api/me, not the overview, so the first visit to each page is cold.
        page.evaluate("document.querySelector('input[name=next]').value = '/api/me'")
        page.click("button[type=submit].primary")
        page.wait_for_url(url + "/api/me")
        for visit in ("cold", "warm", "settled"):
            if visit == "settled":
                # The attention list is the start-up warm-up's last step (no managers
                # here): once it answers, the server has nothing else to do.
                page.request.get(url + "/api/attention", timeout=600_000)
            for name, path in PAGES.items():
                page.goto(url + path)
                expect(page.locator(LOADING)).to_have_count(0, timeout=600_000)
                paint = page.evaluate(PAINT)
                loaded = page.evaluate("performance.now()")
                print(
                    f"  {name + ' ' + visit:<24} first paint {paint or 0:6.0f} ms"
                    f"   all cards {loaded:7.0f} ms"
                )
        chromium.close()
    finally:
        pw.stop()
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeats", type=int, default=5, help="cold requests per page")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--browser-only", action="store_true", help="only the Chromium timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        for scale in args.scales:
            db = Path(directory) / f"demo-{scale:g}.duckdb"
            warehouse = connect(str(db))
            started = time.perf_counter()
            generate(warehouse, scale=scale, today=TODAY)
            UserStore(warehouse).add(USER, PASSWORD, "admin")
            warehouse.close()
            print(f"scale {scale:g}: demo generated in {time.perf_counter() - started:.1f} s")
            browser(db)
            if args.browser_only:
                continue
            if not args.skip_cold:
                cold(db, args.repeats)
            warm_and_load(db, args.clients, args.seconds)


if __name__ == "__main__":
    main()
