"""Imports point one way, bottom to top:

    tflab  ←  configs  ←  pipelines  ←  tfmodels  ←  tuning  ←  bench

- tflab      process options, errors, atomic files, extras (which pip extra a family needs)
- configs    one file per experiment; the config dataclasses and their validation
- pipelines  data: readers, simulators, TFDS builders, environments, tf.data
- tfmodels   models, losses, the training skeleton, the family registry, `tfmodels.fit`
- tuning     the grid: KerasTuner search, oracle, results and reports, `tuning.grid`
- bench      measurements behind the bench records (scripts, not a package)

A package imports only packages to its left, never one to its right, and that holds for
imports inside functions too (`tests/import_graph.py` reads every module with `ast`). A
command-line entry point sits at the top of the layer that owns it (`pipelines.catan` may
read configs; `tfmodels.fit` may reach the family registry). Inside `tfmodels` the registry
sits above the families: a family's modules are handed what they need by the entry point
that called them, they never look themselves up by name. `tests/` sits above everything.
There is no list of exceptions: a new upward import fails here.
"""
import itertools
from pathlib import Path

import pytest

from tests.import_graph import ROOT, imported_names, module_name

LAYERS = ("tflab", "configs", "pipelines", "tfmodels", "tuning", "bench")
REGISTRY = "tfmodels.families"
# Private modules of other libraries, each reachable through one adapter only.
PRIVATE = {"keras.src": "tfmodels/keras_compat.py", "tensorflow.python":
           "tfmodels/keras_compat.py", "keras_tuner.src": "tuning/kt_compat.py"}


def upward_imports(lower: str, higher: str, root: Path = ROOT) -> list[str]:
    """Every import of `higher` (or anything in it) from a module of `lower`."""
    bad = []
    for path in sorted((root / lower).rglob("*.py")):
        lines = {}  # one entry per import statement: the module it names
        for line, name in imported_names(path, root):
            if (name == higher or name.startswith(higher + ".")) and line not in lines:
                lines[line] = name
        bad += [f"{path.relative_to(root).as_posix()}:{line} imports {name}"
                for line, name in lines.items()]
    return bad


@pytest.mark.parametrize("lower,higher", list(itertools.combinations(LAYERS, 2)),
                         ids=lambda name: name)
def test_no_layer_imports_one_above_it(lower, higher):
    assert list((ROOT / lower).rglob("*.py")), f"no modules found under {lower}/"
    assert upward_imports(lower, higher) == [], (
        f"{lower} sits below {higher} ({' <- '.join(LAYERS)}): move the shared piece down "
        f"or hand it in from {higher}")


def test_every_package_has_a_layer():
    """A new top-level package must be placed in the order above before it can be used."""
    found = {path.parent.name for path in ROOT.glob("*/*.py")} - {"tests"}
    assert found <= set(LAYERS), f"place {sorted(found - set(LAYERS))} in LAYERS"


def test_no_family_looks_up_the_registry():
    """The registry imports the families (by name); a family importing it back would make
    the registry part of the family. Entry points (`__main__.py`, modules with a `main`)
    are the top of the layer and may use it."""
    bad = []
    for path in sorted((ROOT / "tfmodels").glob("*/**/*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name == "__main__.py" or 'if __name__ == "__main__"' in text:
            continue
        bad += [f"{path.relative_to(ROOT).as_posix()}:{line} imports {name}"
                for line, name in imported_names(path, ROOT)
                if name == REGISTRY or name.startswith(REGISTRY + ".")]
    assert bad == []


def test_private_apis_only_through_their_adapter():
    """A Keras, TensorFlow or KerasTuner upgrade that moves a private name breaks one
    adapter (and its test says which name), not modules all over the tree."""
    bad = []
    for path in sorted(p for folder in (*LAYERS, "tests") for p in (ROOT / folder).rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        for line, name in imported_names(path, ROOT):
            for private, adapter in PRIVATE.items():
                if (name == private or name.startswith(private + ".")) and where != adapter:
                    bad.append(f"{where}:{line} imports {name} (use {adapter})")
    assert bad == []


def test_the_walk_sees_every_form_of_import(tmp_path):
    """The check itself can fail: nested, dynamic, relative and `from . import` forms."""
    (tmp_path / "pipelines" / "sub").mkdir(parents=True)
    (tmp_path / "pipelines" / "sub" / "probe.py").write_text(
        "def f():\n    from tfmodels.fit import fit_keras\n"
        "def g():\n    import importlib\n    importlib.import_module('tuning.grid')\n"
        "from ... import tuning\nfrom . import sibling\n"
        "class C:\n    def m(self):\n        import configs.base\n")
    assert upward_imports("pipelines", "tfmodels", tmp_path) == [
        "pipelines/sub/probe.py:2 imports tfmodels.fit"]
    assert upward_imports("pipelines", "tuning", tmp_path) == [
        "pipelines/sub/probe.py:5 imports tuning.grid",
        "pipelines/sub/probe.py:6 imports tuning",
    ]
    assert upward_imports("pipelines", "configs", tmp_path) == [
        "pipelines/sub/probe.py:10 imports configs.base"]
    assert module_name(tmp_path / "pipelines" / "sub" / "__init__.py", tmp_path) == \
        "pipelines.sub"
