"""Shared test fixtures. Real reference data is read from ../shared/refdata (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REFDATA = Path(os.environ.get("CRPNBENCH_REFDATA", REPO_ROOT.parent / "shared" / "refdata"))


@pytest.fixture(scope="session")
def refdata() -> Path:
    """Path to ../shared/refdata; tests that need it skip with a reason when it is absent."""
    if not REFDATA.is_dir():
        pytest.skip(f"reference data not found at {REFDATA} (needs ../shared beside the clone)")
    return REFDATA
