"""wrap_legacy against the oracle: CPython 3.11's own fallback for legacy loaders.

The oracle's observations are stored (``fixtures/shim/oracle-cpython-3.11.json``) because the
fallback differs or is gone on other versions; on 3.11 the stored file is checked against a
live run of the fallback, so it cannot go stale unnoticed.
"""

from __future__ import annotations

import json
import sys

import pytest

from . import differential

ORACLE = json.loads(differential.ORACLE.read_text())


def test_oracle_covers_every_scenario() -> None:
    assert sorted(ORACLE) == sorted(differential.SCENARIOS)
    assert len(ORACLE) >= 10


@pytest.mark.parametrize("name", sorted(differential.SCENARIOS))
def test_wrapped_loader_matches_cpython_311_fallback(name: str) -> None:
    assert differential.observe(name, "wrapped") == ORACLE[name]
    if sys.version_info[:2] == (3, 11):
        assert differential.observe(name, "fallback") == ORACLE[name]
