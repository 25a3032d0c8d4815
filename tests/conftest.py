"""Shared test fixtures. Real reference data is read from ../shared/refdata (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REFDATA = Path(os.environ.get("CRPNBENCH_REFDATA", REPO_ROOT.parent / "shared" / "refdata"))


def ci_requires_refdata() -> bool:
    """Under CI (``CI=true``, as GitHub Actions and GitLab set it) missing reference data fails the tests
    that need it instead of skipping them."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def refdata() -> Path:
    """Path to ../shared/refdata; tests that need it skip with a reason when it is absent (fail under CI=true)."""
    if not REFDATA.is_dir():
        message = f"reference data not found at {REFDATA} (needs ../shared beside the clone)"
        if ci_requires_refdata():  # a green CI must mean the comparisons with published numbers ran
            pytest.fail(f"{message}; CI=true needs it (set CRPNBENCH_REFDATA)", pytrace=False)
        pytest.skip(message)
    return REFDATA


@pytest.fixture
def one_torch_thread():
    """One torch CPU thread for the test, restored after it: convolutions sum in the same order as a one-thread
    run elsewhere (a Ray task, a batch-1 reference), and tiny training runs do not fight over the cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
