"""Inventory cache for nb_inventory: ansible.builtin.jsonfile minus ansible-core's data tags.

Why: ansible-core 2.21 serialises every cached value with its data tags. nb_inventory caches the
raw NetBox responses it parsed with the DataLoader, so each scalar is stored as
``{"value": ..., "tags": [{"__ansible_type": "Origin", "description": "<unknown>"}]}`` and reading
it back calls ``typing.get_type_hints`` once per tag (``AnsibleSerializableDataclass._from_dict``):
about 42,000 tags for the estate, so a warm cache took three times longer than asking NetBox.
The tags carry nothing here (origin ``<unknown>``), so this plugin drops them when it writes; it
reads like jsonfile. Used by inventory/netbox.yml (docs/inventory.md, benchmarks/inventory.py).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from ansible.plugins.cache.jsonfile import CacheModule as JsonFileCacheModule

DOCUMENTATION = """
    name: sharpeyes_jsonfile
    short_description: JSON files without ansible-core data tags (fast to read back).
    description:
        - ansible.builtin.jsonfile, except that data tags (Origin) are dropped from the payload.
    options:
      _uri:
        required: True
        description:
          - Path in which the cache plugin will save the JSON files
        env:
          - name: ANSIBLE_CACHE_PLUGIN_CONNECTION
        ini:
          - key: fact_caching_connection
            section: defaults
        type: path
      _prefix:
        description: User defined prefix to use when creating the JSON files
        env:
          - name: ANSIBLE_CACHE_PLUGIN_PREFIX
        ini:
          - key: fact_caching_prefix
            section: defaults
      _timeout:
        default: 86400
        description: Expiration timeout for the cache plugin data
        env:
          - name: ANSIBLE_CACHE_PLUGIN_TIMEOUT
        ini:
          - key: fact_caching_timeout
            section: defaults
        type: integer
"""

_PAYLOAD_KEY = "__payload__"  # ansible.PluginInterposer: the serialised value is a JSON string here
_TYPE_KEY = "__ansible_type"
_TAG_ENVELOPE = frozenset({"value", "tags", _TYPE_KEY})


def _drop_tags(obj: dict[str, Any]) -> Any:
    """json object_hook: a tagged value's envelope becomes the bare value (bottom-up)."""
    if obj.keys() == _TAG_ENVELOPE and str(obj[_TYPE_KEY]).startswith("_AnsibleTagged"):
        return obj["value"]
    return obj


def untag_payload(payload: str) -> str:
    """The serialised cache payload with every tag envelope replaced by its value."""
    return json.dumps(json.loads(payload, object_hook=_drop_tags), separators=(",", ":"))


class CacheModule(JsonFileCacheModule):  # type: ignore[misc]
    """A jsonfile cache whose payloads hold plain JSON."""

    def _dump(self, value: object, filepath: str) -> None:
        if isinstance(value, dict) and isinstance(value.get(_PAYLOAD_KEY), str):
            value = {**value, _PAYLOAD_KEY: untag_payload(value[_PAYLOAD_KEY])}
        pathlib.Path(filepath).write_text(json.dumps(value))
