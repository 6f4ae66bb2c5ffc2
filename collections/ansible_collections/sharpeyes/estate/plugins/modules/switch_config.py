"""Ansible module: converge one access switch to the configuration NetBox implies."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: switch_config
short_description: Converge a Huawei VRP or H3C Comware switch to its NetBox configuration
version_added: 0.1.0
description:
  - Reads the switch from NetBox, renders its configuration (templates/switches), computes the
    remediation with hier_config against the running configuration, backs the running
    configuration up, sends the commands with netmiko, re-reads and verifies, then saves.
  - A failed send or verify rolls the switch back to the backup just taken and fails the task.
  - The same code as C(sharpeyes switch push) and C(sharpeyes switch verify).
  - Runs on the controller (a local connection) with an interpreter that has the sharpeyes
    package installed, i.e. C(ansible_python_interpreter) set to C(ansible_playbook_python).
options:
  name:
    description: The switch's NetBox device name.
    type: str
    required: true
  host:
    description: Address of its SSH service (the inventory's C(ansible_host)).
    type: str
    required: true
  port:
    description: TCP port of its SSH service.
    type: int
    default: 22
  username:
    description: Login user (the switch's local AAA user).
    type: str
    required: true
  password:
    description: Login password.
    type: str
    required: true
  device_type:
    description: netmiko device type (the inventory's C(ansible_network_os)).
    type: str
    choices: [huawei, hp_comware]
    required: true
  state:
    description:
      - C(pushed) sends the remediation (check mode only reports it).
      - C(verified) changes nothing and fails when the switch drifted from NetBox.
    type: str
    choices: [pushed, verified]
    default: pushed
  backup_dir:
    description: Backup tree (latest + history per switch); default the lab state directory's.
    type: path
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
- name: Converge the switch configuration to NetBox
  sharpeyes.estate.switch_config:
    name: "{{ inventory_hostname }}"
    host: "{{ ansible_host }}"
    port: "{{ ansible_port | default(22) }}"
    username: "{{ ansible_user }}"
    password: "{{ ansible_password }}"
    device_type: "{{ ansible_network_os }}"
"""

RETURN = r"""
commands:
  description: The commands sent (pushed), or that would be sent (check mode, verified drift).
  returned: always
  type: list
  elements: str
result:
  description: The pipeline's result for the switch (unchanged, changed, ok, drift, rolled back).
  returned: always
  type: str
backup:
  description: The backup file written before the push.
  returned: when state is pushed and not in check mode
  type: str
"""

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

try:  # the usual module idiom: report a missing library as a task failure, not a traceback
    from sharpeyes.errors import SharpeyesError
    from sharpeyes.sot import client
    from sharpeyes.switches import netbox, pipeline
    from sharpeyes.switches.session import Target

    IMPORT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    IMPORT_ERROR = str(exc)


def _switch(params: dict[str, Any]) -> Any:
    found = netbox.load(
        client.connect(params["netbox_url"], params["netbox_token"]), names=[params["name"]]
    )
    if not found:
        raise LookupError(f"switch {params['name']}: not an access switch in NetBox")
    return found[0]


def run(module: AnsibleModule) -> dict[str, Any]:
    p = module.params
    target = Target(
        name=p["name"],
        host=p["host"],
        port=p["port"],
        user=p["username"],
        password=p["password"],
        device_type=p["device_type"],
    )
    try:
        sw = _switch(p)
        if p["state"] == "verified":
            res = pipeline.verify_one(sw, target)
        elif module.check_mode:
            res = pipeline.diff_one(sw, target)
        else:
            directory = Path(p["backup_dir"]) if p["backup_dir"] else None
            res = pipeline.push_one(sw, target, directory or pipeline.default_backup_dir())
    except (SharpeyesError, LookupError, OSError) as exc:
        module.fail_json(msg=pipeline.describe(exc))
    out: dict[str, Any] = {
        "changed": res.result == pipeline.CHANGED,
        "commands": res.commands,
        "result": res.result,
    }
    if res.commands and module._diff:
        out["diff"] = {"prepared": "\n".join(res.commands) + "\n"}
    if res.result == pipeline.DRIFT:
        module.fail_json(msg=f"switch {p['name']} drifted from NetBox: {res.detail}", **out)
    if res.result in (pipeline.FAILED, pipeline.ROLLED_BACK):
        module.fail_json(msg=f"switch {p['name']} {res.result}: {res.detail}", **out)
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "host": {"type": "str", "required": True},
            "port": {"type": "int", "default": 22},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "required": True, "no_log": True},
            "device_type": {"type": "str", "required": True, "choices": ["huawei", "hp_comware"]},
            "state": {"type": "str", "default": "pushed", "choices": ["pushed", "verified"]},
            "backup_dir": {"type": "path"},
            "netbox_url": {"type": "str"},
            "netbox_token": {"type": "str", "no_log": True},
        },
        supports_check_mode=True,
    )
    if IMPORT_ERROR:
        module.fail_json(
            msg=f"the sharpeyes package is not importable by this interpreter ({IMPORT_ERROR}): "
            "run the module on the controller with "
            "ansible_python_interpreter={{ ansible_playbook_python }}"
        )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
