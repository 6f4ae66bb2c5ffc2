"""Measure the server-side alternative: the same apply engine run INSIDE NetBox, one transaction.

Run by `benchmarks/sot_sync.py --server-side` through the lab's `netbox shell` (NetBox's own venv):
the engine's REST calls go straight to NetBox's DRF views in-process (no HTTP, no gunicorn), and
the whole apply is one database transaction (atomic: an interruption leaves nothing behind).
Prints one JSON line: {"objects": n, "seconds": s}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, os.environ["SHARPEYES_SRC"])

from django.conf import settings
from django.db import transaction
from rest_framework.test import APIClient
from users.models import User

from sharpeyes.sot import apply, live, loader, plan


class _Resp:
    def __init__(self, r: Any) -> None:
        self.status_code = r.status_code
        self.content = r.content
        self.text = r.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class InProcessRest(live.Rest):
    """`live.Rest` whose requests are dispatched to NetBox's views in this process."""

    def __init__(self) -> None:
        self.base = "/api"
        self.headers = {}
        self.writes = 0
        self.client = APIClient()
        self.client.force_authenticate(User.objects.filter(is_superuser=True).first())

    def _send(self, method: str, url: str, **kw: Any) -> Any:
        path = urlsplit(url).path
        query = urlencode(kw.get("params") or {})
        body = json.dumps(kw["json"]) if "json" in kw else ""
        r = self.client.generic(
            method,
            path,
            body,
            content_type="application/json",
            QUERY_STRING=query,
            HTTP_HOST="127.0.0.1",
        )
        return _Resp(r)


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    limit = int(os.environ.get("SHARPEYES_BENCH_LIMIT") or 0) or None
    ds = loader.load(Path(os.environ["SHARPEYES_BENCH_DATA"])).dataset
    t0 = time.monotonic()
    done = 0

    class _EnoughError(Exception):
        pass

    def progress(_d: str, n: int) -> None:
        nonlocal done
        done += n
        if limit and done >= limit:
            raise _EnoughError

    rest = InProcessRest()
    try:
        with transaction.atomic():
            state = live.fetch(rest, ds.endpoints, workers=1)
            p = plan.compute(ds, state)
            apply.apply(ds, rest, state, p, progress=progress)
    except _EnoughError:
        pass  # the transaction rolled back: a subset measurement
    print(json.dumps({"objects": done, "seconds": round(time.monotonic() - t0, 2)}))


main()
