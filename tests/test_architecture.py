"""docs/architecture.md stays true: which part of the package may import which, and no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "crpnbench"

BASE = {"errors", "atomic"}
#: part -> the parts it may import (docs/architecture.md's table)
ALLOWED = {
    "errors": set(),
    "atomic": set(),
    "data": BASE,
    "metrics": BASE | {"data"},
    "raw": BASE | {"data", "metrics"},
    "models": BASE,
    "tracking": BASE | {"models"},
    "protocols": BASE | {"data", "metrics", "raw", "tracking"},
    "evaluation": BASE | {"data", "protocols", "raw", "tracking", "submission"},
    "submission": BASE | {"raw"},
    "scoring": BASE | {"data", "metrics", "protocols", "raw"},
    "reports": BASE | {"data", "raw", "scoring"},
    "training": BASE | {"data", "models", "tracking"},
    "interop": BASE | {"tracking"},
}


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "crpnbench":
        return None
    return "crpnbench" if len(parts) == 1 else parts[1].removesuffix(".py")


def package_imports() -> dict[str, set[str]]:
    """Part -> the other parts its modules import (module-level and lazy imports alike)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        source = _part(".".join(path.relative_to(REPO).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                target = _part(name)
                if target and target != source:
                    found[source].add(target)
    return found


def test_every_part_imports_only_what_the_architecture_allows():
    imports = package_imports()
    for part, allowed in ALLOWED.items():
        extra = imports.get(part, set()) - allowed
        assert not extra, f"crpnbench/{part} imports {sorted(extra)}, not allowed by docs/architecture.md"


def test_the_package_has_no_import_cycles():
    tool = REPO.parent / "shared" / "tools" / "import_cycles.py"
    if not tool.is_file():
        pytest.skip(f"{tool} not found (needs ../shared beside the clone)")
    done = subprocess.run([sys.executable, str(tool), "crpnbench"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip().splitlines()[-1].startswith("0 cycle"), done.stdout
