"""The lab pages as a student reads them at 1280 pixels: figures, widgets, code, progress.

Run like the other browser tests (see test_browser.py), e.g. against a build of your own::

    LABCODE_SITE=/tmp/site/_build/html LABCODE_REQUIRE_SITE=1 \\
        .venv/bin/python -m pytest tests/browser/test_figures.py -q

Each check fails if a problem of issue 15 comes back:

- **gaps**: no code cell holds more than ``MAX_GAP`` (40) pixels of empty space below its last
  visible content, and no output of a code cell is an empty box taller than that (a progress
  bar widget whose model was closed left 64-115 pixels of nothing);
- **code width**: no code block, input or output (widget texts too), scrolls sideways: its
  ``scrollWidth`` fits its ``clientWidth`` (79 characters fit the column);
- **figure text**: every figure's smallest text is at least ``MIN_TEXT_PX`` (10) pixels on the
  page: ``MIN_FONT_PT * dpi / 72 * rendered width / PNG width``, with the dpi read from the
  PNG (its pHYs chunk), the PNG's width in pixels and the width the browser renders it at.
  ``MIN_FONT_PT`` is the smallest font of ``labcode.plots``'s style (tests/unit/test_plots.py
  checks every figure function against it; ``test_notebook_figures_use_the_course_fonts``
  checks that no notebook asks for a smaller font or a wider figure);
- **click to enlarge**: every figure links to its PNG;
- **alt text**: every image has an alt text that says something (not its file name);
- **widget scripts**: a page without a saved widget view loads no widget script (3.6 MB of
  ``embed-amd.js``) and carries no widget state; no page saves a progress-bar widget;
- **widgets react**: moving a control of a ``labcode.widgets`` demo changes the text it shows,
  with no kernel and no script error;
- **dark mode**: no widget paints a light block on the dark page.

Screenshots of every widget, light and dark, go to ``_build/browser-screenshots/figures/``.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from labcode.plots import COLUMN_WIDTH, MIN_FONT_PT

from .built_site import (
    HTML,
    LAB_DIR,
    ROOT,
    SCREENSHOTS,
    TIMEOUT_MS,
    VIEWPORT,
    lab_pages,
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

MAX_GAP = 40  # pixels
#: The widest figure a notebook may ask for (the course's rule; labcode.plots draws
#: COLUMN_WIDTH = 6.8 inches, the column's exact width at 100 dpi).
MAX_FIGSIZE = 7.0  # inches
MIN_TEXT_PX = 10
WIDGET_SCRIPTS = ("embed-amd.js", "require.js")
PROGRESS_MODELS = {"FloatProgressModel", "IntProgressModel"}
TEXT_CLASS = "labcode-widget-text"
SHOTS = SCREENSHOTS / "figures"

PAGES = [page for page in site_pages() if not meta_refresh(page)]
LABS = lab_pages()
WIDGET_PAGES = [page for page in LABS if widget_state(page)[1]]
DEMO_PAGES = [page for page in WIDGET_PAGES if TEXT_CLASS in read_page(page)]
NOTEBOOKS = sorted((ROOT / LAB_DIR).glob("*.ipynb"))


# ---------------------------------------------------------------------------------------------
# What the browser measures


# Load every image, wait for the widgets, then measure cells, code blocks and figures.
LAYOUT_JS = """async (nViews) => {
  const images = [...document.images];
  for (const img of images) { img.loading = "eager"; }
  await Promise.race([
    Promise.all(images.map((img) => img.decode().catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 10000))]);
  const deadline = Date.now() + 15000;
  while (nViews && Date.now() < deadline && document.querySelectorAll(
      ".widget-subarea .jupyter-widgets").length < nViews) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  window.scrollTo(0, 0);
  const visible = (el) => {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none";
  };
  const CONTENT = "pre, img, svg, canvas, table, input, button, select, textarea, .noUi-target";
  // The bottom of the last thing a reader sees in root: text, images, controls.
  const contentBottom = (root) => {
    let bottom = -Infinity;
    [root, ...root.querySelectorAll(CONTENT)].forEach((el) => {
      if (el.matches(CONTENT) && visible(el)) {
        bottom = Math.max(bottom, el.getBoundingClientRect().bottom);
      }
    });
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) if (r.height > 0) bottom = Math.max(bottom, r.bottom);
    }
    return bottom;
  };
  const firstLine = (el) => ((el && el.textContent) || "").trim().split("\\n")[0].slice(0, 70);
  const cells = [...document.querySelectorAll("article div.cell")].filter(visible).map((cell) => {
    const box = cell.getBoundingClientRect();
    const outputs = [...cell.querySelectorAll(".cell_output > *")].filter(visible).map((out) => {
      const r = out.getBoundingClientRect(), bottom = contentBottom(out);
      return {height: Math.round(r.height),
              empty: Math.round(bottom === -Infinity ? r.height : r.bottom - bottom),
              text: firstLine(out)};
    });
    return {code: firstLine(cell.querySelector(".cell_input pre")) || firstLine(cell),
            empty: Math.round(box.bottom - contentBottom(cell)), outputs};
  });
  const blocks = [...document.querySelectorAll("article pre")].filter(visible).map((pre) => ({
    where: pre.closest(".cell_input") ? "input" : (pre.closest(".widget-subarea") ? "widget"
           : (pre.closest(".cell_output") ? "output" : "text")),
    scroll: pre.scrollWidth, client: pre.clientWidth, text: firstLine(pre)}));
  const figures = [...document.querySelectorAll("article .cell_output img")].map((img) => {
    const link = img.closest("a");
    return {src: img.getAttribute("src"), url: img.currentSrc || img.src, alt: img.alt,
            natural: img.naturalWidth, rendered: img.getBoundingClientRect().width,
            link: link ? link.href : null};
  });
  return {cells, blocks, figures};
}"""

# The texts each widget shows now (the visible page of each labcode.widgets Stack).
SHOWN_JS = """() => [...document.querySelectorAll(".widget-subarea")].map((sub) =>
  [...sub.querySelectorAll("pre.labcode-widget-text")]
    .filter((pre) => pre.getBoundingClientRect().height > 0).map((pre) => pre.textContent))"""

# Light blocks inside widgets: elements of more than 30 x 30 pixels with a light background.
LIGHT_BLOCKS_JS = """() => {
  const light = (colour) => {
    const m = colour.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/);
    if (!m || (m[4] !== undefined && +m[4] < 0.5)) return false;
    const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
      const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.4;
  };
  const found = [];
  for (const sub of document.querySelectorAll(".widget-subarea")) {
    for (const el of [sub, ...sub.querySelectorAll("*")]) {
      const r = el.getBoundingClientRect();
      if (r.width * r.height > 900 && light(getComputedStyle(el).backgroundColor)) {
        found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ` +
                   `${Math.round(r.width)}x${Math.round(r.height)} ` +
                   getComputedStyle(el).backgroundColor);
      }
    }
  }
  return {found, dark: document.documentElement.dataset.theme};
}"""


def png_dpi(path: Path) -> float:
    """The resolution a PNG declares (pHYs, pixels per metre -> per inch); 72 if none."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    i = 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        if kind == b"pHYs":
            x, _, unit = struct.unpack(">IIB", data[i + 8:i + 17])
            if unit == 1:
                return x * 0.0254
        if kind == b"IDAT":
            break
        i += 12 + length
    return 72.0


def _file_of(page: str, src: str) -> Path:
    return (HTML / Path(page).parent / unquote(urlsplit(src).path)).resolve()


@pytest.fixture(scope="module")
def shots() -> Path:
    """The folder of this module's screenshots, emptied once per run."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    return SHOTS


@pytest.fixture(scope="module")
def layout(open_page, base_url):
    """layout(page) -> what LAYOUT_JS measured on the page at 1280 pixels (cached)."""
    cache: dict[str, dict] = {}

    def get(page_name: str) -> dict:
        if page_name not in cache:
            page, _, _ = open_page(urljoin(base_url, page_name))
            try:
                cache[page_name] = page.evaluate(LAYOUT_JS, len(widget_state(page_name)[1]))
            finally:
                page.context.close()
        return cache[page_name]

    return get


# ---------------------------------------------------------------------------------------------
# Gaps, code width, figures


@pytest.mark.parametrize("page", LABS)
def test_no_gap_under_code_cells(layout, page):
    problems = []
    for cell in layout(page)["cells"]:
        if cell["empty"] > MAX_GAP:
            problems.append(f"{cell['empty']} px of nothing at the bottom of the cell "
                            f"{cell['code']!r}")
        for out in cell["outputs"]:
            if out["empty"] > MAX_GAP:
                problems.append(f"an output of {cell['code']!r} ({out['height']} px high) ends "
                                f"with {out['empty']} px of nothing: {out['text']!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", LABS)
def test_code_blocks_fit_the_column(layout, page):
    blocks = layout(page)["blocks"]
    assert blocks, "no code block on a lab page"
    wide = [f"{b['where']}: {b['scroll']} px in {b['client']} px: {b['text']!r}"
            for b in blocks if b["scroll"] > b["client"] + 1]
    assert not wide, f"{len(wide)} of {len(blocks)} code blocks scroll sideways:\n" + "\n".join(
        wide)


FIGURE_PAGES = [page for page in LABS if re.search(r'class="cell_output[^"]*".*?<img',
                                                   read_page(page), re.S)]


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_figure_text_is_at_least_10_px(layout, page):
    """The smallest text of a figure, MIN_FONT_PT points at the PNG's dpi, shrunk with it."""
    figures = layout(page)["figures"]
    assert figures
    small = []
    for fig in figures:
        assert fig["natural"] > 0, f"{fig['src']} did not load"
        dpi = png_dpi(_file_of(page, fig["src"]))
        px = MIN_FONT_PT * dpi / 72 * fig["rendered"] / fig["natural"]
        if px < MIN_TEXT_PX:
            small.append(f"{fig['src']}: {fig['natural']} px wide at {dpi:.0f} dpi, shown "
                         f"{fig['rendered']:.0f} px wide: {MIN_FONT_PT} pt text is {px:.1f} px "
                         f"(make it at most {COLUMN_WIDTH} inches wide, or stack its panels)")
    assert not small, "\n".join(small)


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_figures_open_full_size(layout, page):
    unlinked = [fig["src"] for fig in layout(page)["figures"]
                if not fig["link"] or fig["link"].split("?")[0] != fig["url"].split("?")[0]]
    assert not unlinked, f"figures without a link to their PNG: {unlinked}"


# ---------------------------------------------------------------------------------------------
# From the HTML: alt text, widget scripts, progress bars


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(read_page(page))
    return parser


def _says_something(alt: str | None, src: str) -> bool:
    if not alt or len(alt.split()) < 4:
        return False
    name = Path(urlsplit(src).path).name
    return name not in alt and not re.search(r"\.(png|jpe?g|svg|gif)\b|_images/", alt)


IMAGE_PAGES = [page for page in PAGES if "<img" in read_page(page)]


@pytest.mark.parametrize("page", IMAGE_PAGES)
def test_every_image_has_alt_text(page):
    missing = [img.get("src") for img in _tags(page).images
               if not _says_something(img.get("alt"), img.get("src") or "")]
    assert not missing, ("images whose alt text is missing or a file name (set it in the "
                         "cell's metadata, mystnb: image: alt: ...): " + ", ".join(missing))


@pytest.mark.parametrize("page", PAGES)
def test_no_widget_scripts_without_widgets(page):
    _, views = widget_state(page)
    loaded = [src for src in _tags(page).scripts if Path(urlsplit(src).path).name
              in WIDGET_SCRIPTS]
    if views:
        assert len(loaded) == len(WIDGET_SCRIPTS), f"a widget page without {WIDGET_SCRIPTS}"
    else:
        assert not loaded, f"no widget on the page, yet it loads {loaded}"
        assert "application/vnd.jupyter.widget-state+json" not in read_page(page)


@pytest.mark.parametrize("page", WIDGET_PAGES)
def test_no_progress_bar_widgets(page):
    models, _ = widget_state(page)
    bars = [model_id for model_id, m in models.items() if m["model_name"] in PROGRESS_MODELS]
    assert not bars, ("progress-bar widgets saved on the page (show progress as text: "
                      f"labcode.training.progress_bar): {bars}")


# ---------------------------------------------------------------------------------------------
# Widgets: they react without a kernel, and are dark in dark mode


def _wait_for_demos(page) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('.widget-subarea pre.{TEXT_CLASS}').length > 0",
        timeout=TIMEOUT_MS)


def _operate(sub) -> str:
    """Move the first control of a widget: a slider one step, or another toggle button."""
    handle = sub.locator(".noUi-handle")
    if handle.count():
        handle.first.focus()
        now = handle.first.get_attribute("aria-valuenow")
        top = handle.first.get_attribute("aria-valuemax")
        handle.first.press("ArrowLeft" if now is not None and now == top else "ArrowRight")
        return "slider"
    buttons = sub.locator(".widget-toggle-button:not(.mod-active)")
    if buttons.count():
        buttons.first.click()
        return "toggle button"
    raise AssertionError("a labcode.widgets demo with no slider and no toggle button")


@pytest.mark.parametrize("page", DEMO_PAGES)
def test_widgets_react_without_a_kernel(open_page, base_url, shots, page):
    browser_page, _, record = open_page(urljoin(base_url, page))
    try:
        _wait_for_demos(browser_page)
        subs = browser_page.locator(".widget-subarea")
        checked = 0
        for i in range(subs.count()):
            before = browser_page.evaluate(SHOWN_JS)[i]
            if not before:
                continue  # not a labcode.widgets demo
            sub = subs.nth(i)
            sub.scroll_into_view_if_needed()
            control = _operate(sub)
            with contextlib.suppress(PlaywrightTimeout):
                browser_page.wait_for_function(
                    f"([i, before]) => JSON.stringify(({SHOWN_JS})()[i]) !== before",
                    arg=[i, json.dumps(before)], timeout=3000)
            after = browser_page.evaluate(SHOWN_JS)[i]
            assert after and after != before, (
                f"widget {i}: moving its {control} changed nothing: still {before!r}")
            sub.screenshot(path=str(shots / f"{Path(page).stem}-widget{i}-light.png"))
            checked += 1
        assert checked, "no labcode.widgets demo found"
        assert not record.page_errors, "script errors: " + "; ".join(record.page_errors)
    finally:
        browser_page.context.close()


@pytest.mark.parametrize("page", WIDGET_PAGES)
def test_widgets_are_dark_in_dark_mode(browser, base_url, shots, page):
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    try:
        context.route("**/*", lambda route: route.continue_() if urlsplit(
            route.request.url).hostname == "127.0.0.1" else route.abort())
        browser_page = context.new_page()
        browser_page.goto(urljoin(base_url, page), wait_until="load")
        browser_page.wait_for_function(
            "(n) => document.querySelectorAll('.widget-subarea .jupyter-widgets').length >= n",
            arg=len(widget_state(page)[1]), timeout=TIMEOUT_MS)
        browser_page.wait_for_timeout(300)
        result = browser_page.evaluate(LIGHT_BLOCKS_JS)
        assert result["dark"] == "dark", "the page did not switch to dark mode"
        subs = browser_page.locator(".widget-subarea")
        for i in range(subs.count()):
            subs.nth(i).scroll_into_view_if_needed()
            subs.nth(i).screenshot(path=str(shots / f"{Path(page).stem}-widget{i}-dark.png"))
        assert not result["found"], "light blocks in dark mode:\n" + "\n".join(result["found"])
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# The notebooks ask for figures of the course's sizes


SMALL_FONT = re.compile(
    r"""fontsize\s*=\s*(?:(\d+(?:\.\d+)?)|["'](xx-small|x-small|small|smaller)["'])""")
FIGSIZE = re.compile(r"figsize\s*=\s*\(\s*(\d+(?:\.\d+)?)")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_figures_use_the_course_fonts(notebook):
    """Figures drawn in a notebook use no font below MIN_FONT_PT and are at most MAX_FIGSIZE
    inches wide (labcode.plots.course_style gives both)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    problems = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        for match in SMALL_FONT.finditer(source):
            size = match.group(1)
            if size is None or float(size) < MIN_FONT_PT:
                problems.append(f"{match.group(0)} (at least {MIN_FONT_PT} pt)")
        for match in FIGSIZE.finditer(source):
            if float(match.group(1)) > MAX_FIGSIZE:
                problems.append(f"{match.group(0)}...) (at most {MAX_FIGSIZE} inches wide)")
    assert not problems, "; ".join(problems)
