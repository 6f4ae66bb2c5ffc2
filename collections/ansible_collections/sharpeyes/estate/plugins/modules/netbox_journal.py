"""Ansible module: add a journal entry to a NetBox device (the record of what was done to it)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: netbox_journal
short_description: Add a journal entry to a NetBox device
version_added: 0.2.0
description:
  - Appends a journal entry (C(extras.journal-entries)) to the device named I(name), an event
    record such as an installed version or a rollback. Every call adds one entry (changed); check
    mode adds none.
  - Runs on the controller (a local connection) with an interpreter that has the sharpeyes
    package installed (C(ansible_python_interpreter) set to C(ansible_playbook_python)); NetBox's
    URL and token default to C(NETBOX_API) and C(NETBOX_TOKEN).
options:
  name:
    description: The device's NetBox name.
    type: str
    required: true
  kind:
    description: NetBox journal entry kind.
    type: str
    choices: [info, success, warning, danger]
    default: info
  comments:
    description: The entry's text (Markdown).
    type: str
    required: true
  netbox_url:
    description: NetBox API URL; default the C(NETBOX_API) environment variable.
    type: str
  netbox_token:
    description: NetBox API token; default the C(NETBOX_TOKEN) environment variable.
    type: str
author:
  - sharpeyes
"""

EXAMPLES = r"""
- name: Record the installed version in NetBox
  sharpeyes.estate.netbox_journal:
    name: "{{ inventory_hostname }}"
    kind: success
    comments: "video platform 2.0 installed"
  delegate_to: localhost
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""

RETURN = r"""
id:
  description: The new journal entry's id (absent in check mode).
  returned: changed
  type: int
"""

from typing import Any  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

try:
    import pynetbox

    from sharpeyes.errors import SharpeyesError
    from sharpeyes.sot import client

    IMPORT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the controller's interpreter
    IMPORT_ERROR = str(exc)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "kind": {
                "type": "str",
                "choices": ["info", "success", "warning", "danger"],
                "default": "info",
            },
            "comments": {"type": "str", "required": True},
            "netbox_url": {"type": "str"},
            "netbox_token": {"type": "str", "no_log": True},
        },
        supports_check_mode=True,
    )
    if IMPORT_ERROR:
        module.fail_json(
            msg=f"the sharpeyes package is not importable by this interpreter ({IMPORT_ERROR}): "
            "set ansible_python_interpreter to ansible_playbook_python"
        )
    p: dict[str, Any] = module.params
    try:
        api = client.connect(p["netbox_url"], p["netbox_token"])
        # brief: the full device renders its config context, seconds per call on a loaded NetBox
        device = api.dcim.devices.get(name=p["name"], brief=True)
        if device is None:
            module.fail_json(msg=f"device {p['name']}: not in NetBox (dcim.devices)")
        if module.check_mode:
            module.exit_json(changed=True)
        entry = api.extras.journal_entries.create(
            assigned_object_type="dcim.device",
            assigned_object_id=device.id,
            kind=p["kind"],
            comments=p["comments"],
        )
    except SharpeyesError as exc:
        module.fail_json(msg=exc.message)
    except pynetbox.RequestError as exc:
        module.fail_json(msg=f"device {p['name']}: NetBox refused the journal entry: {exc.error}")
    module.exit_json(changed=True, id=int(entry.id))


if __name__ == "__main__":
    main()
