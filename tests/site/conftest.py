"""The site tests read _build/html. `make site` builds it first and sets LABCODE_REQUIRE_SITE=1,
so there a missing site fails; a plain `pytest` without a build skips these tests instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HTML = Path(os.environ.get("LABCODE_SITE") or Path(__file__).resolve().parents[2] / "_build"
            / "html")


def pytest_collection_modifyitems(config, items):
    if HTML.is_dir() or os.environ.get("LABCODE_REQUIRE_SITE") == "1":
        return
    skip = pytest.mark.skip(reason="no built site in _build/html: run `make site` or `make book`")
    for item in items:
        item.add_marker(skip)
