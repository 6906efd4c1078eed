"""Page weight: what a page makes a reader on a slow connection wait for before it shows
anything (issue "Reading on a phone and with a keyboard"; book/_ext/course_site.py, section 13).

Run like the other browser tests (see test_browser.py)::

    LABCODE_REQUIRE_SITE=1 .venv/bin/python -m pytest tests/browser/test_page_weight.py -s

``-s`` prints the measurements. Checked:

- **blocking scripts** (the built HTML, no browser): no script of more than
  ``MAX_BLOCKING_SCRIPT`` bytes is loaded synchronously in a page's head (where the widget
  pages loaded ``embed-amd.js``, 3.6 MB, before anything was shown), and the widget scripts
  keep their order: the MathJax 2 shim before MathJax, ``require.js`` before ``embed-amd.js``;
- **render-blocking bytes** (chromium, Resource Timing's ``renderBlockingStatus``): on each
  widget page the document and the resources that block its first paint weigh less than
  ``MAX_BLOCKING_BYTES`` (Lab 05: 4.55 MB before, 0.73 MB after);
- **first paint on a slow connection**: chromium throttled as a slow 4G phone (1.6 Mbit/s down,
  150 ms latency, CDP ``Network.emulateNetworkConditions``, which applies to http:// and not to
  file://, hence the local server), Chrome's ``first-contentful-paint`` of a widget page and of
  a page without widgets comes within ``MAX_FIRST_PAINT_MS`` (Lab 05: about 40 s before).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .built_site import (
    HTML,
    LAB_DIR,
    VIEWPORT,
    meta_refresh,
    read_page,
    site_pages,
    skip_without_a_site,
    widget_state,
)

skip_without_a_site()

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # then the browser tests are skipped (conftest.py)
    PlaywrightTimeout = TimeoutError

PAGES = [page for page in site_pages() if not meta_refresh(page)]
WIDGET_PAGES = [page for page in PAGES if widget_state(page)[1]]
# Lab 05 (the page the issue measured) and the intro, a page without widgets.
SLOW_PAGES = [page for page in WIDGET_PAGES if page.startswith(f"{LAB_DIR}/05_")][:1] + [
    "book/intro.html"]

SEARCH_PAGE = "search.html"
MAX_BLOCKING_SCRIPT = 20_000  # bytes: Sphinx's own small scripts (doctools.js, ...) stay
MAX_BLOCKING_BYTES = 1_000_000  # the document, stylesheets and synchronous scripts
MAX_FIRST_PAINT_MS = 10_000
# A slow 4G phone: bytes per second, milliseconds.
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}


class _HeadScripts(HTMLParser):
    """The ``<script src>`` elements of a page's head: their src and attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.in_head = True

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_head = False
        elif tag == "script" and self.in_head and dict(attrs).get("src"):
            self.scripts.append(dict(attrs))


def _head_scripts(page: str) -> list[dict[str, str | None]]:
    parser = _HeadScripts()
    parser.feed(read_page(page))
    return parser.scripts


def _local_file(page: str, src: str) -> Path | None:
    path = urlsplit(src).path
    if urlsplit(src).scheme or not path:
        return None
    target = (HTML / page).parent / path
    return target if target.is_file() else None


def _name(src: str) -> str:
    return Path(urlsplit(src).path).name


@pytest.mark.parametrize("page", PAGES)
def test_no_big_script_blocks_the_first_paint(page):
    """A script in the head without defer or async stops the parser until it has arrived: none
    may weigh more than MAX_BLOCKING_SCRIPT bytes (embed-amd.js, require.js and searchindex.js
    did)."""
    if page == SEARCH_PAGE:
        pytest.skip("the search page shows nothing without searchindex.js (its template, "
                    "pydata-sphinx-theme's, and course-search.js load it in order)")
    blocking = []
    for script in _head_scripts(page):
        if "defer" in script or "async" in script or script.get("type") == "module":
            continue
        path = _local_file(page, script["src"])
        size = path.stat().st_size if path else 0
        if size > MAX_BLOCKING_SCRIPT:
            blocking.append(f"{_name(script['src'])} ({size:,} bytes)")
    assert not blocking, "scripts that block the first paint (load them deferred): " + ", ".join(
        blocking)


# Scripts that must run before others: (first, then).
RUN_BEFORE = [("mathjax2-shim.js", "tex-svg.js"), ("require.js", "embed-amd.js")]


@pytest.mark.parametrize("page", WIDGET_PAGES)
def test_widget_scripts_run_in_order(page):
    """The MathJax 2 shim runs before MathJax (it configures it), require.js before
    embed-amd.js (an AMD module): synchronous scripts run as they are parsed, then the deferred
    ones in the order of the page."""
    scripts = [s for s in _head_scripts(page) if "async" not in s]
    runs = ([_name(s["src"]) for s in scripts if "defer" not in s]
            + [_name(s["src"]) for s in scripts if "defer" in s])
    assert {"require.js", "embed-amd.js"} <= set(runs), runs
    wrong = [f"{then} runs before {first}" for first, then in RUN_BEFORE
             if first in runs and then in runs and runs.index(then) < runs.index(first)]
    assert not wrong, f"{wrong}; the scripts run in the order {runs}"


# Bytes of the document and of the resources that block its first paint (Chrome's
# renderBlockingStatus); those loaded before the first paint; the first paint itself.
WEIGHT_JS = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const fcp = paint ? paint.startTime : null;
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const bytes = (entries) => entries.reduce((sum, r) => sum + (r.encodedBodySize || 0), 0);
  const blocking = resources.filter((r) => r.renderBlockingStatus === "blocking");
  const before = resources.filter((r) => fcp !== null && r.responseEnd <= fcp);
  const name = (r) => r.name.split("/").pop().split("?")[0];
  return {fcp, document: nav.encodedBodySize,
          blockingBytes: nav.encodedBodySize + bytes(blocking),
          blocking: blocking.map((r) => [name(r), r.encodedBodySize]),
          bytesBeforePaint: nav.encodedBodySize + bytes(before)};
}"""


def _new_page(browser, **options):
    """A fresh context (empty cache) and page, without the request routing of open_page
    (Playwright's routing could bypass the network emulation)."""
    context = browser.new_context(**({"viewport": VIEWPORT} | options))
    page = context.new_page()
    return context, page


@pytest.mark.parametrize("page_name", WIDGET_PAGES)
def test_render_blocking_bytes(browser, base_url, page_name):
    """What the first paint of a widget page waits for, as chromium classifies it: the
    document, the stylesheets and the synchronous scripts; no widget, search or icon script."""
    context, page = _new_page(browser)
    try:
        page.goto(base_url + page_name, wait_until="load")
        got = page.evaluate(WEIGHT_JS)
    finally:
        context.close()
    print(f"{page_name}: {got['blockingBytes']:,} bytes block the first paint")
    heavy = [name for name, _ in got["blocking"]
             if name in ("embed-amd.js", "require.js", "fontawesome.js", "tex-svg.js",
                         "searchindex.js", "searchtools.js")]
    assert not heavy, f"render-blocking: {heavy}"
    assert got["blockingBytes"] < MAX_BLOCKING_BYTES, (
        f"{got['blockingBytes']:,} bytes block the first paint: {got['blocking']}")


@pytest.mark.parametrize("page_name", SLOW_PAGES)
def test_first_paint_on_a_slow_connection(browser, base_url, page_name):
    """On a slow 4G phone connection the page paints within MAX_FIRST_PAINT_MS (Lab 05 took
    about 40 s while embed-amd.js blocked it). Waits at most twice the bound."""
    context, page = _new_page(browser, viewport={"width": 390, "height": 844},
                              is_mobile=True, has_touch=True)
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        page.goto(base_url + page_name, wait_until="commit")
        waited = 2 * MAX_FIRST_PAINT_MS
        try:
            page.wait_for_function(
                "() => performance.getEntriesByName('first-contentful-paint').length > 0",
                timeout=waited, polling=100)
        except PlaywrightTimeout:
            pytest.fail(f"no first paint within {waited / 1000:.0f} s on a slow 4G connection "
                        f"(bound {MAX_FIRST_PAINT_MS / 1000:.0f} s)")
        got = page.evaluate(WEIGHT_JS)
    finally:
        context.close()
    print(f"{page_name}: first paint after {got['fcp'] / 1000:.1f} s on slow 4G, "
          f"{got['bytesBeforePaint']:,} bytes loaded by then")
    assert got["fcp"] < MAX_FIRST_PAINT_MS, got
