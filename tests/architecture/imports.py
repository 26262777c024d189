"""The import graph of a source tree, read from its syntax (nothing is imported), and the
layering rules of subdesk checked against it (issue 19): see `violations`."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# What a pure module (rules) may not reach, directly or through the modules it imports.
STORAGE = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "subdesk.db",
    "subdesk.models",
    "subdesk.bulk_insert",
)
WEB = ("fastapi", "starlette", "jinja2", "subdesk.http", "subdesk.portal", "subdesk.agent")
OUTSIDE = (
    "httpx", "httpx2", "requests", "stripe", "redis", "smtplib", "socket", "subprocess",
    "argon2", "aiosmtpd", "urllib.request", "prometheus_client",
)  # fmt: skip
# The customer portal and the support console share the web kit, never each other.
APART = (("subdesk.agent", "subdesk.portal"), ("subdesk.portal", "subdesk.agent"))
# What a service (use case) may not import: it raises subdesk's errors, never HTTP ones.
HTTP = ("fastapi", "starlette", "subdesk.http", "subdesk.portal", "subdesk.agent.web")


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)  # every import, as written (absolute)
    doc: str = ""


def read_tree(src: Path, package: str = "subdesk") -> dict[str, Module]:
    """Every module under `src/<package>`, with what it imports (at import time or inside a
    function, but not under `if TYPE_CHECKING:`)."""
    modules: dict[str, Module] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        here = name if is_package else name.rpartition(".")[0]
        module = Module(name, path, doc=ast.get_docstring(tree) or "")
        module.imports = set(_imports(tree, here))
        modules[name] = module
    return modules


def _imports(tree: ast.AST, here: str) -> Iterator[str]:
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from (n for other in child.orelse for n in [other, *_runtime_nodes(other)])
            continue
        yield child
        yield from _runtime_nodes(child)


def local_graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Module → the modules of the tree it imports (a name resolves to its longest module)."""
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        targets = {_resolve(imported, modules) for imported in module.imports}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def _resolve(imported: str, modules: dict[str, Module]) -> str | None:
    candidate = imported
    while candidate and candidate not in modules:
        candidate = candidate.rpartition(".")[0]
    return candidate or None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative: deep trees do not hit the recursion limit
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
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
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def reach(name: str, modules: dict[str, Module], graph: dict[str, set[str]]) -> dict[str, str]:
    """Every import made by `name` or by the tree's modules it imports, transitively: the
    imported name → the module of the tree that imports it."""
    seen, todo, found = {name}, [name], {}
    while todo:
        current = todo.pop()
        for imported in modules[current].imports:
            found.setdefault(imported, current)
        for nxt in graph[current] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return found


def is_pure(module: Module) -> bool:
    """The domain's rules: `rules.py`, `*_rules.py`, or a module whose docstring says it
    is pure."""
    leaf = module.name.rpartition(".")[2]
    return leaf == "rules" or leaf.endswith("_rules") or "Pure:" in module.doc


def is_service(module: Module) -> bool:
    leaf = module.name.rpartition(".")[2]
    return leaf in {"service", "services"} or leaf.endswith("_service")


def is_route(module: Module) -> bool:
    return module.name.rpartition(".")[2] == "api"


def _under(imported: str, roots: Iterable[str]) -> str | None:
    return next((r for r in roots if imported == r or imported.startswith(f"{r}.")), None)


def violations(modules: dict[str, Module]) -> list[str]:
    """Each broken rule, one line each:
    - no import cycle among the tree's modules;
    - a pure module reaches no storage, web or outside I/O, even through what it imports;
    - a service imports nothing of the web: it raises subdesk's errors, not HTTP ones;
    - a route (`api.py`) reaches tables only through services and repositories: it
      imports no SQLAlchemy and writes no query of its own;
    - the portal and the console import nothing of each other (both use `subdesk.web`)."""
    graph = local_graph(modules)
    found = [f"import cycle: {' -> '.join(group)}" for group in cycles(graph)]
    for name, module in sorted(modules.items()):
        if is_pure(module):
            reached: dict[str, str] = {}
            for imported, via in sorted(reach(name, modules, graph).items()):
                root = _under(imported, (*STORAGE, *WEB, *OUTSIDE))
                if root is not None:
                    reached.setdefault(root, via)
            for root, via in sorted(reached.items()):
                path = "" if via == name else f" (through {via})"
                found.append(f"pure {name} reaches {root}{path}")
        if is_service(module):
            roots = {_under(i, HTTP) for i in module.imports} - {None}
            found += [f"service {name} imports {root}" for root in sorted(roots)]
        for here, there in APART:
            if _under(name, (here,)):
                roots = {_under(i, (there,)) for i in module.imports} - {None}
                found += [f"{name} imports {root}" for root in sorted(roots)]
        if is_route(module):
            roots = {_under(i, ("sqlalchemy",)) for i in module.imports} - {None}
            found += [f"route {name} imports {root}" for root in sorted(roots)]
    return found
