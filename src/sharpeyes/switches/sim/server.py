"""Serve simulated switches over SSH (asyncssh), one listening port each, in one asyncio process.

Layout of the simulator's directory (`sharpeyes.lab.switches` writes `switches.json`):

    switches.json        {"user", "password", "switches": [SwitchSpec...]}  (mode 0600)
    ssh_host_key         the host key every simulated switch presents (generated once)
    control.sock         the control socket (JSON lines, see `control`)
    ready                written once every port listens: the daemon's pid
    <name>/saved.json    the saved configuration (survives restarts: a restart is a reboot)
    <name>/saved.cfg     the same as `display saved-configuration` prints, for people
    <name>/running.cfg   the running configuration as of the last session's end

Faults (per switch, changed at run time through the control socket): `drop_after` N commands
(the connection is closed without a reply), `reject` (regexes; a matching command gets the
vendor's error and changes nothing), `delay` (seconds before each reply).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from pathlib import Path
from typing import Any

import asyncssh

from sharpeyes.switches.sim.engine import Session, SimSwitch
from sharpeyes.switches.sim.model import Config, SwitchSpec
from sharpeyes.switches.sim.vendors import make_switch

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
SPEC_FILE = "switches.json"
HOST_KEY_FILE = "ssh_host_key"
CONTROL_SOCKET = "control.sock"
READY_FILE = "ready"


def load_switches(directory: Path) -> tuple[dict[str, SimSwitch], str, str]:
    """The switches of `switches.json`, each with its saved configuration if it has one."""
    data = json.loads((directory / SPEC_FILE).read_text())
    user, password = str(data["user"]), str(data["password"])
    switches: dict[str, SimSwitch] = {}
    for raw in data["switches"]:
        spec = SwitchSpec.from_json(raw)
        saved_path = directory / spec.name / "saved.json"
        saved = (
            Config.from_json(json.loads(saved_path.read_text())) if saved_path.is_file() else None
        )
        switches[spec.name] = make_switch(spec, user, saved)
    return switches, user, password


def host_key(directory: Path) -> asyncssh.SSHKey:
    path = directory / HOST_KEY_FILE
    if path.is_file():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(path))
    path.chmod(0o600)
    return key


def persist(directory: Path, switch: SimSwitch, *, saved: bool) -> None:
    """Write the running configuration's text (and the saved one's state when `saved`)."""
    target = directory / switch.spec.name
    target.mkdir(parents=True, exist_ok=True)
    if saved:
        tmp = target / "saved.json.tmp"
        # not sort_keys: the ports keep the device's order (a reload must not resort them)
        tmp.write_text(json.dumps(switch.saved.to_json(), indent=1))
        tmp.replace(target / "saved.json")
        (target / "saved.cfg").write_text(switch.current_configuration(saved=True) + "\n")
    (target / "running.cfg").write_text(switch.current_configuration() + "\n")


class _Auth(asyncssh.SSHServer):
    def __init__(self, user: str, password: str) -> None:
        self._user = user
        self._password = password

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self._user and password == self._password


class Simulator:
    """All switches of one directory, their SSH listeners and the control socket."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.switches, self.user, self.password = load_switches(directory)
        self.sessions: dict[str, int] = dict.fromkeys(self.switches, 0)
        self._servers: list[Any] = []
        self._procs: set[asyncssh.SSHServerProcess[str]] = set()

    async def start(self) -> None:
        key = host_key(self.directory)
        for switch in self.switches.values():
            server = await asyncssh.create_server(
                lambda: _Auth(self.user, self.password),
                HOST,
                switch.spec.port,
                server_host_keys=[key],
                process_factory=lambda proc, sw=switch: self._serve(sw, proc),
                encoding="utf-8",
                line_editor=True,
                # echo each line when it is processed, not when it arrives: a client that types
                # ahead (netmiko sends several Enters) must see echo, reply, prompt, in order
                line_echo=False,
                keepalive_interval=0,
            )
            if not switch.spec.port:  # 0: any free port (tests)
                switch.spec.port = int(server.sockets[0].getsockname()[1])
            self._servers.append(server)
        sock = self.directory / CONTROL_SOCKET
        sock.unlink(missing_ok=True)
        self._servers.append(await asyncio.start_unix_server(self._control, path=str(sock)))
        sock.chmod(0o600)

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for proc in list(self._procs):
            proc.channel.abort()
        for _ in range(50):  # let the aborted sessions finish (up to 1 s)
            if not self._procs:
                break
            await asyncio.sleep(0.02)
        for switch in self.switches.values():
            persist(self.directory, switch, saved=False)

    async def _serve(self, switch: SimSwitch, process: asyncssh.SSHServerProcess[str]) -> None:
        session = Session(switch)
        self.sessions[switch.spec.name] += 1
        self._procs.add(process)
        try:
            if process.command:  # `ssh host 'display vlan'`: one command, no prompt
                out = session.execute(process.command)
                process.stdout.write(out.replace("\n", "\r\n") + "\r\n")
                await self._after(switch, session)
                return
            process.stdout.write(session.greeting().replace("\n", "\r\n"))
            while not session.closed:
                try:
                    line = await process.stdin.readline()
                except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged):
                    continue
                if not line:
                    break
                faults = switch.faults
                if faults.drop_after is not None and session.commands >= faults.drop_after:
                    log.info("%s: dropping the session (fault)", switch.spec.name)
                    process.channel.abort()
                    return
                saved_before = switch.saved
                out = session.feed(line.rstrip("\r\n"))
                if switch.saved is not saved_before:
                    persist(self.directory, switch, saved=True)
                if faults.delay:
                    await asyncio.sleep(faults.delay)
                echo = line.rstrip("\r\n") + "\n"
                process.stdout.write((echo + out).replace("\n", "\r\n"))
            await self._after(switch, session)
        except (asyncssh.Error, ConnectionError, BrokenPipeError) as exc:
            log.debug("%s: session ended: %s", switch.spec.name, exc)
        finally:
            self._procs.discard(process)
            self.sessions[switch.spec.name] -= 1
            with contextlib.suppress(Exception):
                process.exit(0)

    async def _after(self, switch: SimSwitch, session: Session) -> None:
        persist(self.directory, switch, saved=False)

    # --- control socket ------------------------------------------------------------------

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    reply = self.handle(json.loads(line))
                except (KeyError, ValueError, TypeError) as exc:
                    reply = {"ok": False, "error": str(exc)}
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """One control request: `status`, `faults`, `reboot`, `config`, `exec`."""
        op = request.get("op")
        if op == "status":
            return {
                "ok": True,
                "pid": os.getpid(),
                "switches": {
                    name: {
                        "platform": sw.spec.platform,
                        "port": sw.spec.port,
                        "sessions": self.sessions[name],
                        "faults": vars(sw.faults),
                        "unsaved": sw.running.to_json() != sw.saved.to_json(),
                    }
                    for name, sw in self.switches.items()
                },
            }
        switch = self._switch(request)
        if op == "faults":
            if request.get("clear"):
                switch.faults.drop_after, switch.faults.reject, switch.faults.delay = None, [], 0
            for key in ("drop_after", "reject", "delay"):
                if key in request:
                    setattr(switch.faults, key, request[key])
            return {"ok": True, "faults": vars(switch.faults)}
        if op == "reboot":
            switch.reboot()
            persist(self.directory, switch, saved=False)
            return {"ok": True}
        if op == "config":
            return {"ok": True, "config": switch.current_configuration(bool(request.get("saved")))}
        if op == "exec":  # run CLI lines as an operator would (a manual change)
            session = Session(switch)
            out = [session.feed(str(line)) for line in request["lines"]]
            persist(self.directory, switch, saved=False)
            return {"ok": True, "output": out}
        raise ValueError(f"unknown op {op!r}")

    def _switch(self, request: dict[str, Any]) -> SimSwitch:
        name = request.get("switch")
        if name not in self.switches:
            raise KeyError(f"no simulated switch {name!r}")
        return self.switches[str(name)]


async def serve(directory: Path) -> None:
    """Run until SIGTERM/SIGINT; write `ready` once every port listens."""
    sim = Simulator(directory)
    await sim.start()
    (directory / READY_FILE).write_text(f"{os.getpid()}\n")
    log.info("serving %d switches", len(sim.switches))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        (directory / READY_FILE).unlink(missing_ok=True)
        await sim.close()


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m sharpeyes.switches.sim")
    parser.add_argument("directory", type=Path, help="the simulator's state directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(serve(args.directory.resolve()))
    return 0
