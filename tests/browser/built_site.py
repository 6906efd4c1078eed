"""The built site on disk (its pages, their saved widgets, redirects and ids) and the settings
of the browser tests; shared by conftest.py (fixtures) and test_browser.py (parametrization)."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# LABCODE_SITE: test another build, e.g. one made with a derived _config.yml (--path-output X
# builds into X/_build/html).
HTML = Path(os.environ.get("LABCODE_SITE") or ROOT / "_build" / "html").resolve()
# LABCODE_SCREENSHOTS: where the screenshots go (the folder's PNGs are replaced on each run).
SCREENSHOTS = Path(os.environ.get("LABCODE_SCREENSHOTS")
                   or ROOT / "_build" / "browser-screenshots").resolve()
CHROMIUM = os.environ.get("LABCODE_CHROMIUM") or "/usr/bin/chromium"
# axe-core, the accessibility checker the tests inject into every page: `make browser` installs
# the pinned version (AXE_VERSION in the Makefile) with npm into _build/axe; LABCODE_AXE: another
# copy of axe.min.js.
AXE = Path(os.environ.get("LABCODE_AXE")
           or ROOT / "_build" / "axe" / "node_modules" / "axe-core" / "axe.min.js").resolve()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOST = "127.0.0.1"
LAB_DIR = "solutions"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000

WIDGET_STATE_RE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
WIDGET_VIEW_RE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
META_REFRESH_RE = re.compile(
    r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.I)


def required(name: str) -> bool:
    return os.environ.get(name) == "1"


def skip_without_a_site() -> None:
    """Skip the calling test module when there is no built site (fail when one is required)."""
    import pytest

    if not HTML.is_dir():  # no build at all: nothing to parametrize over
        if required("LABCODE_REQUIRE_SITE"):
            pytest.fail(f"no built site in {HTML}: run `make site` first "
                        "(LABCODE_REQUIRE_SITE=1)", pytrace=False)
        pytest.skip(f"no built site in {HTML}: run `make site` or `make book`",
                    allow_module_level=True)


def chromium_path() -> str | None:
    """The chromium executable (a path, or a name looked up on PATH), or None."""
    return shutil.which(CHROMIUM)


def no_chromium_message() -> str:
    return (f"no chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "or set LABCODE_CHROMIUM")


def have_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# The site on disk


def site_pages() -> list[str]:
    """Every HTML page a reader can reach, as paths relative to the site root.

    Skipped: Sphinx's asset folders (_static, _images, _sources, ...) and genindex.html (the
    book has no index entries; only a <link rel="index"> in the head points at it, no link a
    reader can click). Kept: search.html, the target of the search box on every page.
    """
    if not HTML.is_dir():
        return []
    pages = []
    for path in sorted(HTML.rglob("*.html")):
        rel = path.relative_to(HTML)
        if any(part.startswith("_") for part in rel.parts) or rel.name == "genindex.html":
            continue
        pages.append(rel.as_posix())
    return pages


def lab_pages() -> list[str]:
    return [page for page in site_pages() if page.startswith(f"{LAB_DIR}/")]


def read_page(page: str) -> str:
    return (HTML / page).read_text(encoding="utf-8")


def widget_state(page: str) -> tuple[dict, list[str]]:
    """The saved widget models of a page and the model ids of its displayed views."""
    text = read_page(page)
    match = WIDGET_STATE_RE.search(text)
    if not match:
        return {}, []
    models = json.loads(match.group(1))["state"]
    views = [json.loads(view)["model_id"] for view in WIDGET_VIEW_RE.findall(text)]
    return models, views


def meta_refresh(page: str) -> str | None:
    match = META_REFRESH_RE.search(read_page(page))
    return match.group(1) if match else None


class IdCollector(HTMLParser):
    """The fragment targets of an HTML page: every id (and <a name>)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == LOCAL_HOST
