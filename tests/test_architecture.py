"""The architecture, checked on the source: which package may import which, no cycles, no private
names across modules, no huge files, thin views (issue 10).

Every import counts, also the ones inside functions (lazy imports) and under ``TYPE_CHECKING``;
relative imports are resolved against the importing module. The checker reads the source with
``ast`` and imports nothing, so it runs in a fraction of a second. Each rule has a self-test on a
small made-up source tree, so a rule that cannot fail does not pass unnoticed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
TOP = "nahraum"

# package -> the packages it may import (besides itself and the bare ``nahraum`` package).
# web and cli sit on top and may import anything. The arrows run one way: towards ``access``.
ALLOWED: dict[str, set[str] | None] = {
    "access": set(),
    "bootstrap": set(),
    "region": {"access"},
    "accounts": {"region"},
    "jobs": {"accounts", "bootstrap"},
    "data": {"region", "access", "bootstrap", "jobs"},
    "analysis": {"data", "region", "access", "bootstrap", "jobs"},
    "transit": {"analysis", "data", "region", "access", "bootstrap", "jobs"},
    "scenarios": {
        "transit",
        "analysis",
        "data",
        "region",
        "accounts",
        "access",
        "bootstrap",
        "jobs",
    },
    "participation": {"accounts", "region", "bootstrap"},
    "strategy": {
        "participation",
        "scenarios",
        "analysis",
        "region",
        "accounts",
        "bootstrap",
        "jobs",
    },
    "ops": {"jobs", "bootstrap"},  # operating: Django, bootstrap and the jobs app's selectors
    "web": None,
    "cli": None,
}
ENGINE = "access"
MAX_FILE_LINES = 600
MAX_VIEW_LINES = 60
LONG_FILE_MARK = "# long-file:"


# --- reading the tree ---------------------------------------------------------------------------


@dataclass
class Import:
    target: str  # the module imported (absolute, dotted)
    names: list[str]  # the names taken from it (``from target import a, b``); empty for ``import``
    line: int
    lazy: bool  # inside a function


@dataclass
class Module:
    name: str  # dotted, e.g. nahraum.access.route; a package is named like its __init__'s folder
    path: Path
    is_package: bool
    source: str
    tree: ast.Module
    imports: list[Import] = field(default_factory=list)

    @property
    def package(self) -> str:
        """The top-level package below ``nahraum`` (``access``, ``region``, ``cli``…), or
        ``nahraum`` for the bare package itself."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else parts[0]

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"


def package_of(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def read_tree(src: Path, top: str = TOP) -> dict[str, Module]:
    """Every module of the package ``top`` found under ``src``, with its imports resolved."""
    modules: dict[str, Module] = {}
    for path in sorted((src / top).rglob("*.py")):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        source = path.read_text(encoding="utf-8")
        modules[".".join(parts)] = Module(
            ".".join(parts), path, is_package, source, ast.parse(source, str(path))
        )
    for module in modules.values():
        module.imports = list(_imports(module, modules))
    return modules


def _base(module: Module, level: int) -> str:
    """The package a relative import of ``level`` dots starts from."""
    parts = module.name.split(".")
    if not module.is_package:
        parts = parts[:-1]
    return ".".join(parts[: len(parts) - (level - 1)])


def _imports(module: Module, modules: dict[str, Module]):
    def visit(node: ast.AST, lazy: bool):
        for child in ast.iter_child_nodes(node):
            inside = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(alias.name, [], child.lineno, lazy)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    start = _base(module, child.level)
                    base = f"{start}.{base}" if child.module else start
                plain = [a.name for a in child.names]
                # ``from pkg import sub`` imports the module pkg.sub when there is one
                names = []
                for name in plain:
                    if f"{base}.{name}" in modules:
                        yield Import(f"{base}.{name}", [], child.lineno, lazy)
                    else:
                        names.append(name)
                if names or not plain:
                    yield Import(base, names, child.lineno, lazy)
            yield from visit(child, inside)

    yield from visit(module.tree, False)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _ours(dotted: str, top: str = TOP) -> bool:
    return dotted == top or dotted.startswith(top + ".")


# --- the rules ----------------------------------------------------------------------------------


def views_imports(modules: dict[str, Module]) -> list[str]:
    """(a) No module imports another package's ``views`` (a module or a package)."""
    found = []
    for m in modules.values():
        for imp in m.imports:
            parts = imp.target.split(".")
            if _ours(imp.target) and len(parts) > 2 and parts[2] == "views":
                if package_of(imp.target) != m.package:
                    found.append(f"{m.where(imp.line)}: {m.name} imports {imp.target}")
    return found


def table_edges(modules: dict[str, Module], allowed=ALLOWED) -> list[str]:
    """(b) Every import between packages is in the allowed-dependency table."""
    found = []
    unknown = set()
    for m in modules.values():
        if m.package == TOP:
            mine = set()
        elif m.package not in allowed:
            if m.package not in unknown:
                unknown.add(m.package)
                found.append(f"{m.path}: package {m.package!r} is not in the dependency table")
            continue
        else:
            mine = allowed[m.package]
        for imp in m.imports:
            other = package_of(imp.target)
            if not _ours(imp.target) or other in (m.package, TOP):
                continue
            if mine is not None and other not in mine:
                found.append(
                    f"{m.where(imp.line)}: {m.package} may not import {other} "
                    f"({m.name} imports {imp.target}{' lazily' if imp.lazy else ''})"
                )
    return found


def _cycles(edges: dict[str, dict[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def _describe(cycle: list[str], edges: dict[str, dict[str, str]]) -> str:
    inside = [
        f"    {a} -> {b}  ({where})"
        for a in cycle
        for b, where in sorted(edges.get(a, {}).items())
        if b in cycle
    ]
    return "cycle between " + ", ".join(cycle) + ":\n" + "\n".join(inside)


def app_cycles(modules: dict[str, Module]) -> list[str]:
    """(c) No cycle between packages (lazy imports count)."""
    edges: dict[str, dict[str, str]] = {}
    for m in modules.values():
        for imp in m.imports:
            other = package_of(imp.target)
            if _ours(imp.target) and other not in (m.package, TOP) and m.package != TOP:
                edges.setdefault(m.package, {}).setdefault(other, m.where(imp.line))
    return [_describe(c, edges) for c in _cycles(edges)]


def engine_cycles(modules: dict[str, Module], engine: str = ENGINE) -> list[str]:
    """(c) No cycle between the modules of the engine (lazy imports count). Importing a
    submodule runs its package's ``__init__`` first; that is not counted as an edge."""
    prefix = f"{TOP}.{engine}"
    edges: dict[str, dict[str, str]] = {}
    for m in modules.values():
        if not _ours(m.name, prefix):
            continue
        for imp in m.imports:
            if _ours(imp.target, prefix) and imp.target != m.name:
                edges.setdefault(m.name, {}).setdefault(imp.target, m.where(imp.line))
    return [_describe(c, edges) for c in _cycles(edges)]


def _private_module_owner(dotted: str) -> str | None:
    """For a private module (one with a ``_name`` part) the package it is private to."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if _is_private(part):
            return ".".join(parts[:i])
    return None


def _module_names(m: Module, modules: dict[str, Module]) -> dict[str, str]:
    """Local names in ``m`` bound to one of our modules by an import: name -> dotted module."""
    bound: dict[str, str] = {}
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    bound[head] = head
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                start = _base(m, node.level)
                base = f"{start}.{base}" if node.module else start
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return {k: v for k, v in bound.items() if _ours(v)}


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def private_imports(modules: dict[str, Module]) -> list[str]:
    """(d) No ``from x import _y`` and no ``x._y`` for another module x; no private module of
    another package (a package's own private modules are fine inside it)."""
    found = []
    for m in modules.values():
        for imp in m.imports:
            if not _ours(imp.target):
                continue
            for name in imp.names:
                if _is_private(name):
                    found.append(f"{m.where(imp.line)}: {m.name} imports {imp.target}.{name}")
            owner = _private_module_owner(imp.target)
            if owner is not None and not _ours(m.name, owner):
                found.append(
                    f"{m.where(imp.line)}: {m.name} imports {imp.target}, private to {owner}"
                )
        bound = _module_names(m, modules)
        for node in ast.walk(m.tree):
            if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
                continue
            chain = _dotted(node.value)
            if not chain or chain[0] not in bound:
                continue
            # ``x._y`` with x one of our modules (not ``models.Idea._meta``: Idea is no module)
            dotted = ".".join([bound[chain[0]], *chain[1:]])
            if dotted not in modules or dotted == m.name:
                continue
            used = f"{'.'.join(chain)}.{node.attr}"
            if f"{dotted}.{node.attr}" in modules:  # a private module, reached as an attribute
                owner = _private_module_owner(f"{dotted}.{node.attr}")
                if not _ours(m.name, owner):
                    found.append(
                        f"{m.where(node.lineno)}: {m.name} uses {used}, private to {owner}"
                    )
            else:
                found.append(f"{m.where(node.lineno)}: {m.name} uses {used}, private to {dotted}")
    return found


def engine_django(modules: dict[str, Module], engine: str = ENGINE) -> list[str]:
    """(e) The engine is a plain library: no Django."""
    return [
        f"{m.where(imp.line)}: {m.name} imports {imp.target}"
        for m in modules.values()
        if _ours(m.name, f"{TOP}.{engine}")
        for imp in m.imports
        if imp.target.split(".")[0] == "django"
    ]


def long_files(modules: dict[str, Module], limit: int = MAX_FILE_LINES) -> list[str]:
    """(f) A file over the limit says why in its first lines: ``# long-file: <reason>``."""
    found = []
    for m in modules.values():
        lines = m.source.splitlines()
        if len(lines) <= limit:
            continue
        marks = [line.strip() for line in lines[:5] if line.strip().startswith(LONG_FILE_MARK)]
        if not any(mark[len(LONG_FILE_MARK) :].strip() for mark in marks):
            found.append(f"{m.path}: {len(lines)} lines, no '{LONG_FILE_MARK} <reason>' on top")
    return found


def _is_views(m: Module) -> bool:
    parts = m.name.split(".")
    return "views" in parts[2:]


def long_views(modules: dict[str, Module], limit: int = MAX_VIEW_LINES) -> list[str]:
    """(g) A view function (a function in a views module whose first parameter, after
    self/cls, is ``request``) has at most ``limit`` lines from ``def`` to its end."""
    found = []
    for m in modules.values():
        if not _is_views(m):
            continue
        for node in ast.walk(m.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in node.args.posonlyargs + node.args.args]
            if params and params[0] in ("self", "cls"):
                params = params[1:]
            if not params or params[0] != "request":
                continue
            length = node.end_lineno - node.lineno + 1
            if length > limit:
                found.append(f"{m.where(node.lineno)}: view {node.name} has {length} lines")
    return found


# --- the tests on nahraum's own source ----------------------------------------------------------

_TREE: dict[str, Module] | None = None


def tree() -> dict[str, Module]:
    global _TREE
    if _TREE is None:
        _TREE = read_tree(SRC)
    return _TREE


def _ok(found: list[str]) -> None:
    assert not found, f"{len(found)} found:\n" + "\n".join(found)


def test_no_app_imports_another_apps_views():
    _ok(views_imports(tree()))


def test_imports_follow_the_dependency_table():
    _ok(table_edges(tree()))


def test_no_cycle_between_apps():
    _ok(app_cycles(tree()))


def test_no_cycle_between_engine_modules():
    _ok(engine_cycles(tree()))


def test_no_private_names_across_modules():
    _ok(private_imports(tree()))


def test_engine_imports_no_django():
    _ok(engine_django(tree()))


def test_long_files_say_why():
    _ok(long_files(tree()))


def test_views_are_short():
    _ok(long_views(tree()))


def test_the_checker_sees_the_whole_tree():
    modules = tree()
    assert {m.package for m in modules.values()} - {TOP} == set(ALLOWED)
    assert any(imp.lazy for m in modules.values() for imp in m.imports)


# --- self-tests: each rule catches a violation in a made-up tree --------------------------------


def make_tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    for rel, text in {"nahraum/__init__.py": "", **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(tmp_path).parents:
            init = tmp_path / parent / "__init__.py"
            if parent.parts and not init.exists():
                init.write_text("")
        path.write_text(text)
    return read_tree(tmp_path)


def test_self_views_import_is_caught(tmp_path):
    modules = make_tree(
        tmp_path,
        {
            "nahraum/region/views.py": "def overview(request):\n    return None\n",
            "nahraum/region/urls.py": "from . import views\n",  # its own views: fine
            "nahraum/analysis/views.py": (
                "def f():\n    from nahraum.region.views import overview\n"
            ),
            "nahraum/transit/services.py": "from ..region import views\n",
        },
    )
    found = views_imports(modules)
    assert len(found) == 2
    assert "analysis/views.py:2" in found[0] and "nahraum.region.views" in found[0]
    assert "transit/services.py:1" in found[1]


def test_self_edges_outside_the_table_are_caught(tmp_path):
    modules = make_tree(
        tmp_path,
        {
            "nahraum/access/route.py": "import numpy\n",
            "nahraum/region/models.py": "from nahraum.access import route\n",  # allowed
            "nahraum/accounts/models.py": "from nahraum import __version__\n",  # the bare package
            "nahraum/web/urls.py": "import nahraum.strategy.models\n",  # web: anything
            "nahraum/strategy/models.py": "",
            "nahraum/region/supply.py": "def f():\n    from ..analysis import services\n",
            "nahraum/analysis/services.py": "",
            "nahraum/newapp/models.py": "",
        },
    )
    found = table_edges(modules)
    assert any(
        "region/supply.py:2: region may not import analysis" in f and "lazily" in f for f in found
    ), found
    assert any("'newapp' is not in the dependency table" in f for f in found), found
    assert len(found) == 2, found


def test_self_app_cycle_is_caught(tmp_path):
    modules = make_tree(
        tmp_path,
        {
            "nahraum/region/supply.py": "def f():\n    import nahraum.analysis.services\n",
            "nahraum/analysis/services.py": "from nahraum.region import supply\n",
            "nahraum/access/route.py": "",
        },
    )
    found = app_cycles(modules)
    assert len(found) == 1 and "analysis, region" in found[0]
    assert "region -> analysis" in found[0] and "supply.py:2" in found[0]


def test_self_engine_cycle_is_caught(tmp_path):
    modules = make_tree(
        tmp_path,
        {
            "nahraum/access/__init__.py": "from .route import nearest\nfrom .isochrone import f\n",
            "nahraum/access/route.py": "def warm_up():\n    from .isochrone import f\n",
            "nahraum/access/isochrone.py": "from . import route\n",
            "nahraum/access/snap.py": "from . import _kernels\n",  # no cycle through __init__
            "nahraum/access/_kernels.py": "",
        },
    )
    found = engine_cycles(modules)
    assert len(found) == 1, found
    assert "nahraum.access.isochrone, nahraum.access.route" in found[0]


def test_self_private_names_are_caught(tmp_path):
    modules = make_tree(
        tmp_path,
        {
            "nahraum/access/_errors.py": "class NahraumError(Exception):\n    pass\n",
            "nahraum/access/_kernels.py": "def _push():\n    pass\n",
            "nahraum/access/route.py": "from ._errors import NahraumError\n"  # own package: fine
            "def _frac():\n    return _frac.__name__\n",
            "nahraum/access/isochrone.py": "from .route import _frac\n",  # 1
            "nahraum/access/transit.py": "from . import _kernels\nx = _kernels._push\n",  # 2
            "nahraum/access/snap.py": "import nahraum.access.route as r\ny = r._frac()\n",  # 3
            "nahraum/region/models.py": "from nahraum.access._errors import NahraumError\n"  # 4
            "class Region:\n    pass\n",
            "nahraum/region/views.py": "def f(self):\n    return self._cache\n",  # not a module
            "nahraum/region/admin.py": "from . import models\n"
            "x = models.Region._meta\n",  # a class's, not a module's
            "nahraum/access/runner.py": "import nahraum.access\n"
            "k = nahraum.access._kernels\n",  # own package: fine
            "nahraum/analysis/run.py": "import nahraum.access\n"
            "k = nahraum.access._kernels.f\n",  # 5
        },
    )
    found = private_imports(modules)
    assert any("isochrone.py:1" in f and "route._frac" in f for f in found), found
    assert any("transit.py:2" in f and "_kernels._push" in f for f in found), found
    assert any("snap.py:2" in f and "r._frac" in f for f in found), found
    assert any("region/models.py:1" in f and "private to nahraum.access" in f for f in found)
    assert any("analysis/run.py:2" in f and "private to nahraum.access" in f for f in found)
    assert len(found) == 5, found


def test_self_django_in_the_engine_is_caught(tmp_path):
    modules = make_tree(
        tmp_path,
        {
            "nahraum/access/runner.py": "def f():\n    from django.conf import settings\n",
            "nahraum/region/models.py": "from django.db import models\n",
        },
    )
    found = engine_django(modules)
    assert len(found) == 1 and "runner.py:2" in found[0]


def test_self_long_file_is_caught(tmp_path):
    body = "x = 1\n" * 601
    modules = make_tree(
        tmp_path,
        {
            "nahraum/access/big.py": body,
            "nahraum/access/empty_reason.py": "# long-file:\n" + body,
            "nahraum/access/reasoned.py": '"""Doc."""\n# long-file: one algorithm\n' + body,
            "nahraum/access/short.py": "x = 1\n" * 600,
        },
    )
    found = long_files(modules)
    assert len(found) == 2, found
    assert "big.py" in found[0] and "empty_reason.py" in found[1]


def test_self_long_view_is_caught(tmp_path):
    def view(name: str, lines: int, first: str = "request", decorators: int = 0) -> str:
        return (
            "@login_required\n" * decorators
            + f"def {name}({first}, pk):\n"
            + "    x = 1\n" * (lines - 2)
            + "    return x\n"
        )

    modules = make_tree(
        tmp_path,
        {
            "nahraum/region/views.py": view("ok", 60, decorators=5) + view("fat", 61),
            "nahraum/region/services.py": view("not_a_view", 100),
            "nahraum/participation/views/ideas.py": view("helper", 100, first="idea")
            + "class V:\n"
            + "\n".join("    " + line for line in view("get", 70, "self, request").splitlines())
            + "\n",
        },
    )
    found = long_views(modules)
    assert len(found) == 2, found
    assert "views/ideas.py:102" in found[0] and "view get has 70 lines" in found[0]
    assert "region/views.py:66" in found[1] and "view fat has 61 lines" in found[1]
