"""Install the pinned NetBox wheel in its own venv; render its configuration.

A complete venv is built once per NetBox version and Python into the cache
(`cache_dir()/netbox/venv-<version>-<python tag>/`, in a temporary directory renamed when
complete; psycopg-c compiles here). Each lab's own venv is a hard-linked copy of it (~1 s), so a
warm `up` needs neither PyPI nor pip. (A separate wheelhouse was tried: it only added a second
build pass to the cold path.)"""

from __future__ import annotations

import glob
import logging
import os
import secrets
import shutil
import string
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sharpeyes.errors import LabError
from sharpeyes.lab import _proc

log = logging.getLogger(__name__)

NETBOX_VERSION = "4.7.3"
GUNICORN_SPEC = "gunicorn>=23,<27"
MIN_PYTHON = (3, 12)
MARKER = ".sharpeyes-netbox"
# Characters of generated secrets: no quotes, backslashes or `$`, safe in any config syntax.
SECRET_CHARSET = string.ascii_letters + string.digits + "!#%()*+,-./:;<=>?@[]^_{|}~"


def requirements() -> list[str]:
    return [f"netbox=={NETBOX_VERSION}", GUNICORN_SPEC]


def random_secret(length: int, charset: str = SECRET_CHARSET) -> str:
    return "".join(secrets.choice(charset) for _ in range(length))


def _python_version(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return (int(out[0]), int(out[1])) if len(out) == 2 else None


def candidate_pythons() -> list[str]:
    """Interpreters to try, best first: pyenv's 3.12/3.13, then python3.12/3.13 on PATH."""
    found: list[str] = []
    pyenv_root = os.environ.get("PYENV_ROOT")
    if not pyenv_root and shutil.which("pyenv"):
        proc = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        pyenv_root = proc.stdout.strip() if proc.returncode == 0 else None
    for minor in ("3.12", "3.13"):
        if pyenv_root:
            found += sorted(glob.glob(f"{pyenv_root}/versions/{minor}*/bin/python{minor}"))
        on_path = shutil.which(f"python{minor}")
        if on_path:
            found.append(on_path)
    return found


def find_python() -> str:
    """A Python >= 3.12 for the NetBox venv (the project's interpreter is not reused on purpose)."""
    for python in candidate_pythons():
        version = _python_version(python)
        if version is not None and version >= MIN_PYTHON:
            return python
    raise LabError(
        "no Python >= 3.12 found for the NetBox venv",
        hint="install one with pyenv (pyenv install 3.12) or put python3.12 on PATH",
    )


def python_tag(python: str) -> str:
    version = _python_version(python)
    if version is None:
        raise LabError(f"{python} does not run")
    return f"cp{version[0]}{version[1]}"


def venv_ready(venv: Path) -> bool:
    marker = venv / MARKER
    return marker.is_file() and marker.read_text().strip() == NETBOX_VERSION


def venv_template(cache: Path) -> Path:
    """A complete NetBox venv in the cache, built once with pip; lab venvs copy it.

    Its console scripts carry the build directory in their shebangs, so the lab always runs
    `venv/bin/python -m netbox|gunicorn`, which works wherever the copy lives.
    """
    python = find_python()
    target = cache / "netbox" / f"venv-{NETBOX_VERSION}-{python_tag(python)}"
    if venv_ready(target):
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    log.info(
        "building the NetBox %s venv template %s with %s (once)", NETBOX_VERSION, target, python
    )
    try:
        _proc.run([python, "-m", "venv", str(tmp)], what="creating the NetBox venv", timeout=300)
        _proc.run(
            [str(tmp / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", *requirements()],
            what="installing NetBox into its venv",
        )  # fmt: skip
        (tmp / MARKER).write_text(NETBOX_VERSION + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_venv(venv: Path, cache: Path) -> bool:
    """Give the lab its own NetBox venv, a copy of the cached template (hard links when the
    cache is on the same file system: ~1 s); True when it had to be created."""
    if venv_ready(venv) and (venv / "bin" / "python").exists():
        return False
    template = venv_template(cache)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    tmp = venv.with_name(f".{venv.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        try:
            _proc.run(["cp", "-al", str(template), str(tmp)], what="linking the NetBox venv")
        except LabError:  # another file system: a real copy
            shutil.rmtree(tmp, ignore_errors=True)
            _proc.run(["cp", "-a", str(template), str(tmp)], what="copying the NetBox venv")
        tmp.rename(venv)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


@dataclass(frozen=True)
class ConfigValues:
    """Everything configuration.py needs; secrets come from the lab state file."""

    secret_key: str
    pepper: str
    db_name: str
    db_user: str
    db_password: str
    db_host: str
    db_port: int
    redis_host: str
    redis_port: int
    redis_tasks_db: int = 0
    redis_caching_db: int = 1


def _template(name: str) -> str:
    return resources.files("sharpeyes.lab").joinpath("files", name).read_text(encoding="utf-8")


def render_configuration(values: ConfigValues) -> str:
    """configuration.py text; every value is a Python literal (repr), so nothing can inject code."""
    if len(values.secret_key) < 50:
        raise LabError("SECRET_KEY must be at least 50 characters")
    if len(values.pepper) < 50:
        raise LabError("the API token pepper must be at least 50 characters")
    literals = {key: repr(value) for key, value in vars(values).items()}
    return string.Template(_template("configuration.py.tmpl")).substitute(literals)


def wsgi_module() -> str:
    return _template("lab_wsgi.py.in")


def ensure_admin_script() -> str:
    return _template("ensure_admin.py.in")


def write_if_changed(path: Path, text: str, mode: int = 0o600) -> bool:
    """Write text atomically when it differs; True when the file changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    tmp.replace(path)
    return True
