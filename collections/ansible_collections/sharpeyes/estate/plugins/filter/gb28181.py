"""Ansible filter: what is wrong with a GB/T 28181 id, by the package's one rule set."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

try:
    from sharpeyes import vocab
    from sharpeyes.ids import gb28181

    IMPORT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the controller's interpreter
    IMPORT_ERROR = str(exc)

DOCUMENTATION = r"""
name: gb28181_problems
short_description: Problems of a GB/T 28181 id, expecting one type code
version_added: 0.2.0
description:
  - Applies the project's GB id rules (C(sharpeyes.ids.gb28181.problems)) to the value and, when
    I(type_code) is given, requires that type code (e.g. C(200) for a SIP server).
  - Returns a list of problems, empty when the id is fine; a missing id is one problem.
  - Given a list of ids, returns the problems of all of them, each prefixed with its id and a colon.
positional: type_code
options:
  _input:
    description: The id (20 digits), empty or None when missing; or a list of ids.
    type: raw
    required: true
  type_code:
    description: The required type code (digits 11-13), e.g. C(200), C(202), C(210).
    type: str
  duty:
    description:
      - A video server's platform duty (C(sip), C(media-distribution), C(media-storage), ...), whose
        type code is then required (C(sharpeyes.vocab.SERVER_DUTY_TYPE_CODES)).
    type: str
"""


def gb28181_problems(
    value: Any, type_code: str | None = None, duty: str | None = None
) -> list[str]:
    """Problems of `value` as a GB/T 28181 id of type `type_code`, or of the type code of a
    server's platform `duty` (empty list: fine)."""
    if IMPORT_ERROR:
        raise AnsibleFilterError(f"the sharpeyes package is not importable: {IMPORT_ERROR}")
    if isinstance(value, list):
        return [
            f"{one}: {problem}"
            for one in value
            for problem in gb28181_problems(one, type_code, duty)
        ]
    if duty:
        codes: dict[str, str] = dict(vocab.SERVER_DUTY_TYPE_CODES)
        if duty not in codes:
            return [f"unknown platform duty {duty!r} (one of {', '.join(sorted(codes))})"]
        type_code = codes[duty]
    if value is None or str(value).strip() == "":
        return ["missing"]
    text = str(value).strip()
    found = gb28181.problems(text, role=None)
    if found:
        return found
    actual = gb28181.parse(text).type_code
    if type_code and actual != str(type_code):
        return [f"type code {actual}, expected {type_code}"]
    return []


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"gb28181_problems": gb28181_problems}
