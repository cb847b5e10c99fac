"""Load test of the web portal on the loopback: N associations reading plans and confirming
receipts at once for a fixed time, against SQLite and/or PostgreSQL. A benchmark, not a test.

For each database: a synthetic week of N associations (``synthesize(N, 6N, seed=1)``) is
allocated and published (with its rounds if ``--routes``: planning them for 50 associations
takes minutes; the plan page reads them from a cache either way), N association accounts are
created, and ``aide-alim serve`` is started (``--workers`` processes, 2 by default) on
127.0.0.1. Then N client threads (one per association) each log in and loop until the time is
up: read the week's plan page, then post the receipt form (every planned line, a random kg).
At the end it reads the ``receipt`` table and prints, as CSV: requests, errors (non-2xx/3xx
answers or transport errors), p50/p95/p99 latency per kind of request [ms], confirmations
(form posts) accepted, receipt lines sent in accepted posts, and receipt lines written in the
database — the last two must be equal.

    python benchmarks/portal_load.py --seconds 60 --associations 50 --db sqlite
    python benchmarks/portal_load.py --db postgres --postgres-url postgresql://postgres@/x?host=/tmp
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

PASSWORD = "mot de passe de charge"
WEEK = "2020-W41"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    accepted_posts: int = 0
    lines_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str, associations: int, routes: bool) -> list[str]:
    """Publish a synthetic week with ``associations`` associations; one account each."""
    from aide_alim.db import open_database
    from aide_alim.history import allocate_and_publish
    from aide_alim.portal import auth
    from aide_alim.scenario.synth import synthesize

    scenario = synthesize(associations, 6 * associations, seed=1, week=WEEK)
    with open_database(url) as db:
        allocate_and_publish(db, scenario, route=routes)
        with db.transaction() as conn:
            for a in scenario.associations:
                auth.add_user(conn, f"load-{a.id}", "association", association=a.id,
                              password=PASSWORD)  # fmt: skip
    return [a.id for a in scenario.associations]


def _client(base: str, aid: str, until: float, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as http:
        try:
            page = http.get("/connexion")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            start = time.perf_counter()
            form = {"csrf": csrf.group(1) if csrf else "", "login": f"load-{aid}",
                    "password": PASSWORD}  # fmt: skip
            login = http.post("/connexion", data=form)
            stats.add("login", time.perf_counter() - start)
            if login.status_code != 303:
                with stats.lock:
                    stats.errors += 1
                return
        except httpx.HTTPError:
            with stats.lock:
                stats.errors += 1
            return
        while time.monotonic() < until:
            try:
                start = time.perf_counter()
                plan = http.get(f"/asso/{aid}/semaine/{WEEK}")
                stats.add("plan", time.perf_counter() - start)
                if plan.status_code != 200:
                    with stats.lock:
                        stats.errors += 1
                    continue
                form = dict(re.findall(r'name="((?:csrf|count|lot_\d+))" value="([^"]*)"',
                                       plan.text))  # fmt: skip
                count = int(form.get("count", "0"))
                if not count:
                    continue
                for i in range(count):
                    form[f"kg_{i}"] = f"{rng.uniform(0, 5):.1f}".replace(".", ",")
                    form[f"status_{i}"] = "recu"
                start = time.perf_counter()
                posted = http.post(f"/asso/{aid}/semaine/{WEEK}/reception", data=form)
                stats.add("confirm", time.perf_counter() - start)
                with stats.lock:
                    if posted.status_code == 303:
                        stats.accepted_posts += 1
                        stats.lines_sent += count
                    else:
                        stats.errors += 1
            except httpx.HTTPError:
                with stats.lock:
                    stats.errors += 1


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def run(
    kind: str,
    url: str,
    associations: int,
    seconds: float,
    folder: Path,
    workers: int,
    routes: bool,
) -> dict[str, str]:
    t0 = time.perf_counter()
    ids = _prepare(url, associations, routes)
    setup = time.perf_counter() - t0
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from aide_alim.cli import main; main()", "serve", "--db", url,
         "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--data-dir", str(folder / f"data-{kind}"),
         "--insecure-cookies"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/connexion", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the portal did not start") from None
                time.sleep(0.2)
        stats = Stats()
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=_client, args=(base, aid, until, stats, i))
            for i, aid in enumerate(ids)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    from aide_alim.db import open_database
    from aide_alim.history import schema as h

    with open_database(url) as db, db.read() as conn:
        written = conn.execute(sa.select(sa.func.count()).select_from(h.receipt)).scalar_one()
    requests = sum(len(v) for v in stats.latencies.values())
    row = {
        "db": kind, "workers": str(workers), "associations": str(associations),
        "seconds": f"{seconds:g}",
        "setup_s": f"{setup:.1f}", "requests": str(requests),
        "requests_per_s": f"{requests / seconds:.1f}", "errors": str(stats.errors),
    }  # fmt: skip
    for name in ("plan", "confirm"):
        values = stats.latencies.get(name, [])
        for q in (0.5, 0.95, 0.99):
            row[f"{name}_p{int(q * 100)}_ms"] = f"{_percentile(values, q):.0f}"
    row["confirmations_accepted"] = str(stats.accepted_posts)
    row["lines_sent"] = str(stats.lines_sent)
    row["lines_written"] = str(written)
    row["equal"] = str(written == stats.lines_sent)
    return row


def _fresh_postgres(base: str) -> tuple[str, sa.Engine, str]:
    name = f"aide_alim_load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    return url, admin, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--associations", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--routes", action="store_true", help="also plan the week's rounds (slow to prepare)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("AIDE_ALIM_TEST_POSTGRES_URL"),
        help="a PostgreSQL server where a throw-away database may be created",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="aide_alim_load_") as tmp:
        folder = Path(tmp)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{folder / 'history.sqlite'}"
            rows.append(
                run("sqlite", url, args.associations, args.seconds, folder, args.workers,
                    args.routes)
            )  # fmt: skip
        if args.db in ("postgres", "both"):
            if not args.postgres_url:
                sys.exit("--postgres-url (or AIDE_ALIM_TEST_POSTGRES_URL) is needed for PostgreSQL")
            url, admin, name = _fresh_postgres(args.postgres_url)
            try:
                rows.append(
                    run(
                        "postgres",
                        url,
                        args.associations,
                        args.seconds,
                        folder,
                        args.workers,
                        args.routes,
                    )
                )
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(",".join(rows[0]))
    for row in rows:
        print(",".join(row.values()))


if __name__ == "__main__":
    main()
