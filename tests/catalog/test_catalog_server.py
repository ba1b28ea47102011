"""`aula serve catalog`: granian in the foreground on CATALOG_PORT, several worker processes, real PostgreSQL."""

from __future__ import annotations

import os

import httpx
from support import Process, free_port, running, wait_http


def test_the_catalog_serves_under_granian(catalog_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "REDIS_URL"}
    env.update(
        CATALOG_DATABASE_URL=catalog_url,
        CATALOG_PORT=str(port),
        CATALOG_CORS_ORIGINS="https://studentiunimi.it",
        AULA_HTTP_WORKERS="2",
        CATALOG_SECRET_KEY_FILE=str(tmp_path / "secret"),
    )
    with running(Process(["serve", "catalog"], env, tmp_path / "catalog.log")) as server:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz")
        with httpx.Client(base_url=base, timeout=5) as client:
            degree = client.get("/api/degree", params={"slug": "triennale-informatica"})
            assert degree.status_code == 200 and degree.json()["name"] == "Informatica"
            etag = degree.headers["etag"]
            for _ in range(4):  # whichever worker answers, the tag is the same
                again = client.get(
                    "/api/degree",
                    params={"slug": "triennale-informatica"},
                    headers={"If-None-Match": etag, "Origin": "https://studentiunimi.it"},
                )
                assert again.status_code == 304
                assert again.headers["access-control-allow-origin"] == "https://studentiunimi.it"
            assert client.get("/api/degree").json() == {"ok": False, "error": "Please provide the pk or an unique slug"}
            assert client.get("/api/openapi.json").json()["info"]["title"] == "Aula catalog"
            assert client.get("/admin/").status_code == 302
            for _ in range(4):
                client.get("/api/departments")
            metrics = client.get("/metrics").text
            assert 'aula_catalog_requests_total{endpoint="api.departments",status="200"}' in metrics
            assert 'endpoint="not_modified"' in metrics
    assert "Traceback" not in server.output()
