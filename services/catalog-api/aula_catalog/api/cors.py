"""CORS for the public API: the website (and anyone listed in CATALOG_CORS_ORIGINS) may read it from a browser.

The API is read-only and uses no credentials, so only simple GETs need headers; a preflight OPTIONS is
answered too for clients that add custom headers.
"""

from __future__ import annotations


class CorsPolicy:
    def __init__(self, origins: frozenset[str]) -> None:
        self.any_origin = "*" in origins
        self.origins = origins - {"*"}

    def allow_origin(self, origin: str | None) -> str | None:
        if self.any_origin:
            return "*"
        if origin and origin.rstrip("/") in self.origins:
            return origin
        return None

    def headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Headers for an answer to a request from `origin` (the Origin header, if any)."""
        if not self.any_origin and not self.origins:
            return []
        allowed = self.allow_origin(origin)
        headers = [] if self.any_origin else [("Vary", "Origin")]
        if allowed:
            headers += [("Access-Control-Allow-Origin", allowed), ("Access-Control-Expose-Headers", "ETag")]
        return headers

    def preflight_headers(self, origin: str | None) -> list[tuple[str, str]]:
        headers = self.headers(origin)
        if self.allow_origin(origin):
            headers += [
                ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
                ("Access-Control-Allow-Headers", "If-None-Match, Content-Type"),
                ("Access-Control-Max-Age", "86400"),
            ]
        return headers
