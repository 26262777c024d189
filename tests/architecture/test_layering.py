"""Issue 19, the map checked: subdesk's layering rules hold on the tree, and the check finds
each kind of violation planted in a small tree of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.imports import cycles, local_graph, read_tree, violations

SRC = Path(__file__).resolve().parents[2] / "src"


def test_the_tree_keeps_the_layering_rules() -> None:
    modules = read_tree(SRC)
    assert len(modules) > 250  # the whole package was read
    assert violations(modules) == []


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "subdesk" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [root / "subdesk", *(root / "subdesk").rglob("*")]:
        if folder.is_dir() and not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("", encoding="utf-8")
    return root


CLEAN = {
    "billing/rules.py": "from subdesk.money import Money\n",
    "money.py": "import decimal\n",
    "billing/service.py": "from subdesk.billing import rules\nfrom subdesk.db import Database\n",
    "db.py": "import sqlalchemy\n",
    "billing/api.py": "from fastapi import APIRouter\nfrom subdesk.billing import service\n",
}


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        (
            {"money.py": "from subdesk.billing.rules import x\n"},
            "import cycle: subdesk.billing.rules -> subdesk.money",
        ),
        (  # a cycle made inside a function is a cycle too
            {"money.py": "def f():\n    from subdesk.billing import rules\n"},
            "import cycle: subdesk.billing.rules -> subdesk.money",
        ),
        (  # storage reached through a pure module's own import
            {"money.py": "from subdesk.db import Database\n"},
            "pure subdesk.billing.rules reaches subdesk.db (through subdesk.money)",
        ),
        (
            {"billing/rules.py": "import httpx\n"},
            "pure subdesk.billing.rules reaches httpx",
        ),
        (
            {"billing/fee_rules.py": "from argon2 import PasswordHasher\n"},
            "pure subdesk.billing.fee_rules reaches argon2",
        ),
        (
            {"billing/service.py": "from fastapi import HTTPException\n"},
            "service subdesk.billing.service imports fastapi",
        ),
        (
            {"billing/api.py": "from sqlalchemy import select\n"},
            "route subdesk.billing.api imports sqlalchemy",
        ),
        (
            {"agent/cases.py": "from subdesk.portal.web import redirect\n", "portal/web.py": ""},
            "subdesk.agent.cases imports subdesk.portal",
        ),
    ],
)
def test_a_planted_violation_is_found(
    tmp_path: Path, planted: dict[str, str], expected: str
) -> None:
    assert violations(read_tree(plant(tmp_path / "clean", CLEAN))) == []
    found = violations(read_tree(plant(tmp_path / "planted", CLEAN | planted)))
    assert expected in found, found


def test_imports_only_for_type_checking_make_no_cycle(tmp_path: Path) -> None:
    text = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from subdesk.a import A\n"
    tree = read_tree(plant(tmp_path, {"a.py": "from subdesk.b import B\n", "b.py": text}))
    assert cycles(local_graph(tree)) == []
