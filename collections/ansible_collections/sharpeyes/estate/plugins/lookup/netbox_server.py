"""Ansible lookup: a video server's role inputs from NetBox, read by the sharpeyes package."""

from __future__ import annotations

DOCUMENTATION = r"""
name: netbox_server
short_description: A video server's network, firewall and hosts inputs from NetBox
version_added: 0.1.0
description:
  - Reads the named video servers from NetBox with the sharpeyes package
    (sharpeyes.servers.netbox), in four API reads whatever their number, and returns one
    dictionary per name with keys C(bonds), C(vlans), C(interfaces) (the shapes of
    the network role's inputs), C(hosts) (every video server's name and address),
    C(management_prefixes), C(platform_prefixes) and C(camera_prefixes) (the firewall's inputs).
  - NetBox's URL and token come from the C(NETBOX_API) and C(NETBOX_TOKEN) environment variables.
options:
  _terms:
    description: Server names (NetBox device names).
    required: true
    type: list
    elements: str
author:
  - sharpeyes
"""

EXAMPLES = r"""
- name: Read the play's servers from NetBox, once (run_once sets the fact on every host)
  ansible.builtin.set_fact:
    __servers_netbox_all: >-
      {{ dict(ansible_play_hosts_all
              | zip(query('sharpeyes.estate.netbox_server', *ansible_play_hosts_all))) }}
  run_once: true
"""

RETURN = r"""
_raw:
  description: One dictionary per server name.
  type: list
  elements: dict
"""

from typing import Any  # noqa: E402

from ansible.errors import AnsibleLookupError  # noqa: E402
from ansible.plugins.lookup import LookupBase  # noqa: E402

try:
    from sharpeyes.errors import SharpeyesError
    from sharpeyes.servers import netbox
    from sharpeyes.sot import client

    IMPORT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the controller's interpreter
    IMPORT_ERROR = str(exc)


class LookupModule(LookupBase):  # type: ignore[misc]
    def run(self, terms: list[Any], variables: Any = None, **kwargs: Any) -> list[Any]:
        if IMPORT_ERROR:
            raise AnsibleLookupError(f"the sharpeyes package is not importable: {IMPORT_ERROR}")
        try:
            api = client.connect()
            return [s.as_vars() for s in netbox.read_many(api, [str(name) for name in terms])]
        except SharpeyesError as exc:
            raise AnsibleLookupError(exc.message) from exc
