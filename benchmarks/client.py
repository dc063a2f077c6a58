"""A back-office user's browser, as far as the benchmark needs one: log in, open pages, read the
server's own time for each (the Server-Timing header of settings.bench)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests

SERVER_TIMING = re.compile(r"(\w+);dur=([0-9.]+)(?:;desc=\"(\d+) queries\")?")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class PageTime:
    status: int
    server_ms: float
    sql_ms: float
    queries: int
    client_ms: float
    size: int


def server_timing(header: str) -> tuple[float, float, int]:
    """(app ms, db ms, queries) from a Server-Timing header."""
    app = sql = 0.0
    queries = 0
    for name, duration, count in SERVER_TIMING.findall(header or ""):
        if name == "app":
            app = float(duration)
        elif name == "db":
            sql = float(duration)
            queries = int(count or 0)
    return app, sql, queries


class BackOffice:
    """A logged-in session on the retailer's host (sent as the Host header to 127.0.0.1)."""

    def __init__(self, base_url: str, host: str):
        self.base_url = base_url
        self.host = host
        self.session = requests.Session()
        self.session.headers["Host"] = host
        self.session.headers["Accept-Language"] = "en"

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_in(self, username: str, password: str) -> None:
        page = self.session.get(self.url("/login/"))
        token = CSRF_INPUT.search(page.text)
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        response = self.session.post(
            self.url("/login/"),
            data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
            headers={"Referer": f"http://{self.host}/login/"},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"logging in as {username} gave HTTP {response.status_code}")

    def get(self, path: str, **kwargs) -> tuple[requests.Response, PageTime]:
        return self._timing(self.session.get(self.url(path), **kwargs))

    def post(self, path: str, data: dict, *, htmx: bool = False) -> tuple[requests.Response, PageTime]:
        """POST a form of the page at `path` (its CSRF token read from the page first), as htmx
        sends it when `htmx`."""
        page = self.session.get(self.url(path))
        token = CSRF_INPUT.search(page.text)
        if token is None:
            raise RuntimeError(f"{path} has no CSRF token")
        headers = {"Referer": f"http://{self.host}{path}", **({"HX-Request": "true"} if htmx else {})}
        return self._timing(
            self.session.post(self.url(path), data={"csrfmiddlewaretoken": token.group(1), **data}, headers=headers)
        )

    @staticmethod
    def _timing(response: requests.Response) -> tuple[requests.Response, PageTime]:
        app, sql, queries = server_timing(response.headers.get("Server-Timing", ""))
        timing = PageTime(
            status=response.status_code,
            server_ms=app,
            sql_ms=sql,
            queries=queries,
            client_ms=response.elapsed.total_seconds() * 1000,
            size=len(response.content),
        )
        return response, timing

    def timed(self, path: str, runs: int, *, warm_up: int = 1, **kwargs) -> list[PageTime]:
        """Open `path` warm_up + runs times; the server times of the last `runs` (each must be 200)."""
        times = []
        for attempt in range(warm_up + runs):
            response, timing = self.get(path, **kwargs)
            if response.status_code != 200:
                raise RuntimeError(f"{path} gave HTTP {response.status_code}")
            if attempt >= warm_up:
                times.append(timing)
        return times
