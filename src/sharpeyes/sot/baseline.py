"""Per-object pynetbox writer: the baseline the bulk apply is measured against (benchmarks).

Same plan, same payloads, same order; only the transport differs: one pynetbox call per object
(`Endpoint.create(dict)`, `Endpoint.update([obj])`, `Record.delete()`), as a straightforward
pynetbox sync script writes them.
"""

from __future__ import annotations

from typing import Any

from sharpeyes.sot.live import Rest
from sharpeyes.sot.schema import Endpoint


class PerObjectRest(Rest):
    """A `Rest` whose writes go one object at a time through pynetbox."""

    def __init__(self, api: Any) -> None:
        super().__init__(api)
        self.api = api

    def _endpoint(self, ep: Endpoint) -> Any:
        app, name = ep.name.split(".", 1)
        return getattr(getattr(self.api, app), name.replace("-", "_"))

    def write(
        self, method: str, ep: Endpoint, body: list[dict[str, Any]], labels: list[str]
    ) -> list[dict[str, Any]]:
        endpoint = self._endpoint(ep)
        out: list[dict[str, Any]] = []
        for obj, label in zip(body, labels, strict=True):
            self.writes += 1
            if method == "POST":
                out.append({"id": endpoint.create(obj).id})
            elif method == "PATCH":
                endpoint.update([obj])
            else:
                raise ValueError(f"{method} {ep.name} {label}: unsupported")
        return out

    def delete_ids(self, ep: Endpoint, ids: list[int]) -> None:
        endpoint = self._endpoint(ep)
        for i in ids:
            self.writes += 1
            rec = endpoint.get(i)
            if rec is not None:
                rec.delete()
