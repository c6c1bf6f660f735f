"""The engine stays framework-free: no Flask, no SQLAlchemy, importable on its own."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "matchmaker" / "matching"
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "wtforms")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_engine_module_imports_a_framework():
    offenders = {path.name: sorted(_imports(path) & set(FORBIDDEN)) for path in ENGINE.glob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_importing_the_engine_loads_no_framework():
    code = (
        "import sys, matchmaker.matching, matchmaker.matching.evaluate;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=ENGINE.parents[1],
    )  # fmt: skip
    assert out.stdout.strip() == "[]"
