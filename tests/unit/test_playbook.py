"""run_playbook: the PLAY RECAP parsed from real ansible-playbook output; failures raise."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sharpeyes import playbook
from sharpeyes.errors import TargetFailed
from sharpeyes.playbook import HostRecap, PlaybookFailed, parse_recap, run_playbook

# Real output of ansible-core 2.21 with profile_tasks (its TASKS RECAP follows the PLAY RECAP).
SAMPLES = Path(__file__).parent / "data" / "ansible_recap"


def _sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def test_recap_of_a_run_with_failed_unreachable_rescued_and_ignored_hosts() -> None:
    assert parse_recap(_sample("failed_and_unreachable.txt")) == {
        "alpha": HostRecap("alpha", ok=4, changed=1, skipped=2, rescued=1, ignored=1),
        "beta": HostRecap("beta", ok=2, failed=1, skipped=3),
        "gone.example": HostRecap("gone.example", unreachable=1),
    }


def test_recap_of_a_converged_run() -> None:
    recap = parse_recap(_sample("converged.txt"))
    assert recap == {"alpha": HostRecap("alpha", ok=4, changed=1, skipped=2, rescued=1, ignored=1)}
    assert not recap["alpha"].bad


def test_no_recap_when_ansible_stopped_before_any_host() -> None:
    assert parse_recap(_sample("no_recap.txt")) == {}


def test_task_output_and_colour_codes_are_not_mistaken_for_hosts() -> None:
    text = (
        'ok: [h1] => {\n    "msg": "x : ok=9 changed=9"\n}\n'
        "\x1b[0;33mPLAY RECAP *********\x1b[0m\n"
        "\x1b[0;33mh1\x1b[0m                  : \x1b[0;32mok=3\x1b[0m    changed=2    "
        "unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n"
        "\n"
        "x ---------------------------------------------- 0.68s\n"
    )
    assert parse_recap(text) == {"h1": HostRecap("h1", ok=3, changed=2)}


def _fake_ansible(tmp_path: Path, sample: str, code: int) -> str:
    """An `ansible-playbook` that prints a recorded run and exits like it did."""
    exe = tmp_path / "ansible-playbook"
    exe.write_text(f"#!/bin/sh\ncat '{SAMPLES / sample}'\necho \"args: $*\" >&2\nexit {code}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return str(exe)


def test_run_playbook_returns_the_parsed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        playbook, "ansible_playbook", lambda: _fake_ansible(tmp_path, "converged.txt", 0)
    )
    result = run_playbook("site.yml", "--check", cwd=tmp_path)
    assert result.ok and result.changed == 1 and list(result.recap) == ["alpha"]
    assert result.output.rstrip().endswith("args: site.yml --check")  # stderr merged, in order


def test_failed_and_unreachable_hosts_raise_naming_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        playbook,
        "ansible_playbook",
        lambda: _fake_ansible(tmp_path, "failed_and_unreachable.txt", 4),
    )
    with pytest.raises(PlaybookFailed) as err:
        run_playbook("playbooks/site.yml", cwd=tmp_path)
    first_line = err.value.message.splitlines()[0]
    assert first_line == (
        "ansible-playbook playbooks/site.yml exited 4: failed on beta; unreachable: gone.example"
    )
    assert err.value.message.endswith("args: playbooks/site.yml")  # the tail of the output
    assert isinstance(err.value, TargetFailed) and err.value.exit_code == 1
    assert err.value.result.failed_hosts == ["beta"]


def test_a_failed_host_raises_even_when_the_exit_code_is_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        playbook,
        "ansible_playbook",
        lambda: _fake_ansible(tmp_path, "failed_and_unreachable.txt", 0),
    )
    with pytest.raises(PlaybookFailed, match="exited 0: failed on beta"):
        run_playbook("site.yml", cwd=tmp_path)


def test_a_run_without_recap_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        playbook, "ansible_playbook", lambda: _fake_ansible(tmp_path, "no_recap.txt", 4)
    )
    with pytest.raises(PlaybookFailed) as err:
        run_playbook("bad.yml", cwd=tmp_path)
    assert "exited 4: no PLAY RECAP" in err.value.message
    assert "couldn't resolve module/action 'ansible.builtin.nosuchmodule'" in err.value.message
