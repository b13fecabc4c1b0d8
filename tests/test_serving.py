"""Workshop serving: Voila started as `make demo` starts it (jupyter_config/voila.json on
JUPYTER_CONFIG_PATH) keeps the kernel of an open page, however idle, and culls the kernel
of a closed page. The page is closed as a crashed or killed tab closes, without its
``beforeunload`` shutdown request, so only culling can stop the kernel. The culling times
are shortened through the same file: a copy with 10 s instead of minutes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import psutil
import pytest
from _browser import write_notebook

from conftest import REPO_ROOT

SETTINGS = REPO_ROOT / "jupyter_config" / "voila.json"
PAGE_TIMEOUT_MS = 90_000
# Long enough for a loaded machine's page to connect after its notebook ran (an idle kernel
# without a connection is culled, whether its page is still loading or closed).
IDLE_TIMEOUT, INTERVAL = 10, 1


def kernel_status(url, kernel_id) -> int:
    """HTTP status of Voila's ``/api/kernels/<id>``: 200 while the kernel lives, 404 after."""
    try:
        with urllib.request.urlopen(f"{url}api/kernels/{kernel_id}", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def kernel_processes(kernel_id):
    """The processes whose command line names the kernel's connection file."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(kernel_id in part for part in proc.info["cmdline"] or ()):
            found.append(proc)
    return found


def test_make_demo_settings_cull_the_idle_kernels_of_closed_pages_only():
    culling = json.loads(SETTINGS.read_text())["MappingKernelManager"]
    assert culling["cull_connected"] is False  # an open page keeps its kernel
    assert culling["cull_busy"] is False  # a closed page's training run ends first
    # A closed page's kernel is gone within a few minutes.
    assert 0 < culling["cull_idle_timeout"] + culling["cull_interval"] <= 300


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_a_closed_pages_kernel_is_culled(voila_server, jupyter_env, browser, tmp_path):
    settings = json.loads(SETTINGS.read_text())
    settings["MappingKernelManager"].update(cull_idle_timeout=IDLE_TIMEOUT,
                                            cull_interval=INTERVAL)
    config = tmp_path / "jupyter_config"
    config.mkdir()
    (config / "voila.json").write_text(json.dumps(settings))
    jupyter_env["JUPYTER_CONFIG_PATH"] = str(config)  # as the Makefile's VOILA sets it
    notebook = write_notebook(tmp_path / "page.ipynb",
                              "import ipywidgets\nipywidgets.IntSlider(value=7, description='n')")
    url = voila_server(notebook)

    context = browser.new_context()
    page = context.new_page()
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    page.locator(".widget-slider").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    kernel_id = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    assert kernel_status(url, kernel_id) == 200
    assert kernel_processes(kernel_id), "no process for the page's kernel"

    time.sleep(IDLE_TIMEOUT + 3 * INTERVAL)  # idle, but the page is open: kept
    assert kernel_status(url, kernel_id) == 200, "the kernel of an open page was culled"

    page.close()  # no beforeunload: Voila's shutdown request is not sent
    context.close()
    deadline = time.monotonic() + 2 * IDLE_TIMEOUT + 10 * INTERVAL
    while kernel_status(url, kernel_id) == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kernel_status(url, kernel_id) == 404, "the closed page's kernel was not culled"
    gone_by = time.monotonic() + 15
    while kernel_processes(kernel_id) and time.monotonic() < gone_by:
        time.sleep(0.25)
    assert kernel_processes(kernel_id) == [], "the culled kernel's process still runs"
