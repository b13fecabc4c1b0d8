"""The layering of ARCHITECTURE.md holds: each package imports only packages below it."""

import ast
import pathlib
import re

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "dl_notebook"


def _layers() -> list[str]:
    text = (REPO_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("<!-- layers: top to bottom -->")[1].split("<!-- /layers -->")[0]
    names = re.findall(r"^\| `([\w.]+)`", block, re.M)
    return ["(root)" if n == "dl_notebook" else n for n in names]


def _module_name(path: pathlib.Path) -> list[str]:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _package(module: list[str]) -> str:
    return module[1] if len(module) > 1 else "(root)"


def _type_checking_lines(tree) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    return lines


def imports():
    """``(importing package, imported package, file, line)`` for every import inside the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = module if path.name == "__init__.py" else module[:-1]
                base = base[:len(base) - node.level + 1]
                if node.module:
                    targets = [base + node.module.split(".")]
                else:
                    targets = [base + [alias.name] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dl_notebook"):
                targets = [node.module.split(".")]
            elif isinstance(node, ast.Import):
                targets = [a.name.split(".") for a in node.names if a.name.startswith("dl_notebook")]
            for target in targets:
                if target[0] == "dl_notebook":
                    yield _package(module), _package(target), path, node.lineno


def test_every_package_is_in_the_table():
    layers = _layers()
    present = {_package(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert present <= set(layers), f"add {sorted(present - set(layers))} to ARCHITECTURE.md"


def test_no_package_imports_one_above_it():
    rank = {name: i for i, name in enumerate(reversed(_layers()))}
    wrong = [f"{path.relative_to(REPO_ROOT)}:{line}: {a} imports {b}"
             for a, b, path, line in imports() if a != b and rank[b] >= rank[a]]
    assert not wrong, "imports against ARCHITECTURE.md's layers:\n" + "\n".join(wrong)


def test_the_check_sees_function_level_imports():
    found = {(a, b) for a, b, _, _ in imports()}
    assert ("model", "train") in found  # Network.fit imports train inside the method
