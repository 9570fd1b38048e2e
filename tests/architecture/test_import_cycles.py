"""No import cycles between Kuzet modules.

The import graph is read from the source with `ast`, never by importing: every `import` and `from … import`
statement anywhere in a module counts, at the top, inside a function or a class, and under
`if TYPE_CHECKING:`. An import moved into a function only to dodge a cycle still ties the two modules
together, and so does a type-only import: neither module can then be read, tested or moved without the
other. So those count too.

An edge goes to the module named: `import kuzet.a.b` and `from kuzet.a import b` (with `b` a module) go to
`kuzet.a.b`; `from kuzet.a.b import name` goes to `kuzet.a.b`. Relative imports are resolved against the
importing module's package. Parent packages that Python runs on the way (`kuzet/a/__init__.py`) are not
edges: a package's `__init__` that imports its own submodules is not a cycle. Imports by string
(`importlib.import_module`, uvicorn's "module:attribute") are not seen.

A cycle is a strongly connected component of more than one module (Tarjan's algorithm); the failure lists
every component with one concrete cycle through it.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

import kuzet

Graph = dict[str, set[str]]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path) -> dict[str, Path]:
    """Every module of the package at `root` (a folder with `__init__.py`), by dotted name."""
    return {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """`name` if it is a module, else the longest of its prefixes that is one; None outside the package."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imports(module: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package's modules that `module` imports, anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in modules else base)
        for target in targets:
            resolved = _known(target, modules)
            if resolved is not None and resolved != module:
                found.add(resolved)
    return found


def import_graph(root: Path) -> Graph:
    """Each module of the package at `root` mapped to the modules of that package it imports."""
    modules = _modules(root)
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit on deep import chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.get(child, ()))))
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
                components.append(sorted(component))
    return components


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module, sorted."""
    return sorted(c for c in strongly_connected(graph) if len(c) > 1)


def one_cycle(graph: Mapping[str, Iterable[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as a path that ends where it starts."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph.get(node, ())):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if child in members and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a component of two or more always has one


def describe(graph: Mapping[str, Iterable[str]], found: list[list[str]]) -> str:
    return "\n".join(
        f"- {len(c)} modules: {', '.join(c)}\n  e.g. {' -> '.join(one_cycle(graph, c))}" for c in found
    )


KUZET = Path(kuzet.__file__).parent


def test_no_import_cycle_between_kuzet_modules() -> None:
    graph = import_graph(KUZET)
    # The reader sees the package: a known top-level import, and one made inside a function.
    assert "kuzet.demo.cli" in graph["kuzet.cli"]
    assert "kuzet.app" in graph["kuzet.core.workers"]
    found = cycles(graph)
    assert not found, "import cycles between kuzet modules:\n" + describe(graph, found)


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_detector_finds_cycles_hidden_in_functions_and_type_checking(tmp_path: Path) -> None:
    _write(
        tmp_path / "pkg",
        {
            "__init__.py": "from pkg import a, b\n",  # a package importing its parts is no cycle
            "a.py": "from pkg.b import thing\n",
            "b.py": "def f():\n    from . import a\n",  # a cycle dodged at run time is still one
            "sub/__init__.py": "",
            "sub/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..sub import d\n",
            "sub/d.py": "import pkg.sub.c as c\nimport os\n",
            "sub/e.py": "from .c import *\nfrom pkg import sub\n",  # imports without a way back
        },
    )
    graph = import_graph(tmp_path / "pkg")
    assert graph == {
        "pkg": {"pkg.a", "pkg.b"},
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.a"},
        "pkg.sub": set(),
        "pkg.sub.c": {"pkg.sub.d"},
        "pkg.sub.d": {"pkg.sub.c"},
        "pkg.sub.e": {"pkg.sub.c", "pkg.sub"},
    }
    found = cycles(graph)
    assert found == [["pkg.a", "pkg.b"], ["pkg.sub.c", "pkg.sub.d"]]
    assert "pkg.a -> pkg.b -> pkg.a" in describe(graph, found)


def test_the_detector_reports_a_long_cycle_as_one_component() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert one_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    assert cycles({"a": {"b"}, "b": set()}) == []
