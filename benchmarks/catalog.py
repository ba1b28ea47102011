"""Catalog API: requests/s and p99 for the website's heaviest calls, computed, cached and revalidated.

The catalog runs as deployed (`aula serve catalog`: granian, 2 worker processes) on PostgreSQL loaded with the
legacy data (Data.json, the scraper's 74 degrees and 5,087 courses, degree links, featured groups). wrk (one
thread, CONNECTIONS connections) loads it for 10 s after a 2 s warm-up, on the same 2 cores as the server and
PostgreSQL. Three ways an answer is given:

- computed: a server started with CATALOG_ANSWER_CACHE_MB=0, so every request runs its SQL and serialises
  (the price of a cache miss: the first request after a change, per worker);
- cached: the deployed server; the answer was computed once at the current revision and is kept in memory;
- 304: the client sends back the ETag it got (browsers, the website's ISR) and is told "not modified".

Cached answers and 304s are given before Flask, without touching the database (aula_catalog/api/caching.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx

from aula_catalog.importers import run_import
from aula_shared import components, migrations
from benchmarks.harness import AULA, ROOT, free_port, postgres_database, process, wait_http, wrk

LEGACY = ROOT.parent / "shared" / "legacy-data"
CONNECTIONS = 8
IMPORTS = (
    ("legacy", "src/data/Data.json", {}),
    ("degrees", "scraper/degree_data.json", {}),
    ("courses", "scraper/course_data.json", {}),
    ("legacy", "data/DegreeInformations.json", {}),
    ("legacy", "data/groups/Groups.json", {"category": "u"}),
    ("legacy", "data/groups/Announcements.json", {"category": "a"}),
    ("legacy", "data/groups/StudentsAssociations.json", {"category": "s"}),
)
TARGET_RPS = 1500
TARGET_P99_MS = 20.0
TARGET_RATIO = 5.0


def _lua(directory: Path, name: str, etag: str | None) -> Path:
    """A wrk script: plain GETs, or GETs revalidating with the ETag the server gave."""
    script = directory / f"{name}.lua"
    header = f"wrk.headers[\"If-None-Match\"] = '{etag}'\n" if etag else ""
    script.write_text(header + 'wrk.method = "GET"\n')
    return script


def _row(label: str, result) -> str:
    return (
        f"{label:<34} {result.requests_per_second:>8,.0f} req/s   p50 {result.p50_ms:6.2f} ms   "
        f"p99 {result.p99_ms:6.2f} ms   errors {result.non_2xx}+{result.errors}"
    )


def _serve(database_url: str, tmp: str, **extra: str):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "REDIS_URL"}
    env.update(
        CATALOG_DATABASE_URL=database_url,
        CATALOG_PORT=str(port),
        AULA_HTTP_WORKERS="2",
        CATALOG_SECRET_KEY_FILE=f"{tmp}/secret",
        **extra,
    )
    return f"http://127.0.0.1:{port}", process([AULA, "serve", "catalog"], env, "catalog")


def _load(base: str, path: str, name: str, tmp: str, etag: str | None = None):
    return wrk(base + path, _lua(Path(tmp), name, etag), CONNECTIONS, threads=1)


def run() -> list[str]:
    lines = [
        f"load: wrk -t1 -c{CONNECTIONS} -d10s; catalog = granian x2 on PostgreSQL; server, database and load "
        "share 2 cores",
    ]
    verdicts = []
    with postgres_database() as database_url, tempfile.TemporaryDirectory() as tmp:
        migrations.upgrade(components.by_name("catalog"), database_url)
        for kind, relative, options in IMPORTS:
            run_import(database_url, kind, LEGACY / relative, **options)
        computed: dict[str, object] = {}
        base, server = _serve(database_url, tmp, CATALOG_ANSWER_CACHE_MB="0")
        with server:
            wait_http(f"{base}/healthz")
            endpoints = _endpoints(base)
            courses = len(httpx.get(base + endpoints["courses"]).json())
            lines.append(f"/api/courses answers {courses} courses (magistrale-informatica, the largest degree)")
            for name, path in endpoints.items():
                computed[name] = _load(base, path, f"{name}-computed", tmp)
        base, server = _serve(database_url, tmp)
        with server:
            wait_http(f"{base}/healthz")
            for name, path in _endpoints(base).items():
                first = httpx.get(base + path)
                assert first.status_code == 200, (path, first.status_code)
                cached = _load(base, path, f"{name}-cached", tmp)
                revalidated = _load(base, path, f"{name}-304", tmp, first.headers["etag"])
                ratio = revalidated.requests_per_second / computed[name].requests_per_second
                lines.append(path)
                lines.append(_row("  computed (200, no answer cache)", computed[name]))
                lines.append(_row("  cached (200, deployed)", cached))
                lines.append(_row("  revalidated (304)", revalidated))
                lines.append(
                    f"  304 / computed {ratio:.1f}x   cached / computed "
                    f"{cached.requests_per_second / computed[name].requests_per_second:.1f}x"
                )
                results = (computed[name], cached, revalidated)
                verdicts.append(
                    min(cached.requests_per_second, revalidated.requests_per_second) >= TARGET_RPS
                    and max(cached.p99_ms, revalidated.p99_ms) <= TARGET_P99_MS
                    and ratio >= TARGET_RATIO
                    and sum(r.non_2xx + r.errors for r in results) == 0
                )
    lines.append(
        f"targets (deployed server): >= {TARGET_RPS:,} req/s, p99 <= {TARGET_P99_MS:.0f} ms, 304 >= "
        f"{TARGET_RATIO:.0f}x computed: " + ("all met" if all(verdicts) else "NOT all met")
    )
    return lines


def _endpoints(base: str) -> dict[str, str]:
    magistrale = httpx.get(f"{base}/api/degree", params={"slug": "magistrale-informatica"}).json()
    return {
        "degree": "/api/degree?slug=triennale-informatica",
        "courses": f"/api/courses?deg_id={magistrale['pk']}",
        "search": "/api/search?q=programmazione",
    }
