"""ETags from the catalog's revision, 304s that cost no database work, and a per-process cache of answers.

Every write to the catalog bumps one counter (models.Revision). An answer depends only on the request's path
and query and on the catalog's content, so `W/"<revision>-<hash of code version, path, query>"` identifies it
before it is computed, and an answer computed at revision r can be served again for as long as the revision
is r. `AnswerCacheMiddleware` sits in front of Flask and, for GET/HEAD under /api/:

- answers a matching If-None-Match with 304 (no routing, no query, no serialisation);
- answers from the cache when this process already computed the same answer at the current revision;
- otherwise lets Flask compute it; the view stores 200 answers in the cache (api/views.py).

Each worker process trusts its last read of the revision for `CATALOG_REVISION_TTL` seconds (default 1):
after a change, a client may see the previous answer for at most that long.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from aula_catalog import __version__
from aula_catalog.api.cors import CorsPolicy
from aula_catalog.models import REVISION_ROW_ID, Revision

JSON = "application/json"


class RevisionClock:
    """The catalog's current revision, read at most once per `ttl` seconds per process."""

    def __init__(self, engine: Engine, ttl: float) -> None:
        self._engine = engine
        self._ttl = ttl
        self._value = 0
        self._read_at = float("-inf")
        self._lock = threading.Lock()
        self._statement = select(Revision.revision).where(Revision.id == REVISION_ROW_ID)

    def current(self) -> int:
        if time.monotonic() - self._read_at < self._ttl:
            return self._value
        with self._lock:
            if time.monotonic() - self._read_at >= self._ttl:
                with self._engine.connect() as connection:
                    self._value = connection.execute(self._statement).scalar() or 0
                self._read_at = time.monotonic()
        return self._value

    def invalidate(self) -> None:
        """Read the revision again on next use (after this process changed the catalog)."""
        self._read_at = float("-inf")


def etag_for(revision: int, path: str, query_string: str) -> str:
    digest = hashlib.blake2b(f"{__version__}\n{path}\n{query_string}".encode(), digest_size=8).hexdigest()
    return f'W/"{revision}-{digest}"'


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): any listed tag equal to ours once "W/" is ignored, or "*"."""
    ours = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == ours:
            return True
    return False


@dataclass(frozen=True)
class CachedAnswer:
    revision: int
    etag: str
    body: bytes


class AnswerCache:
    """Answers by (path, query string), each valid for the revision it was computed at; LRU within a byte budget."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[tuple[str, str], CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, path: str, query_string: str, revision: int) -> CachedAnswer | None:
        key = (path, query_string)
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                return None
            if answer.revision != revision:
                self._remove(key)
                return None
            self._answers.move_to_end(key)
            return answer

    def put(self, path: str, query_string: str, answer: CachedAnswer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 8:
            return  # one huge answer must not push out everything else
        key = (path, query_string)
        with self._lock:
            if key in self._answers:
                self._remove(key)
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._remove(next(iter(self._answers)))

    def _remove(self, key: tuple[str, str]) -> None:
        self._bytes -= len(self._answers.pop(key).body)

    def __len__(self) -> int:
        return len(self._answers)


class AnswerCacheMiddleware:
    """WSGI: 304s and cached answers for GET/HEAD under `prefix`, before Flask."""

    def __init__(
        self,
        app: Callable,
        clock: RevisionClock,
        cache: AnswerCache | None,
        cors: CorsPolicy,
        cache_control: str,
        prefix: str = "/api/",
        on_answer: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.cache = cache
        self.cors = cors
        self.cache_control = cache_control
        self.prefix = prefix
        self.on_answer = on_answer or (lambda _kind: None)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD") or not path.startswith(self.prefix):
            return self.app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is None and self.cache is None:
            return self.app(environ, start_response)
        revision = self.clock.current()
        if if_none_match:
            etag = etag_for(revision, path, query)
            if matches(if_none_match, etag):
                start_response("304 Not Modified", self._headers(environ, etag))
                self.on_answer("not_modified")
                return [b""]
        answer = self.cache.get(path, query, revision) if self.cache is not None else None
        if answer is None:
            return self.app(environ, start_response)
        headers = self._headers(environ, answer.etag)
        headers += [("Content-Type", JSON), ("Content-Length", str(len(answer.body)))]
        start_response("200 OK", headers)
        self.on_answer("cached")
        return [b""] if method == "HEAD" else [answer.body]

    def _headers(self, environ: dict, etag: str) -> list[tuple[str, str]]:
        headers = [("ETag", etag), ("Cache-Control", self.cache_control)]
        return headers + self.cors.headers(environ.get("HTTP_ORIGIN"))
