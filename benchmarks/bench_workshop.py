"""A class on one machine: N students open the *Train and inspect* dashboard in one Voila.

Run with ``python benchmarks/bench_workshop.py`` (20 pages) or ``--pages 3`` for a small
run. One Voila server serves notebooks/dashboards/train_inspect.ipynb with the settings of
``make demo`` (jupyter_config/voila.json, on JUPYTER_CONFIG_PATH), culling included;
``--cull-timeout`` and ``--cull-interval`` shorten it for quick runs, but a timeout shorter
than a loaded server needs to connect a page to its kernel culls that kernel first (with
20 pages on 2 cores and 30 s, 11 pages never became interactive). One
headless Chromium (Debian's, driven by Playwright) opens the pages one after the other,
``--stagger`` seconds apart, each in its own browser context as each student's browser
would; each page sets 2 epochs (``--epochs``) of LeNet-5 on the bundled digits, presses
Train and waits until the run ends. Then every page is closed without its
``beforeunload`` shutdown request (a killed tab), so only culling stops the kernels.

Measured:

* time to first interactive page: from ``page.goto`` until the Train button is shown and
  the app says "Pick a dataset" (median and worst over the pages);
* training time per page, from the click on Train to "Trained 2 epochs" (median, worst);
* memory: the sum of RSS over the server's process tree (the server and its kernels),
  sampled every 0.5 s: before the first page, its peak, and after all pages closed and
  culling ran (with the number of kernels left);
* pages that failed: an error status, a traceback on the page, or a page error.

``--preheat N`` turns on Voila's pre-heated kernels (``preheat_kernel``, pool of N per
notebook) to compare the first page's time with and without them. Target: 20 pages on
this 2-core, 24 GB machine with nothing lost and memory back to its baseline after culling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
DASHBOARD = REPO / "notebooks" / "dashboards" / "train_inspect.ipynb"
SETTINGS = REPO / "jupyter_config" / "voila.json"
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STATUS_JS = """() => {
    const m = document.querySelector('.dln-ti-status .dln-ti-message');
    return m ? {text: m.textContent, kind: m.dataset.kind} : null;
}"""
MB = 2**20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TreeMemory(threading.Thread):
    """Samples the RSS summed over a process and its descendants every *every* seconds."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.root, self.every = psutil.Process(pid), every
        self.peak = self.last = 0
        self.kernels = 0
        self.stopped = threading.Event()

    def sample(self) -> int:
        total, kernels = 0, 0
        for proc in [self.root, *self.root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
                kernels += any("ipykernel" in part for part in proc.cmdline())
            except psutil.Error:
                continue  # ended between the listing and the reading
        self.last, self.kernels = total, kernels
        self.peak = max(self.peak, total)
        return total

    def run(self):
        while not self.stopped.wait(self.every):
            self.sample()


def start_voila(tmp: Path, port: int, args) -> subprocess.Popen:
    """Voila on *port* with make demo's settings (culling as --cull-timeout says), in a Jupyter env of *tmp*."""
    settings = json.loads(SETTINGS.read_text())
    settings["MappingKernelManager"].update(cull_idle_timeout=args.cull_timeout,
                                            cull_interval=args.cull_interval)
    if args.preheat:
        settings.setdefault("VoilaConfiguration", {}).update(preheat_kernel=True,
                                                             default_pool_size=args.preheat)
    config = tmp / "config_path"
    config.mkdir()
    (config / "voila.json").write_text(json.dumps(settings))
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(config), JUPYTER_PLATFORM_DIRS="1",
               PYTHONUNBUFFERED="1", DL_NOTEBOOK_DATA_ROOT=str(tmp / "data"),
               PATH=os.pathsep.join((str(VENV_BIN), os.environ.get("PATH", ""))),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[name] = str(tmp / name.lower())
    (tmp / "data").mkdir()
    log = open(tmp / "voila.log", "wb")  # noqa: SIM115 (kept open for the server's life)
    proc = subprocess.Popen(
        [str(VENV_BIN / "voila"), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
         "--Voila.port_retries=0", str(DASHBOARD)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"voila exited:\n{(tmp / 'voila.log').read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=2)
            return proc
        except OSError as error:
            if getattr(error, "code", None):
                return proc  # any HTTP answer: the server is up
            time.sleep(0.25)
    sys.exit("voila did not answer within 120 s")


async def student(browser, url, index, args, results):
    """One page: open, wait until interactive, train, wait for the end; keep it open."""
    await asyncio.sleep(index * args.stagger)
    context = await browser.new_context(viewport={"width": 1280, "height": 2000})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    result = {"page": index, "errors": errors}
    results.append(result)
    timeout = args.timeout * 1000
    try:
        start = time.perf_counter()
        await page.goto(url, timeout=timeout)
        await page.locator(".dln-ti-train").first.wait_for(state="visible", timeout=timeout)
        await page.wait_for_function(
            "() => { const m = document.querySelector('.dln-ti-status .dln-ti-message');"
            " return m && m.textContent.startsWith('Pick a dataset'); }", timeout=timeout)
        result["interactive_s"] = time.perf_counter() - start
        box = page.locator(".dln-ti-epochs input")
        await box.fill(str(args.epochs))
        await box.press("Enter")
        if args.size:
            await page.locator(".dln-ti-size select").select_option(label=str(args.size))
        start = time.perf_counter()
        await page.locator(".dln-ti-train button, button.dln-ti-train").first.click()
        await page.wait_for_function(
            "() => { const m = document.querySelector('.dln-ti-status .dln-ti-message');"
            " return m && ['finished', 'stopped', 'error'].includes(m.dataset.kind); }",
            timeout=timeout)
        result["train_s"] = time.perf_counter() - start
        result["status"] = await page.evaluate(STATUS_JS)
        if await page.get_by_text("Traceback").count():
            errors.append("a traceback is shown")
    except Exception as error:  # a lost page is a result, not the end of the run
        errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    result["close"] = lambda: context.close()  # no beforeunload: only culling stops it


async def run_class(url, args, memory):
    from playwright.async_api import async_playwright

    results = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        await asyncio.gather(*(student(browser, url, i, args, results)
                               for i in range(args.pages)))
        peak_open = memory.peak
        for result in results:
            await result.pop("close")()
        await browser.close()
    return results, peak_open


def wait_for_culling(memory, args) -> float:
    """Seconds until no kernel is left (or the limit of a few culling rounds)."""
    start = time.perf_counter()
    limit = args.cull_timeout + 4 * args.cull_interval + 60
    while time.perf_counter() - start < limit:
        memory.sample()
        if memory.kernels <= args.preheat:  # a pre-heated pool is kept on purpose
            break
        time.sleep(1)
    time.sleep(2)  # the server frees what it held for the kernels
    memory.sample()
    return time.perf_counter() - start


def summary(values):
    return (f"median {statistics.median(values):.1f} s, worst {max(values):.1f} s"
            if values else "none")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="students (pages), default 20")
    parser.add_argument("--stagger", type=float, default=5.0,
                        help="seconds between two students opening the page")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--size", type=int, default=0,
                        help="image size to pick (default: the dashboard's own)")
    demo = json.loads(SETTINGS.read_text())["MappingKernelManager"]
    parser.add_argument("--cull-timeout", type=int, default=demo["cull_idle_timeout"],
                        help="seconds a closed page's kernel may stay idle (default: make demo's)")
    parser.add_argument("--cull-interval", type=int, default=demo["cull_interval"])
    parser.add_argument("--preheat", type=int, default=0,
                        help="Voila's pre-heated kernels per notebook (0: off, as make demo)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds one page may take to load or to train")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out

    with tempfile.TemporaryDirectory(prefix="bench_workshop_") as tmp:
        port = free_port()
        server = start_voila(Path(tmp), port, args)
        try:
            memory = TreeMemory(server.pid)
            if args.preheat:
                time.sleep(5)
                while memory.sample() and memory.kernels < args.preheat:
                    time.sleep(1)
                time.sleep(20)  # the pool's notebooks execute
            baseline = memory.sample()
            memory.start()
            started = time.perf_counter()
            results, peak = asyncio.run(run_class(f"http://127.0.0.1:{port}/", args, memory))
            wall = time.perf_counter() - started
            culled_in = wait_for_culling(memory, args)
            memory.stopped.set()
        finally:
            server.terminate()
            server.wait(30)

    ok = [r for r in results if not r["errors"] and (r.get("status") or {}).get("kind")
          == "finished"]
    print(f"bench_workshop: {args.pages} pages, {args.stagger:g} s apart, LeNet-5 "
          f"{args.epochs} epochs each; preheat {args.preheat or 'off'}; "
          f"cull after {args.cull_timeout} s idle, every {args.cull_interval} s")
    print(f"  pages trained to the end: {len(ok)} of {args.pages} (whole run {wall:.0f} s)")
    print(f"  first interactive page:   {summary([r['interactive_s'] for r in results if 'interactive_s' in r])}")
    print(f"  training (2 epochs):      {summary([r['train_s'] for r in results if 'train_s' in r])}")
    print(f"  memory, server + kernels: before {baseline / MB:.0f} MB, peak {peak / MB:.0f} MB, "
          f"after closing and culling {memory.last / MB:.0f} MB "
          f"({memory.kernels} kernel(s) left, {culled_in:.0f} s after the last page closed)")
    for r in results:
        if r not in ok:
            print(f"  page {r['page']}: {r.get('status')} {r['errors'][:3]}")
    return 0 if len(ok) == args.pages else 1


if __name__ == "__main__":
    sys.exit(main())
