"""The one pynetbox client factory (STYLE 9.8): timeout on every request, strict filters, threads.

URL and token come from the arguments, else NETBOX_API / NETBOX_TOKEN; nothing else. The client
does not know the lab exists: the CLI's global `--lab` option (or the exports `lab env` prints)
supplies the lab's pair. `connect` checks /api/status/ once, so a wrong token or an unreachable
NetBox fails here with a DependencyUnavailable naming the URL and the cause.
"""

from __future__ import annotations

import os
from typing import Any

import pynetbox  # type: ignore[import-untyped]
import requests
from requests.adapters import HTTPAdapter

from sharpeyes.errors import DependencyUnavailable, InputError

DEFAULT_TIMEOUT = 30.0
# Threaded .all()/.filter() reads; the NetBox server is CPU-bound, a few workers suffice.
MAX_WORKERS = 4


class TimeoutAdapter(HTTPAdapter):
    """An HTTPAdapter that applies a default timeout when the caller gives none."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any) -> None:
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def session(timeout: float = DEFAULT_TIMEOUT, verify: bool | str = True) -> requests.Session:
    """A requests Session whose every request times out after `timeout` seconds."""
    http = requests.Session()
    adapter = TimeoutAdapter(timeout=timeout, pool_maxsize=MAX_WORKERS * 2)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.verify = verify
    return http


CREDENTIALS_HINT = (
    "export NETBOX_API and NETBOX_TOKEN; for the lab NetBox add the global option --lab "
    "(sharpeyes --lab <command>) or eval the exports `lab env` prints"
)


def resolve(url: str | None = None, token: str | None = None) -> tuple[str, str]:
    """URL and token: arguments, else NETBOX_API / NETBOX_TOKEN; else InputError naming them."""
    url = url or os.environ.get("NETBOX_API") or None
    token = token or os.environ.get("NETBOX_TOKEN") or None
    if url is None or token is None:
        missing = [name for name, v in (("NETBOX_API", url), ("NETBOX_TOKEN", token)) if v is None]
        raise InputError(
            f"no NetBox credentials: {' and '.join(missing)} not set", hint=CREDENTIALS_HINT
        )
    return url.rstrip("/"), token


def authorization(token: str) -> str:
    """The Authorization header value: v2 tokens (`nbt_…`) are Bearer, legacy ones `Token`."""
    scheme = "Bearer" if token.startswith("nbt_") else "Token"
    return f"{scheme} {token}"


def check(http: requests.Session, url: str, token: str) -> dict[str, Any]:
    """GET /api/status/ once; return its body or raise DependencyUnavailable naming the cause."""
    try:
        resp = http.get(
            f"{url}/api/status/",
            headers={"Authorization": authorization(token), "Accept": "application/json"},
        )
    except requests.RequestException as exc:
        raise DependencyUnavailable(
            f"NetBox at {url} is unreachable: {type(exc).__name__}: {exc}",
            hint="is it running there? (NETBOX_API; for the lab: `lab status`)",
        ) from exc
    if resp.status_code in (401, 403):
        detail = _detail(resp)
        suffix = f": {detail}" if detail else ""
        raise DependencyUnavailable(
            f"NetBox at {url} rejected the token ({resp.status_code}){suffix}",
            hint="check NETBOX_TOKEN (the lab's token: `lab env`, or --lab)",
        )
    if resp.status_code != 200:
        raise DependencyUnavailable(
            f"NetBox at {url} answered /api/status/ with HTTP {resp.status_code}: {_detail(resp)}"
        )
    try:
        body: dict[str, Any] = resp.json()
    except ValueError as exc:
        raise DependencyUnavailable(f"NetBox at {url} returned non-JSON from /api/status/") from exc
    return body


def _detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200].strip()
    return str(body.get("detail", "")) if isinstance(body, dict) else ""


def connect(
    url: str | None = None, token: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> pynetbox.api:
    """A checked pynetbox client (strict_filters, threading, timeout on every request)."""
    url, token = resolve(url, token)
    http = session(timeout)
    check(http, url, token)
    api = pynetbox.api(
        url, token=token, threading=True, strict_filters=True, max_workers=MAX_WORKERS
    )
    api.http_session = http
    return api
