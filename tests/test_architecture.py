"""The pure core imports neither aiohttp nor storage; storage never imports bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = [
    "bot/intent/__init__.py",
    "bot/intent/verdict.py",
    "bot/intent/text.py",
    "bot/intent/lexicon.py",
    "bot/intent/index.py",
    "bot/intent/rules.py",
    "bot/intent/classify.py",
    "bot/intent/buttons.py",
    "bot/intent/replies.py",
    "bot/intent/keyboard.py",
    "bot/intent/repair.py",
    "bot/intent/questions.py",
    "bot/intent/doubt.py",
    "bot/intent/decide.py",
    "bot/intent/model.py",
    "bot/intent/variants.py",
    "bot/intent/train.py",
    "bot/evidence.py",
    "bot/phones.py",
    "bot/events.py",
    "bot/imports.py",
    "bot/state.py",
    "bot/senders.py",
    "bot/summary.py",
    "bot/feed.py",
    "bot/bulk.py",
    "bot/outbox_rules.py",
    "bot/replies.py",
    "bot/whatsapp/signature.py",
    "bot/whatsapp/extract.py",
    "bot/whatsapp/models.py",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _closure(start: str) -> set[str]:
    """Every module the file imports, following imports inside `bot`."""
    seen: set[str] = set()
    todo = [ROOT / start]
    while todo:
        path = todo.pop()
        for name in _imports(path):
            if name in seen:
                continue
            seen.add(name)
            if name.startswith("bot"):
                module = ROOT / (name.replace(".", "/") + ".py")
                package = ROOT / name.replace(".", "/") / "__init__.py"
                todo.extend(p for p in (module, package) if p.exists())
    return seen


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io(module: str) -> None:
    reached = _closure(module)
    forbidden = {n for n in reached if n.split(".")[0] in {"aiohttp", "storage", "aiosqlite"}}
    assert forbidden == set()


def test_storage_never_imports_bot() -> None:
    for path in (ROOT / "storage").rglob("*.py"):
        assert not {n for n in _imports(path) if n.split(".")[0] == "bot"}, path


def test_every_intent_module_is_listed_as_pure() -> None:
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "bot" / "intent").glob("*.py")}
    assert modules - set(PURE) == set()


# The ledger's pure core: what decides where events go and what they derive to.
PURE_STORAGE = ["storage/plan.py", "storage/project.py"]
DRIVERS = {"aiohttp", "aiosqlite", "asyncpg", "sqlite3"}


@pytest.mark.parametrize("module", PURE_STORAGE)
def test_the_ledger_core_imports_no_driver(module: str) -> None:
    reached = _imports(ROOT / module)
    for name in [n for n in reached if n.startswith("storage.")]:
        reached |= _imports(ROOT / (name.replace(".", "/") + ".py"))
    assert {n for n in reached if n.split(".")[0] in DRIVERS} == set()


def test_only_the_entry_points_import_the_app_factory() -> None:
    """Handlers read shared state through `bot.keys`: the factory imports them, not the
    other way round."""
    importers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if "bot.app" in _imports(path)
    }
    assert importers <= {"bot/cli.py", "bot/import_cli.py"}
