"""Shared fixtures: free ports, an isolated Jupyter environment, Voila servers, Chromium.

Servers and kernels are real and bound to 127.0.0.1; the browser is Debian's Chromium
driven by Playwright. Executables are taken from the running interpreter's environment
(``sys.executable``), so the tests use the project's virtual environment even when it
is not activated.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
VENV_BIN = Path(sys.executable).parent
VENV_JUPYTER_PATH = Path(sys.prefix) / "share" / "jupyter"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

SERVER_START_TIMEOUT = 60.0
RANDOM_SEED = 1

# `make test` runs three workers on two cores, each with its own TensorFlow, and kernels and
# servers beside them: one thread per TensorFlow pool keeps their threads from spinning
# against each other (a set of training tests took 6-11 % less time). Kernels started by the
# tests inherit it.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")


def ipython_shell():
    """The test session's IPython shell with ``%dl`` loaded: one per process, shared by modules.

    ``globalipapp.get_ipython`` is looked up on the module each time: the name that
    ``from globalipapp import get_ipython`` binds stays the pre-start function, which
    returns None once another module has started the shell.
    """
    from IPython.testing import globalipapp

    shell = globalipapp.start_ipython() or globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "dl_notebook")
    return shell


def run_cell(ip, code):
    """Run *code* as a cell in *ip*; return (its ExecutionResult, everything it printed)."""
    import contextlib
    import io
    import re

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        result = ip.run_cell(code)
    return result, re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())


def _find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _venv_executable(name: str) -> list[str]:
    """Command prefix for a console script of this environment (``voila``, ``jupyter``)."""
    script = VENV_BIN / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", name]


def _log_tail(path: Path, n_chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except OSError:
        return "(no log)"


def _wait_for_http(url: str, proc: subprocess.Popen, timeout: float, log_path: Path) -> None:
    """Wait until *url*'s server answers any HTTP request; fail early if *proc* exits."""
    probe = url.rstrip("/") + "/favicon.ico"  # cheap: does not execute the notebook
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"server exited with code {proc.returncode} before answering on {url}:\n"
                f"{_log_tail(log_path)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP status means the server is up
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.25)
    pytest.fail(
        f"server did not answer on {url} within {timeout:.0f} s:\n{_log_tail(log_path)}",
        pytrace=False,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _seed_everything() -> None:
    random.seed(RANDOM_SEED)
    np.random.seed(RANDOM_SEED)
    keras = sys.modules.get("keras")  # not imported here: many tests never load Keras
    if keras is not None:
        keras.utils.set_random_seed(RANDOM_SEED)


@pytest.fixture(autouse=True, scope="module")
def _same_random_start_per_file():
    """Each test file starts from the same random state (for its module-wide fixtures)."""
    _seed_everything()


@pytest.fixture(autouse=True)
def _same_random_start():
    """Each test starts from the same random state, whichever tests ran before it.

    A network draws its weights when it is built, from Keras' global generator (seeded
    from Python's ``random`` when Keras loads), so without this a learning test's
    result would depend on the run and on the tests its worker ran first.
    """
    _seed_everything()


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return _find_free_port()


@pytest.fixture
def jupyter_env(tmp_path_factory) -> dict[str, str]:
    """Environment for Jupyter processes, isolated from the user's Jupyter and IPython setup.

    Config, data, runtime and IPython folders point into a temporary folder; the
    environment's ``share/jupyter`` stays on ``JUPYTER_PATH`` so installed labextensions
    (ipywidgets, anywidget, ours) and the ``python3`` kernel spec are still found.
    """
    root = tmp_path_factory.mktemp("jupyter")
    dirs = {
        "JUPYTER_CONFIG_DIR": root / "config",
        "JUPYTER_DATA_DIR": root / "data",
        "JUPYTER_RUNTIME_DIR": root / "runtime",
        "IPYTHONDIR": root / "ipython",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({key: str(path) for key, path in dirs.items()})
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(VENV_JUPYTER_PATH), os.environ.get("JUPYTER_PATH", "")) if p
    )
    env["PATH"] = os.pathsep.join((str(VENV_BIN), os.environ.get("PATH", "")))
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


class _Servers:
    """Local servers of one test: started on free ports, stopped by their process objects."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, name: str, command, cwd: Path, timeout: float) -> str:
        """Run ``command(port)`` and return the URL once it answers HTTP."""
        port = _find_free_port()
        log_path = self.log_dir / f"{name}-{port}.log"
        log = open(log_path, "wb")  # closed by stop_all
        proc = subprocess.Popen(
            command(port), cwd=cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.started.append((proc, log))
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, proc, timeout, log_path)
        return url

    def stop_all(self) -> None:
        for proc, log in reversed(self.started):
            _stop(proc)
            log.close()


@pytest.fixture
def voila_server(jupyter_env, tmp_path):
    """Factory: ``url = voila_server(notebook_path)`` starts Voila on 127.0.0.1 and a free port.

    The call returns once the server answers HTTP (at most 60 s). Every server started
    through the factory is terminated, by its process object, when the test ends. The
    server log is written to ``tmp_path`` and shown when start-up fails.

    Example:
        def test_page(voila_server, page):
            page.goto(voila_server(NOTEBOOKS_DIR / "workshop.ipynb"))
    """
    servers = _Servers(jupyter_env, tmp_path)

    def start(notebook_path, *extra_args: str, timeout: float = SERVER_START_TIMEOUT) -> str:
        notebook_path = Path(notebook_path).resolve()
        if not notebook_path.is_file():
            pytest.fail(f"notebook not found: {notebook_path}", pytrace=False)
        return servers.start("voila", lambda port: [
            *_venv_executable("voila"),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
            *extra_args,
            str(notebook_path),
        ], REPO_ROOT, timeout)

    yield start
    servers.stop_all()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (one per test session)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium. "
            "Run `make test`, which installs it (apt-get install -y chromium).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page; uncaught page errors are collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    new_page = context.new_page()
    new_page.errors = []

    def record_error(error) -> None:
        new_page.errors.append(error)

    new_page.on("pageerror", record_error)
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture
def jupyterlab_server(jupyter_env, tmp_path):
    """Factory: ``url = jupyterlab_server(root_dir)`` starts JupyterLab on 127.0.0.1 and a free port.

    The server has no token or password and serves *root_dir*; open a notebook in it at
    ``url + "lab/tree/<name>.ipynb"``. The call returns once the server answers HTTP (at
    most 60 s); every server started through the factory is terminated, by its process
    object, when the test ends. The log is written to ``tmp_path``.

    Example:
        def test_lab(jupyterlab_server, page, tmp_path):
            page.goto(jupyterlab_server(tmp_path) + "lab/tree/nb.ipynb")
    """
    servers = _Servers(jupyter_env, tmp_path)

    def start(root_dir, *extra_args: str, timeout: float = SERVER_START_TIMEOUT) -> str:
        root_dir = Path(root_dir).resolve()
        return servers.start("jupyterlab", lambda port: [
            *_venv_executable("jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.token=",
            "--ServerApp.password=",
            "--ServerApp.ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root_dir}",
            "--LabApp.news_url=None",
            *extra_args,
        ], root_dir, timeout)

    yield start
    servers.stop_all()
