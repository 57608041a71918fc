"""No import cycles between the repository's modules, imports inside functions included.

A cycle hidden in a function body works until the day the function runs first from the
other side, then fails with a half-initialised module; it also makes two modules one
concept in two files. The graph is the one `tests/import_graph.py` reads from the source
(every `import`, at any depth, and literal `importlib.import_module` names).
"""
from tests.import_graph import ROOT, cycles, module_graph
from tests.test_import_direction import LAYERS


def test_the_module_graph_has_no_cycle():
    graph = module_graph(ROOT, LAYERS)
    assert len(graph) > 100, "the walk found too few modules; is ROOT the repository?"
    assert cycles(graph) == []


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    """The check itself can fail: a two-module cycle whose back edge is inside a function,
    and a three-module one through `from . import`, are both reported."""
    package = tmp_path / "tuning"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from tuning.b import x\n")
    (package / "b.py").write_text("def f():\n    from tuning import a\n")
    (package / "c.py").write_text("from . import d\n")
    (package / "d.py").write_text("import importlib\nimportlib.import_module('tuning.e')\n")
    (package / "e.py").write_text("def g():\n    import tuning.c\n")
    (package / "f.py").write_text("import tuning.a\n")  # reaches a cycle, is not in one
    assert cycles(module_graph(tmp_path, ["tuning"])) == [
        ["tuning.a", "tuning.b"], ["tuning.c", "tuning.d", "tuning.e"]]
