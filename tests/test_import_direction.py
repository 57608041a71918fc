"""Imports point one way: tflab → configs → pipelines → tfmodels → tuning.

Every module of a lower layer is parsed (AST, so imports inside functions count too, as do
`importlib.import_module("...")` calls with a literal name) and must not reach a higher one.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "tflab": {"configs", "pipelines", "tfmodels", "tuning"},
    "configs": {"tfmodels", "tuning"},
    "pipelines": {"tfmodels", "tuning"},
}


def imported_names(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in the file, at any depth."""
    package = list(path.relative_to(root).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's own package
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            if name:
                found.append((node.lineno, name))
            else:  # `from .. import x`: x is the module
                found += [(node.lineno, alias.name) for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "__import__"))):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def violations(layer: str, root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted((root / layer).rglob("*.py")):
        for line, name in imported_names(path, root):
            if name.split(".")[0] in FORBIDDEN[layer]:
                bad.append(f"{path.relative_to(root).as_posix()}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    assert list((ROOT / layer).rglob("*.py")), f"no modules found under {layer}/"
    assert violations(layer) == []


def test_the_walk_sees_imports_inside_functions(tmp_path):
    """The check itself can fail: a nested, a dynamic and a relative import are all found."""
    (tmp_path / "pipelines" / "sub").mkdir(parents=True)
    (tmp_path / "pipelines" / "sub" / "probe.py").write_text(
        "def f():\n    from tfmodels.fit import fit_keras\n"
        "def g():\n    import importlib\n    importlib.import_module('tuning.grid')\n"
        "from ... import tuning\nfrom . import sibling\n")
    assert violations("pipelines", tmp_path) == [
        "pipelines/sub/probe.py:2 imports tfmodels.fit",
        "pipelines/sub/probe.py:5 imports tuning.grid",
        "pipelines/sub/probe.py:6 imports tuning",
    ]
