"""Fixtures of the browser tests: a local HTTP server for the built site, one headless chromium,
and one recorded visit per page (see the docstring of test_browser.py).

Without a built site, or without chromium (or the playwright package), the tests here are
skipped, unless LABCODE_REQUIRE_SITE=1 / LABCODE_REQUIRE_BROWSER=1 make that a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from .built_site import (
    CHROMIUM_ARGS,
    HERE,
    HTML,
    LAB_DIR,
    LOCAL_HOST,
    SCREENSHOTS,
    TIMEOUT_MS,
    VIEWPORT,
    IdCollector,
    chromium_path,
    have_playwright,
    is_local,
    meta_refresh,
    no_chromium_message,
    required,
    widget_state,
)

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # then the tests are skipped, or fail in the browser fixture
    PlaywrightTimeout = TimeoutError


def pytest_collection_modifyitems(config, items):
    """Skip this folder's tests when the site or the browser is missing (and not required)."""
    no_site = no_browser = None
    if not HTML.is_dir() and not required("LABCODE_REQUIRE_SITE"):
        no_site = f"no built site in {HTML}: run `make site` or `make book`"
    if not required("LABCODE_REQUIRE_BROWSER"):
        if chromium_path() is None:
            no_browser = no_chromium_message()
        elif not have_playwright():
            no_browser = "the playwright package is missing: pip install -r requirements.txt"
    for item in items:
        if HERE not in Path(str(item.path)).parents:
            continue
        reason = no_site or (no_browser if "browser" in item.fixturenames else None)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason), append=False)


# ---------------------------------------------------------------------------------------------
# The server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@pytest.fixture(scope="session")
def site() -> Path:
    if not HTML.is_dir():
        pytest.fail(f"no built site in {HTML}: run `make site` first")
    return HTML


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 (a free port) by http.server in a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@dataclass
class Fetched:
    status: int
    body: bytes
    content_type: str

    @functools.cached_property
    def ids(self) -> set[str]:
        parser = IdCollector()
        parser.feed(self.body.decode("utf-8", errors="replace"))
        return parser.ids


@pytest.fixture(scope="session")
def fetch(base_url: str):
    """GET a URL of the local server (cached: many pages share their sidebar links)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for us

    @functools.cache
    def get(url: str) -> Fetched:
        assert urlsplit(url).hostname == LOCAL_HOST, url
        try:
            with opener.open(url, timeout=10) as response:
                return Fetched(response.status, response.read(),
                               response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            return Fetched(error.code, b"", "")

    return get


# ---------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def browser(site: Path):
    """One headless chromium for all the tests."""
    executable = chromium_path()
    if executable is None:
        pytest.fail(no_chromium_message() + " (LABCODE_REQUIRE_BROWSER=1)")
    if not have_playwright():
        pytest.fail("the playwright package is missing: pip install -r requirements.txt")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Recorder:
    """What a page did: errors, requests leaving 127.0.0.1, failed local requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    last_request: float = field(default_factory=time.monotonic)

    def errors(self) -> list[str]:
        return list(dict.fromkeys(self.console_errors + self.page_errors + self.failed_requests))


@pytest.fixture(scope="session")
def open_page(browser):
    """Open a URL in a fresh context (empty storage: a first-time visitor, like a student who
    follows a link to one lab), with every request to another host blocked and recorded."""
    contexts = []

    def open_(url: str, **options):
        """``options`` go to the browser context: e.g. a phone's ``viewport`` and
        ``has_touch``, or ``color_scheme="dark"``."""
        context = browser.new_context(**({"viewport": VIEWPORT} | options))
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        record = Recorder()

        def route(route):
            request_url = route.request.url
            if is_local(request_url):
                route.continue_()
            else:
                record.external_requests.append(request_url)
                route.abort("blockedbyclient")

        bad_status: set[str] = set()

        def on_console(message):
            if message.type != "error":
                return
            where = (message.location or {}).get("url", "")
            if where and not is_local(where):
                return  # a blocked external request: reported as such
            if message.text.startswith("Failed to load resource") and where in bad_status:
                return  # reported by on_response, with its URL
            record.console_errors.append(f"{message.text} [{where or 'inline'}]")

        def on_response(response):
            if response.status >= 400 and is_local(response.url):
                bad_status.add(response.url)
                record.failed_requests.append(f"HTTP {response.status}: {response.url}")

        def on_request_failed(request):
            if is_local(request.url) and request.url not in bad_status:
                record.failed_requests.append(f"{request.failure}: {request.url}")

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda request: setattr(record, "last_request", time.monotonic()))
        page.on("console", on_console)
        page.on("pageerror", lambda error: record.page_errors.append(
            f"uncaught {error.name}: {error.message}"))
        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)
        response = page.goto(url, wait_until="load")
        return page, response, record

    yield open_
    for context in contexts:
        context.close()  # no-op for those closed already


# ---------------------------------------------------------------------------------------------
# One visit per page


@dataclass
class Visit:
    """Everything the tests check on one page, recorded in one load of it."""

    page: str
    status: int | None
    final_url: str
    record: Recorder
    images: list[dict]
    links: list[str]
    math: dict
    widgets: list[dict]
    dropdown: dict | None
    banner: dict
    screenshot: Path | None
    title: str = ""
    exercises: list[str] = field(default_factory=list)  # the caption numbers, in order
    markers: dict = field(default_factory=dict)  # solution markers in the text, in code blocks
    favicon: dict | None = None


# JS run in the page: load every image (eager, scrolled into view), then report them.
LOAD_IMAGES_JS = """async () => {
  const images = [...document.images];
  for (const img of images) { img.loading = "eager"; img.scrollIntoView(); }
  const settled = (img) => img.complete ? Promise.resolve() : new Promise((resolve) => {
    img.addEventListener("load", resolve, {once: true});
    img.addEventListener("error", resolve, {once: true});
  });
  const decoded = Promise.all(images.map(settled)).then(
    () => Promise.all(images.map((img) => img.decode().catch(() => null))));
  await Promise.race([decoded, new Promise((resolve) => setTimeout(resolve, 10000))]);
  window.scrollTo(0, 0);
  return images.map((img) => ({src: img.getAttribute("src"), url: img.currentSrc || img.src,
                               complete: img.complete, naturalWidth: img.naturalWidth}));
}"""

# Each rendered widget: its model id, the widget-* classes under it, its slider readouts, and
# whether a static image (not one drawn by a widget) sits in its cell or the cell before/after.
WIDGETS_JS = """() => [...document.querySelectorAll(".widget-subarea")].map((sub) => {
  const script = sub.nextElementSibling;
  let modelId = null;
  if (script && script.type === "application/vnd.jupyter.widget-view+json") {
    modelId = JSON.parse(script.textContent).model_id;
  }
  const classes = {};
  sub.querySelectorAll("*").forEach((el) => el.classList.forEach((c) => {
    if (c.startsWith("widget-") || c === "jupyter-widgets") classes[c] = (classes[c] || 0) + 1;
  }));
  const staticImage = (el) => !!el && [...el.querySelectorAll("img")].some(
    (img) => !img.closest(".widget-subarea"));
  const neighbour = (el, step) => {
    let node = el ? el[step] : null;
    while (node && !node.matches(".cell")) {
      if (node.matches("h1, h2, h3, h4, h5, h6, section")) return null;
      node = node[step];
    }
    return node;
  };
  const cell = sub.closest(".cell");
  return {
    modelId,
    classes,
    readouts: [...sub.querySelectorAll(".widget-readout")].map((r) => r.textContent.trim()),
    visible: sub.getBoundingClientRect().height > 0,
    staticFigure: staticImage(cell) || staticImage(neighbour(cell, "previousElementSibling"))
      || staticImage(neighbour(cell, "nextElementSibling")),
  };
})"""

MATH_JS = """() => ({
  math: document.querySelectorAll(".math").length,
  typeset: [...document.querySelectorAll(".math")].filter(
    (el) => el.querySelector("mjx-container svg")).length,
  errors: [...document.querySelectorAll("mjx-merror, [data-mjx-error]")].map(
    (el) => el.getAttribute("data-mjx-error") || el.textContent),
  cut: [...document.querySelectorAll("div.math mjx-container[display='true']")].map(
    (el) => [Math.round(el.querySelector("svg").getBoundingClientRect().width),
             el.clientWidth]).filter(([formula, box]) => formula > box + 1),
})"""

BANNER_JS = """() => {
  const link = (selector) => {
    const a = document.querySelector(selector);
    return a ? {href: a.href, raw: a.getAttribute("href"), download: a.hasAttribute("download")}
             : null;
  };
  return {download: link("a.labcode-student-download"), colab: link("a.labcode-colab")};
}"""


EXERCISES_JS = """() => [...document.querySelectorAll(
  "div.exercise > .admonition-title .caption-number")].map((el) => el.textContent.trim())"""

# Solution markers anywhere in the text (hidden dropdowns included), and as lines of code blocks.
MARKERS_JS = """() => ({
  text: /(BEGIN|END) SOLUTION/.test(document.body.textContent),
  code: [...document.querySelectorAll("pre")].some(
    (pre) => /^[ \\t]*#\\s*(BEGIN|END) SOLUTION/m.test(pre.textContent)),
})"""

# The page's favicon: its link, and whether the image it points at loads and decodes.
FAVICON_JS = """async () => {
  const link = document.querySelector("link[rel~='icon']");
  if (!link) return null;
  const img = new Image();
  const loaded = new Promise((resolve) => { img.onload = img.onerror = resolve; });
  img.src = link.href;
  await Promise.race([loaded, new Promise((resolve) => setTimeout(resolve, 5000))]);
  return {href: link.getAttribute("href"), width: img.naturalWidth, height: img.naturalHeight};
}"""


def _dropdown(page) -> dict | None:
    """Click the first solution dropdown; report whether its content was hidden, then shown."""
    solutions = page.locator("div.solution.dropdown")
    count = solutions.count()
    if count == 0:
        return None
    first = solutions.first
    content = first.locator(":scope > :not(.admonition-title)").first
    button = first.locator(".admonition-title button.toggle-button")
    result = {
        "count": count,
        "hidden_before": not content.is_visible(),
        "all_hidden_before": page.evaluate(
            """() => [...document.querySelectorAll("div.solution.dropdown")].every(
                 (d) => [...d.children].filter((c) => !c.matches(".admonition-title"))
                          .every((c) => c.getBoundingClientRect().height === 0))"""),
        "has_button": button.count() == 1,
    }
    if result["has_button"]:
        button.click()
        with contextlib.suppress(PlaywrightTimeout):  # reported through visible_after
            content.wait_for(state="visible", timeout=3000)
        result["visible_after"] = content.is_visible()
        result["aria_expanded"] = button.get_attribute("aria-expanded")
    return result


def _wait_for_widgets(page, n_views: int) -> None:
    with contextlib.suppress(PlaywrightTimeout):  # test_widgets_render reports what rendered
        page.wait_for_function(
            """(n) => {
                 const subs = document.querySelectorAll(".widget-subarea");
                 return subs.length >= n && [...subs].every((s) => s.querySelector(
                   ".jupyter-widgets"));
               }""", arg=n_views, timeout=TIMEOUT_MS)


def _wait_for_math(page) -> None:
    if page.evaluate("() => !!(window.MathJax && window.MathJax.startup)"):
        page.evaluate("() => window.MathJax.startup.promise")


def _wait_until_quiet(page, record: Recorder, quiet: float = 0.5, limit: float = 5.0) -> None:
    """Wait until the page has sent no request for `quiet` seconds (late loads such as fonts
    must reach the recorder). Playwright's "networkidle" can hang on requests that chromium
    aborts while they are routed."""
    start = time.monotonic()
    while time.monotonic() - start < limit and time.monotonic() - record.last_request < quiet:
        page.wait_for_timeout(100)


def screenshot_name(page: str) -> str:
    return Path(page).stem + ".png"


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture(scope="session")
def visit(base_url, open_page, screenshot_dir):
    """visit(page) -> Visit: load the page once (cached), wait for images, math and widgets,
    save a screenshot (lab pages and the intro), then click its first solution dropdown."""
    cache: dict[str, Visit | Exception] = {}

    def load(page_name: str) -> Visit:
        url = urljoin(base_url, page_name)
        shoot = page_name.startswith(f"{LAB_DIR}/") or page_name == "book/intro.html"
        page, response, record = open_page(url)
        try:
            return inspect(page, url, page_name, response, record, shoot)
        finally:
            page.context.close()

    def inspect(page, url, page_name, response, record, shoot) -> Visit:
        status = response.status if response else None
        target = meta_refresh(page_name)
        if target:  # index.html: wait for the redirect, then check the page it lands on
            page.wait_for_url(urljoin(url, target))
            page.wait_for_load_state("load")
            page_name = urlsplit(page.url).path.lstrip("/")
        _, views = widget_state(page_name)
        if views:
            _wait_for_widgets(page, len(views))
        _wait_for_math(page)
        images = page.evaluate(LOAD_IMAGES_JS)
        _wait_until_quiet(page, record)
        shot = None
        if shoot:
            shot = screenshot_dir / screenshot_name(page_name)
            page.screenshot(path=str(shot), full_page=True)
        info = Visit(
            page=page_name,
            status=status,
            final_url=page.url,
            record=record,
            images=images,
            links=page.eval_on_selector_all("a[href]", "(as) => as.map((a) => a.href)"),
            math=page.evaluate(MATH_JS),
            widgets=page.evaluate(WIDGETS_JS),
            dropdown=_dropdown(page),
            banner=page.evaluate(BANNER_JS),
            screenshot=shot,
            title=page.title(),
            exercises=page.evaluate(EXERCISES_JS),
            markers=page.evaluate(MARKERS_JS),
            favicon=page.evaluate(FAVICON_JS),
        )
        page.wait_for_timeout(100)  # let a click's errors, if any, reach the recorder
        return info

    def get(page_name: str) -> Visit:
        if page_name not in cache:
            try:
                cache[page_name] = load(page_name)
            except Exception as error:  # e.g. a timeout: every test of this page reports it
                cache[page_name] = error
        result = cache[page_name]
        if isinstance(result, Exception):
            raise result
        return result

    return get
