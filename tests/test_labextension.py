"""The JupyterLab extension ships prebuilt: a wheel built with no node on PATH holds it and
JupyterLab finds it, enabled and OK, once the wheel is installed into a fresh environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from dl_notebook.graph import Dag, DagNode, DagView

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILT = REPO_ROOT / "dl_notebook" / "labextension"
EXTENSION = "dl-notebook"
NODE_TOOLS = {"node", "nodejs", "npm", "npx", "jlpm", "yarn", "yarnpkg", "corepack", "pnpm"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def project_version() -> str:
    return version("dl_notebook")


def path_without_node(bin_dir: Path) -> str:
    """A PATH with every program of the current PATH except node and its package managers."""
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            link = bin_dir / entry.name
            if entry.name in NODE_TOOLS or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry.path, os.X_OK):
                link.symlink_to(entry.path)
    return str(bin_dir)


def run(cmd, env, cwd=REPO_ROOT, timeout=300) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{output[-4000:]}"
    return output


def test_built_output_is_a_federated_extension_with_both_plugins():
    data = json.loads((BUILT / "package.json").read_text())
    assert data["name"] == EXTENSION
    assert data["version"] == project_version()
    build = data["jupyterlab"]["_build"]
    assert build["extension"] == "./extension" and build["mimeExtension"] == "./mimeExtension"
    assert (BUILT / build["load"]).is_file()
    assert (BUILT / "static" / "style.js").is_file()


@pytest.mark.timeout(600)
def test_wheel_built_without_node_installs_an_enabled_extension(tmp_path):
    env = dict(os.environ)
    for key in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(key, None)
    env["PATH"] = path_without_node(tmp_path / "bin")
    assert shutil.which("node", path=env["PATH"]) is None
    assert shutil.which("npm", path=env["PATH"]) is None
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    # build: the hook finds the committed output and needs no node
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", dist], env)
    (wheel,) = dist.glob("dl_notebook-*.whl")
    prefix = f"dl_notebook-{project_version()}.data/data/share/jupyter/labextensions/{EXTENSION}/"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        shipped = {n[len(prefix):]: zf.read(n) for n in names if n.startswith(prefix)}
    committed = {
        p.relative_to(BUILT).as_posix(): p.read_bytes() for p in BUILT.rglob("*") if p.is_file()
    }
    assert committed and {k: v for k, v in shipped.items() if k != "install.json"} == committed
    assert json.loads(shipped["install.json"])["packageName"] == "dl_notebook"
    assert not any(n.startswith("dl_notebook/labextension/") for n in names), "shipped twice"

    # install into a fresh environment that borrows JupyterLab from this one
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], env)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel], env)
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "borrowed_jupyterlab.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = venv / "share" / "jupyter" / "labextensions" / EXTENSION
    assert (installed / "package.json").is_file() and (installed / "install.json").is_file()

    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        env[name] = str(folder)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])
    out = run([python, "-m", "jupyterlab.labextensions", "list"], env, cwd=tmp_path)
    out = ANSI.sub("", out)
    line = next((ln for ln in out.splitlines() if f"{EXTENSION} v" in ln), None)
    assert line is not None, out
    assert re.search(
        rf"{EXTENSION} v{re.escape(project_version())}\s+enabled\s+OK\s+\(python, dl_notebook\)",
        line,
    ), out
    assert str(installed.parent) in out  # found in the fresh environment, not in this one


def residual_dag(blocks=3):
    """x -> stem -> `blocks` identical residual blocks -> out, with settings on each layer."""
    nodes = [DagNode("x", "InputLayer", "input", (8, 8, 3), 0),
             DagNode("stem", "Conv2D", "conv", (8, 8, 4), 112, config={"filters": 4})]
    edges, prev = [("x", "stem")], "stem"
    for i in range(1, blocks + 1):
        conv, add = f"b{i}_conv", f"b{i}_add"
        nodes += [DagNode(conv, "Conv2D", "conv", (8, 8, 4), 148,
                          config={"filters": 4, "kernel_size": [3, 3]}),
                  DagNode(add, "Add", "merge", (8, 8, 4), 0)]
        edges += [(prev, conv), (conv, add), (prev, add)]
        prev = add
    nodes.append(DagNode("out", "Dense", "output", (10,), 50, config={"units": 10}))
    edges.append((prev, "out"))
    return Dag("residual", nodes, edges)


def stages_dag():
    """Two stages of residual blocks of two kinds: two groups, so one layout per group."""
    nodes = [DagNode("x", "InputLayer", "input", (8, 8, 3), 0),
             DagNode("stem", "Conv2D", "conv", (8, 8, 4), 112)]
    edges, prev = [("x", "stem")], "stem"
    for i in range(1, 3):
        conv, add = f"a{i}_conv", f"a{i}_add"
        nodes += [DagNode(conv, "Conv2D", "conv", (8, 8, 4), 148),
                  DagNode(add, "Add", "merge", (8, 8, 4), 0)]
        edges += [(prev, conv), (conv, add), (prev, add)]
        prev = add
    nodes.append(DagNode("down", "MaxPooling2D", "pool", (4, 4, 4), 0))
    edges.append((prev, "down"))
    prev = "down"
    for i in range(1, 3):
        conv, bn, add = f"b{i}_conv", f"b{i}_bn", f"b{i}_add"
        nodes += [DagNode(conv, "Conv2D", "conv", (4, 4, 4), 148),
                  DagNode(bn, "BatchNormalization", "norm", (4, 4, 4), 16),
                  DagNode(add, "Add", "merge", (4, 4, 4), 0)]
        edges += [(prev, conv), (conv, bn), (bn, add), (prev, add)]
        prev = add
    nodes.append(DagNode("out", "Dense", "output", (10,), 50))
    edges.append((prev, "out"))
    return Dag("stages", nodes, edges)


# the messages the front end's unit tests read (labextension/test/*.json)
FIXTURES = {"residual.json": residual_dag, "stages.json": stages_dag}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_front_end_fixtures_are_what_python_sends(name):
    """Rewrite one with `json.dumps(DagView.from_dag(dag).to_json(), indent=2)`, then
    `cd labextension && npm run prettier`."""
    saved = json.loads((REPO_ROOT / "labextension" / "test" / name).read_text())
    assert saved == DagView.from_dag(FIXTURES[name]()).to_json()


def test_renderer_json_has_both_layouts_and_the_layer_settings():
    data = DagView.from_dag(residual_dag()).to_json()
    assert json.loads(json.dumps(data)) == data
    (group,) = data["groups"]
    assert len(group["members"]) == 6 and group["repeat"] == 3
    grouped, full = data["layout"], data["expanded_layout"]
    assert not grouped["expanded"] and full["expanded"]
    assert {b["id"] for b in grouped["boxes"]} == {"x", "stem", group["id"], "out"}
    assert {b["id"] for b in full["boxes"]} == {n["id"] for n in data["nodes"]}
    assert {(e["source"], e["target"]) for e in full["edges"]} == {tuple(e) for e in data["edges"]}
    assert full["direction"] == grouped["direction"] == "TB"
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["b2_conv"]["config"] == {"filters": 4, "kernel_size": [3, 3]}
    assert "config" not in nodes["b2_add"]  # a layer without settings has no key
    # a view with every layer drawn already has the full layout, and sends it once
    assert "expanded_layout" not in DagView.from_dag(residual_dag(), expand=True).to_json()
