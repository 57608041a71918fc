"""The repository's import graph as the source says it, for the layer and cycle tests.

Every module is parsed with `ast`, so an import inside a function counts as much as one at
the top of the file: it runs the moment the function does, and a cycle or an upward import
hidden there breaks the same way, only later. Understood: `import x`, `from x import y`,
relative imports, and `importlib.import_module("x")` / `__import__("x")` with a literal
name. A name computed at run time cannot be seen, which is why none of the families' code
builds module names by hand outside the registry.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path, root: Path) -> str:
    """`tuning/grid.py` → `tuning.grid`; `tuning/__init__.py` → `tuning`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in the file, at any depth.

    `from a import b` yields `a.b` as well as `a`: `b` may be a module of package `a`."""
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
                name = node.module or ""
            if name:
                found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}".lstrip("."))
                      for alias in node.names if alias.name != "*"]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "__import__"))):
            found.append((node.lineno, node.args[0].value))
    return sorted(set(found))


def modules(root: Path, packages) -> dict[str, Path]:
    """Dotted name → file of every module under the top-level `packages`."""
    return {module_name(path, root): path
            for package in packages for path in sorted((root / package).rglob("*.py"))}


def module_graph(root: Path, packages) -> dict[str, set[str]]:
    """Module → the repository modules it imports (the longest known prefix of each name).

    A module's own package and subpackages are left out: importing `a.b` always runs `a`
    first, and a package's `__init__` gathering its own modules is not a cycle."""
    known = modules(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for _, target in imported_names(path, root):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and not (target == name or name.startswith(target + ".")
                               or target.startswith(name + ".")):
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)
