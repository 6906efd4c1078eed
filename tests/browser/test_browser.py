"""Browser tests: the built site, opened in a real (headless) chromium, works offline.

How to run
----------
Build the site, then run the tests::

    make site
    LABCODE_REQUIRE_SITE=1 .venv/bin/python -m pytest tests/browser -q

They serve ``_build/html`` on 127.0.0.1 (a free port; http.server in a background thread) and
drive Debian's chromium with Playwright (one browser for the whole session; every page is
loaded once, in a fresh browser context, i.e. as a first-time visitor). Each test is
parametrized per page, so a failure names the page.

Environment
-----------
``LABCODE_CHROMIUM``
    the chromium executable (default ``/usr/bin/chromium``; ``tests/browser/install_chromium.sh``
    installs Debian's package when it is missing and it can).
``LABCODE_REQUIRE_BROWSER=1``
    a missing chromium (or playwright package) fails the tests instead of skipping them.
``LABCODE_REQUIRE_SITE=1``
    a missing ``_build/html`` fails the tests instead of skipping them.
``LABCODE_SITE``
    test another build than ``_build/html`` (e.g. ``X/_build/html`` of a
    ``jupyter-book build --path-output X`` made with a derived config).
``LABCODE_SCREENSHOTS``
    save the screenshots in another folder than ``_build/browser-screenshots``.
``LABCODE_AXE``
    another copy of axe-core's ``axe.min.js`` than ``_build/axe`` (``make browser`` installs the
    pinned version there with npm).
``LABCODE_REQUIRE_AXE=1``
    a missing axe-core fails the accessibility tests instead of skipping them (``make browser``).

What is checked, on every page a reader can reach (index.html, search.html, book/*, solutions/*)
------------------------------------------------------------------------------------------------
- it loads (HTTP 200; index.html redirects to the intro);
- no console error and no uncaught exception from the site's own scripts (everything served
  from 127.0.0.1, theme scripts included), and no local request that fails (e.g. a 404);
- no request leaves 127.0.0.1: every other host is blocked (the site must work offline and use
  no CDN) and any attempt fails the test. There is no allow-list: the built site makes no such
  request (links to GitHub or Colab are only followed when clicked);
- every <img> loads and decodes (naturalWidth > 0);
- every formula is typeset by the vendored MathJax, without MathJax errors;
- every link into the site resolves (HTTP 200), and its #fragment exists on the target page;
- lab pages: the first solution dropdown is folded and opens on click; the saved ipywidgets
  render (sliders, progress bars, buttons, ...) with their saved values, each interactive widget
  has a static figure beside it; the banner links the student notebook (download, with no
  solution in it) and Colab;
- the search page finds the labs, and its snippets show no raw TeX (``\\(M = 5\\)``);
- as students meet the site (issue 15): at a phone's 390 px the lab-list and contents buttons
  open their panels (tapped, with touch), at 1280 px the lab list folds and comes back, there
  is one header and one Search button; exercises are numbered per lab ("Exercise 2.1", ...);
  no page shows ``# BEGIN SOLUTION`` / ``# END SOLUTION``; every page has a favicon that
  loads; the home page's title is the book's.
- reflow (WCAG 1.4.10): at 390, 360 and 320 px, light and dark, no page is wider than the
  window (the widest elements are named when one is); at 1280 px no formula is cut; the intro's
  lab map reads as cards on a phone;
- accessibility: axe-core on every page in light and dark mode (serious or critical violations
  fail, the others are warnings); the keyboard reaches and works a solution toggle (Enter,
  Space), the search and a widget slider (arrow keys), formulas are no Tab stops, and focused
  buttons and handles show a focus ring in both modes.

Artefacts, in ``_build/browser-screenshots/``: a full-page screenshot of each lab page and of
the intro at 1280 px (the sticky left sidebar is cut at the window's height there), and, for
the intro, the first lab and a widget page, the first screen at 390 px (``*-390.png``), with
the lab list open (``*-390-labs.png``), and in dark mode at 1280 px (``*-dark.png``).

Files: ``conftest.py`` (server, browser, one recorded visit per page), ``built_site.py`` (the
site on disk, and the settings), ``install_chromium.sh`` (``make browser`` runs it). The folder
is a package, as tests/ is (see tests/conftest.py).

Parameters computed from the built site
---------------------------------------
The pages, and which of them have images, math, solution dropdowns or widgets, are read from
the build. A list that comes out empty fails the collection (pytest's
``empty_parameter_set_mark = fail_at_collect``, in pyproject.toml), and
``test_no_lab_page_lost_its_dropdowns_or_widgets`` compares each lab page with its solution
notebook: a page, dropdown or widget that vanishes from the build is a failure, never a skip.
Skipped only: everything when there is no build at all and LABCODE_REQUIRE_SITE is not 1, and
the tests that drive chromium when there is no chromium (unless LABCODE_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import json
import re
import struct
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .built_site import (
    AXE,
    LAB_DIR,
    LOCAL_HOST,
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    lab_pages,
    meta_refresh,
    read_page,
    required,
    site_pages,
    skip_without_a_site,
    widget_state,
)
from .conftest import _wait_for_widgets

skip_without_a_site()

PAGES = site_pages()
LABS = lab_pages()
REDIRECTS = [page for page in PAGES if meta_refresh(page)]
CONTENT_PAGES = [page for page in PAGES if page not in REDIRECTS]
IMAGE_PAGES = [page for page in CONTENT_PAGES if re.search(r"<img\b", read_page(page))]
MATH_PAGES = [page for page in CONTENT_PAGES if 'class="math' in read_page(page)]
SOLUTION_PAGES = [page for page in LABS if 'class="solution dropdown' in read_page(page)]
WIDGET_PAGES = [page for page in CONTENT_PAGES if widget_state(page)[1]]
SCREENSHOT_PAGES = [page for page in CONTENT_PAGES if page in LABS or page == "book/intro.html"]

# The CSS class that html-manager 1.0 (ipywidgets 8) puts on the view of a widget model.
WIDGET_CLASS = {
    "IntSliderModel": "widget-slider",
    "FloatSliderModel": "widget-slider",
    "FloatLogSliderModel": "widget-slider",
    "IntRangeSliderModel": "widget-slider",
    "FloatRangeSliderModel": "widget-slider",
    "SelectionSliderModel": "widget-slider",
    "ToggleButtonsModel": "widget-toggle-buttons",
    "ButtonModel": "widget-button",
    "DropdownModel": "widget-dropdown",
    "CheckboxModel": "widget-checkbox",
    "HTMLModel": "widget-html",
    "OutputModel": "widget-output",
}
# Widgets that only show something (layout, text, progress, output): the others are controls.
DISPLAY_ONLY = {"BoxModel", "HBoxModel", "VBoxModel", "GridBoxModel", "HTMLModel",
                "HTMLMathModel", "LabelModel", "FloatProgressModel", "IntProgressModel",
                "OutputModel", "ImageModel", "ValidModel"}
SLIDERS = {"IntSliderModel", "FloatSliderModel", "SelectionSliderModel"}


NOTEBOOKS = sorted((ROOT / LAB_DIR).glob("*.ipynb"))  # the source of every lab page


def test_the_site_has_the_book_pages(site):
    assert "index.html" in PAGES and "book/intro.html" in PAGES, PAGES
    assert "search.html" in PAGES
    assert LABS, "no lab page in solutions/"
    assert [f"{LAB_DIR}/{path.stem}.html" for path in NOTEBOOKS] == LABS, LABS


def _saved_widget_views(notebook: dict) -> int:
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for cell in notebook["cells"] if cell["cell_type"] == "code"
               for output in cell.get("outputs", []))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_no_lab_page_lost_its_dropdowns_or_widgets(site, notebook):
    """What the page-level parameters (SOLUTION_PAGES, WIDGET_PAGES) are read from must be on
    the page: a solution dropdown if the notebook has a solution, every saved widget view."""
    page = f"{LAB_DIR}/{notebook.stem}.html"
    assert (site / page).is_file(), f"no page {page} for {notebook.name}"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    markdown = "\n".join("".join(cell["source"]) for cell in nb["cells"]
                         if cell["cell_type"] == "markdown")
    if "{solution" in markdown:
        assert page in SOLUTION_PAGES, f"{notebook.name} has solutions: no solution dropdown"
    views = _saved_widget_views(nb)
    assert len(widget_state(page)[1]) == views, f"{notebook.name} saves {views} widget views"
    assert (page in WIDGET_PAGES) == (views > 0)


# ---------------------------------------------------------------------------------------------
# Every page


@pytest.mark.parametrize("page", PAGES)
def test_page_loads(visit, page):
    result = visit(page)
    assert result.status == 200
    assert result.final_url.endswith("/" + result.page)


@pytest.mark.parametrize("page", REDIRECTS)
def test_redirect_lands_on_its_target(visit, page):
    target = meta_refresh(page)
    assert visit(page).final_url.endswith("/" + target)


@pytest.mark.parametrize("page", PAGES)
def test_no_console_errors(visit, page):
    errors = visit(page).record.errors()
    assert not errors, "errors on the page:\n" + "\n".join(errors)


@pytest.mark.parametrize("page", PAGES)
def test_no_request_leaves_the_site(visit, page):
    external = visit(page).record.external_requests
    assert not external, "requests to other hosts (blocked):\n" + "\n".join(external)


@pytest.mark.parametrize("page", IMAGE_PAGES)
def test_images_load_and_decode(visit, page):
    images = visit(page).images
    in_source = len(re.findall(r"<img\b", read_page(page)))
    assert len(images) >= in_source
    broken = [img["src"] for img in images if not (img["complete"] and img["naturalWidth"] > 0)]
    assert not broken, f"images that do not load: {broken}"


@pytest.mark.parametrize("page", MATH_PAGES)
def test_math_is_typeset(visit, page):
    math = visit(page).math
    assert math["math"] > 0
    assert math["typeset"] == math["math"], f"{math['math'] - math['typeset']} formulas not typeset"
    assert not math["errors"], f"MathJax errors: {math['errors']}"


@pytest.mark.parametrize("page", PAGES)
def test_internal_links_resolve(visit, fetch, page):
    links = sorted({href for href in visit(page).links if urlsplit(href).hostname == LOCAL_HOST})
    assert links, "no link into the site"
    problems = []
    for href in links:
        url, _, fragment = href.partition("#")
        got = fetch(url)
        if got.status != 200:
            problems.append(f"{href}: HTTP {got.status}")
        elif (fragment and got.content_type.startswith("text/html")
              and unquote(fragment) not in got.ids):
            problems.append(f"{href}: no element with id {unquote(fragment)!r}")
    assert not problems, "broken links:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", SCREENSHOT_PAGES)
def test_screenshot_saved(visit, page):
    shot = visit(page).screenshot
    assert shot is not None and shot.is_file()
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == VIEWPORT["width"] and height > VIEWPORT["height"], (width, height)


# ---------------------------------------------------------------------------------------------
# Lab pages


@pytest.mark.parametrize("page", SOLUTION_PAGES)
def test_solution_dropdown_opens_on_click(visit, page):
    dropdown = visit(page).dropdown
    assert dropdown is not None, "no div.solution.dropdown in the rendered page"
    assert dropdown["all_hidden_before"], "a solution is shown before any click"
    assert dropdown["hidden_before"]
    assert dropdown["has_button"], "sphinx-togglebutton added no toggle button"
    assert dropdown["visible_after"], "the solution stays hidden after a click"
    assert dropdown["aria_expanded"] == "true"


def _tree(models: dict, model_id: str) -> list[dict]:
    """A widget model and all its rendered children, depth first (the order of their DOM
    nodes). A Stack renders only its selected child (precomputed states, one shown)."""
    model = models[model_id]
    found = [model]
    children = model["state"].get("children", [])
    if model["model_name"] == "StackModel":
        selected = model["state"].get("selected_index")
        children = [children[selected]] if selected is not None else []
    for child in children:
        found += _tree(models, child.removeprefix("IPY_MODEL_"))
    return found


def _expected_class(model: dict) -> str | None:
    name = model["model_name"]
    if name in ("FloatProgressModel", "IntProgressModel"):
        vertical = model["state"].get("orientation") == "vertical"
        return "widget-vprogress" if vertical else "widget-hprogress"
    return WIDGET_CLASS.get(name)


def _readout_matches(text: str, model: dict) -> bool:
    state = model["state"]
    if model["model_name"] == "SelectionSliderModel":  # the readout is the option's label
        return text == state["_options_labels"][state["index"]]
    match = re.fullmatch(r"\.?(\d*)([df])", state.get("readout_format", "d"))
    decimals = int(match.group(1) or 0) if match and match.group(2) == "f" else 0
    try:
        return abs(float(text) - float(state["value"])) <= 0.5 * 10 ** -decimals + 1e-9
    except ValueError:
        return False


@pytest.mark.parametrize("page", WIDGET_PAGES)
def test_widgets_render(visit, page):
    models, views = widget_state(page)
    rendered = {w["modelId"]: w for w in visit(page).widgets}
    missing = [view for view in views if view not in rendered]
    assert not missing, f"{len(missing)} of {len(views)} saved widget views not rendered"
    for view in views:
        widget, tree = rendered[view], _tree(models, view)
        label = f"widget {view} ({tree[0]['model_name']})"
        assert widget["classes"].get("jupyter-widgets"), f"{label}: nothing rendered"
        assert widget["visible"], f"{label}: rendered with no height"
        expected: dict[str, int] = {}
        for model in tree:
            css = _expected_class(model)
            if css:
                expected[css] = expected.get(css, 0) + 1
        found = {css: widget["classes"].get(css, 0) for css in expected}
        assert found == expected, f"{label}: expected {expected}, rendered {found}"
        sliders = [m for m in tree if m["model_name"] in SLIDERS and m["state"].get("readout", 1)]
        assert len(widget["readouts"]) == len(sliders), f"{label}: slider readouts"
        for text, slider in zip(widget["readouts"], sliders, strict=True):
            assert _readout_matches(text, slider), (
                f"{label}: a slider shows {text!r}, its saved state is "
                f"{slider['state'].get('value', slider['state'].get('index'))}")


def _interactive_views(page: str) -> dict[str, list[str]]:
    models, views = widget_state(page)
    found = {}
    for view in views:
        names = [m["model_name"] for m in _tree(models, view)]
        controls = [name for name in names if name not in DISPLAY_ONLY]
        if controls:
            found[view] = controls
    return found


INTERACTIVE_PAGES = [page for page in WIDGET_PAGES if _interactive_views(page)]


@pytest.mark.parametrize("page", INTERACTIVE_PAGES)
def test_static_figure_beside_each_interactive_widget(visit, page):
    """The saved state shows one position of a control; a static matplotlib figure (in the
    widget's cell, or the cell just before or after it) shows the result on any browser."""
    rendered = {w["modelId"]: w for w in visit(page).widgets}
    lonely = [f"{view} {controls}" for view, controls in _interactive_views(page).items()
              if not rendered.get(view, {}).get("staticFigure")]
    assert not lonely, "interactive widgets with no static figure beside them: " + str(lonely)


@pytest.mark.parametrize("page", LABS)
def test_lab_page_links_its_student_notebook(visit, fetch, page):
    stem = Path(page).stem
    banner = visit(page).banner
    download, colab = banner["download"], banner["colab"]
    assert download, "no a.labcode-student-download on the page"
    assert colab, "no a.labcode-colab on the page"
    assert download["download"], "the student notebook link has no download attribute"
    assert urlsplit(download["href"]).path.endswith(f"/notebooks/{stem}.ipynb"), download
    got = fetch(download["href"].partition("#")[0])
    assert got.status == 200, f"{download['href']}: HTTP {got.status}"
    text = got.body.decode("utf-8")
    notebook = json.loads(text)
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"]
                     if cell["cell_type"] == "code")
    assert "raise NotImplementedError" in code, "the student notebook has no exercise stub"
    assert "BEGIN SOLUTION" not in text, "the downloadable notebook contains a solution"
    assert colab["href"].startswith("https://colab.research.google.com/github/"), colab
    assert colab["href"].endswith(f"/notebooks/{stem}.ipynb"), colab


# ---------------------------------------------------------------------------------------------
# Search


def test_search_finds_the_labs(base_url, open_page, visit):
    """The search box (on every page) sends the reader to search.html?q=...: it works offline,
    and searching adds no error to those of search.html itself (test_no_console_errors)."""
    page, response, record = open_page(base_url + "search.html?q=permutation")
    assert response.status == 200
    results = page.locator("#search-results ul.search li")
    results.first.wait_for()
    hrefs = results.locator("a").evaluate_all("(as) => as.map((a) => a.href)")
    assert any("/solutions/" in href for href in hrefs), hrefs
    new_errors = set(record.errors()) - set(visit("search.html").record.errors())
    assert not new_errors, new_errors
    assert not record.external_requests, record.external_requests


# ---------------------------------------------------------------------------------------------
# As students meet the site: a phone, a desktop, dark mode (issue 15)

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 1}
DARK = {"color_scheme": "dark"}
# The intro, the first lab, and the last page with widgets: the pages whose screenshots at
# 390 px and in dark mode are saved (next to the 1280 px ones) to be looked at.
LOOK_AT = list(dict.fromkeys(["book/intro.html", *LABS[:1], *WIDGET_PAGES[-1:]]))
TOC_LABS = LABS  # every lab page of the build, in the order of the table of contents


def _shot(page, name: str) -> Path:
    path = SCREENSHOTS / name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)
    return path


def _settle(page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("() => window.MathJax && window.MathJax.startup && "
                  "window.MathJax.startup.promise")
    page.wait_for_timeout(300)


@pytest.mark.parametrize("page_name", LOOK_AT)
def test_phone_lab_list_opens_from_the_toggle(base_url, open_page, screenshot_dir, page_name):
    """At 390 px the lab list is folded away; tapping the ☰ button shows it (the theme pair
    once bound the button to a hidden copy of it: nothing happened)."""
    page, _, record = open_page(base_url + page_name, **PHONE)
    _settle(page)
    _shot(page, f"{Path(page_name).stem}-390.png")
    toggles = page.locator(".primary-toggle:visible")
    assert toggles.count() == 1, "one visible lab-list button at 390 px"
    toggles.first.tap()
    modal = page.locator("#pst-primary-sidebar-modal")
    modal.wait_for(state="visible", timeout=3000)
    assert page.evaluate("() => document.querySelector('#pst-primary-sidebar-modal').open")
    hrefs = modal.locator("a:visible").evaluate_all("(as) => as.map((a) => a.href)")
    shown = [lab for lab in TOC_LABS if any(h.split("#")[0].endswith("/" + lab) for h in hrefs)]
    assert shown == TOC_LABS, f"lab links visible after the tap: {shown}"
    _shot(page, f"{Path(page_name).stem}-390-labs.png")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert not page.evaluate("() => document.querySelector('#pst-primary-sidebar-modal').open")
    assert not record.errors(), record.errors()


@pytest.mark.parametrize("page_name", LABS[:1])
def test_phone_contents_open_from_the_toggle(base_url, open_page, page_name):
    page, _, record = open_page(base_url + page_name, **PHONE)
    _settle(page)
    toggles = page.locator(".secondary-toggle:visible")
    assert toggles.count() == 1, "one visible contents button at 390 px"
    toggles.first.tap()
    modal = page.locator("#pst-secondary-sidebar-modal")
    modal.wait_for(state="visible", timeout=3000)
    sections = modal.locator("nav.page-toc a:visible")
    assert sections.count() >= 3, "the page's sections are listed"
    assert not record.errors(), record.errors()


@pytest.mark.parametrize("page_name", LABS[:1])
def test_desktop_sidebar_folds_and_comes_back(base_url, open_page, page_name):
    page, _, record = open_page(base_url + page_name)
    _settle(page)
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    toggle = page.locator(".primary-toggle:visible")
    assert toggle.count() == 1
    toggle.first.click()
    page.wait_for_timeout(600)  # the theme's transition
    assert not sidebar.is_visible(), "the sidebar does not fold"
    assert not page.evaluate("() => document.querySelector('#pst-primary-sidebar-modal').open")
    width = page.evaluate("() => document.querySelector('article').getBoundingClientRect().width")
    toggle.first.click()
    page.wait_for_timeout(600)
    assert sidebar.is_visible(), "the sidebar does not come back"
    assert width > page.evaluate(
        "() => document.querySelector('article').getBoundingClientRect().width")
    assert not record.errors(), record.errors()


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE["viewport"]], ids=["1280", "390"])
def test_one_header_and_one_search_button(base_url, open_page, viewport):
    """No empty 64 px strip above the article header, and one Search button, not two."""
    page, _, _ = open_page(base_url + LABS[0], viewport=viewport)
    _settle(page)
    header = page.evaluate("""() => {
      const h = document.querySelector('#pst-header');
      return h ? h.getBoundingClientRect().height : 0; }""")
    assert header == 0, f"an empty top header {header} px high"
    top = page.evaluate("() => document.querySelector('.bd-header-article')"
                        ".getBoundingClientRect().top")
    assert top < 1, f"the article header starts {top} px down"
    searches = page.locator(".search-button-field:visible, .search-button:visible")
    assert searches.count() == 1, f"{searches.count()} visible search buttons"


@pytest.mark.parametrize("page_name", LOOK_AT)
def test_dark_mode_screenshot(base_url, open_page, screenshot_dir, page_name):
    page, _, record = open_page(base_url + page_name, **DARK)
    _settle(page)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    shot = _shot(page, f"{Path(page_name).stem}-dark.png")
    assert shot.is_file()
    assert not record.errors(), record.errors()


@pytest.mark.parametrize("page", LABS)
def test_exercises_are_numbered_per_lab(visit, page):
    lab = int(Path(page).name.split("_")[0])
    labels = [label for label in visit(page).exercises if label.startswith("Exercise")]
    assert labels, "no numbered exercise on the page"
    assert labels == [f"Exercise {lab}.{k}" for k in range(1, len(labels) + 1)], labels


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_no_solution_markers_on_the_page(visit, page):
    markers = visit(page).markers
    assert not markers["code"], "a code block shows # BEGIN SOLUTION / # END SOLUTION"
    if page.startswith(f"{LAB_DIR}/"):
        assert not markers["text"], "BEGIN/END SOLUTION in the lab page's text"


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_favicon(visit, page):
    icon = visit(page).favicon
    assert icon, "no <link rel=icon>"
    assert icon["width"] > 0 and icon["height"] > 0, f"the favicon does not load: {icon}"


def test_favicon_at_the_root(base_url, fetch):
    """Where browsers look on a page without an icon link (index.html, a redirect)."""
    got = fetch(base_url + "favicon.ico")
    assert got.status == 200 and got.body[:4] == b"\x00\x00\x01\x00", got.status


def test_home_page_title_is_the_book_title(visit):
    import yaml

    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    assert visit("book/intro.html").title == title
    assert visit(LABS[0]).title.endswith(f" — {title}")


def test_search_snippets_show_no_tex(base_url, open_page):
    """Sphinx cuts snippets from the pages' HTML source, where formulas are TeX; the course's
    search script turns them into text ("\\(M = 5\\)" -> "M = 5")."""
    page, _, record = open_page(base_url + "search.html?q=padding")  # near formulas
    results = page.locator("#search-results ul.search li p.context")
    results.first.wait_for()
    page.wait_for_timeout(1000)  # the other snippets
    snippets = results.evaluate_all("(ps) => ps.map((p) => p.textContent)")
    assert snippets
    tex = [s for s in snippets if re.search(r"\\[()\[\]]|\$\$", s)]
    assert not tex, tex[:3]
    assert not record.errors(), record.errors()


# ---------------------------------------------------------------------------------------------
# Reflow: nothing scrolls the page sideways on a phone, down to 320 px (WCAG 1.4.10)

PHONE_WIDTHS = (390, 360, 320)
MODES = ("light", "dark")

# The elements that stick out past the right edge of the window, where the overflow starts (an
# element whose parent does not stick out), outside any box that scrolls or clips them; not
# those stretched with the page (the full-width ones, e.g. the skip link) nor fixed panels.
WIDEST_JS = """(width) => {
  const clips = (el) => ["auto", "scroll", "hidden", "clip"].includes(
    getComputedStyle(el).overflowX);
  const right = (el) => el.getBoundingClientRect().right + window.scrollX;
  const fixed = (el) => { for (let a = el; a; a = a.parentElement) {
    if (getComputedStyle(a).position === "fixed") return true; } return false; };
  const page = document.documentElement.scrollWidth;
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || right(el) <= width + 0.5) continue;
    if (r.left + window.scrollX <= 1 && right(el) >= page - 1) continue;
    let parent = el.parentElement, clipped = false;
    for (let a = parent; a && a !== document.body; a = a.parentElement) {
      if (clips(a)) { clipped = true; break; } }
    if (clipped || (parent !== document.body && right(parent) > width + 0.5) || fixed(el)) continue;
    const cls = [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    const text = (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 70);
    found.push([right(el), `<${el.tagName.toLowerCase()}${cls}> ${Math.round(r.width)} px wide, `
                + `its right edge at ${Math.round(right(el))} px: "${text}"`]);
  }
  found.sort((a, b) => b[0] - a[0]);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          theme: document.documentElement.dataset.theme,
          widest: found.slice(0, 3).map((f) => f[1])};
}"""


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_no_sideways_scroll_on_a_phone(base_url, open_page, page, mode):
    """At 390, 360 and 320 px (a phone, touch, in light and dark mode) the document is no wider
    than the window: long code and names wrap, formulas and tables scroll in their own boxes.
    The page is compared with the width set, not only window.innerWidth: in a mobile viewport
    chromium widens innerWidth to fit a page that is too wide."""
    tab, _, record = open_page(base_url + page, **(PHONE | {"color_scheme": mode}))
    _settle(tab)
    problems = []
    for width in PHONE_WIDTHS:
        tab.set_viewport_size({"width": width, "height": PHONE["viewport"]["height"]})
        tab.wait_for_timeout(150)
        got = tab.evaluate(WIDEST_JS, width)
        assert got["theme"] == mode
        if got["scrollWidth"] > min(width, got["innerWidth"]) or got["innerWidth"] != width:
            problems.append(f"at {width} px the page is {got['scrollWidth']} px wide "
                            f"(window.innerWidth {got['innerWidth']}); widest: "
                            + ("; ".join(got["widest"]) or "?"))
    assert not problems, "\n".join(problems)
    assert not record.errors(), record.errors()


@pytest.mark.parametrize("page", MATH_PAGES)
def test_formulas_fit_the_column_on_a_desktop(visit, page):
    """At 1280 px no displayed formula is cut at the column's edge (Lab 10's rho(ks) was cut
    at "(k"): each fits its box (the CSS shrinks one a few percent too wide)."""
    cut = visit(page).math["cut"]
    assert not cut, f"displayed formulas wider than their box (px): {cut}"


def test_lab_map_reads_as_cards_on_a_phone(base_url, open_page):
    """The intro's four-column lab map (535 px wide) is one card per lab at 390 px, each cell
    labelled with its column's heading, and no wider than the column."""
    tab, _, _ = open_page(base_url + "book/intro.html", **PHONE)
    _settle(tab)
    table = tab.locator("table.labcode-cards").first
    got = table.evaluate("""(t) => ({
      width: t.getBoundingClientRect().width,
      box: t.parentElement.clientWidth,
      rows: [...t.tBodies[0].rows].map((r) => getComputedStyle(r).display),
      labels: [...t.tBodies[0].rows[0].cells].map((c) => c.dataset.label),
      before: getComputedStyle(t.tBodies[0].rows[0].cells[1], "::before").content,
      labs: t.tBodies[0].rows.length})""")
    assert got["labs"] == len(LABS), got
    assert set(got["rows"]) == {"block"}, got["rows"]
    assert got["labels"] == ["Lab", "You build", "You learn", "Time"], got["labels"]
    assert got["before"] == '"You build: "', got["before"]
    assert got["width"] <= got["box"] + 0.5, got
    table.scroll_into_view_if_needed()
    _shot(tab, "intro-390-lab-map.png")


# ---------------------------------------------------------------------------------------------
# Accessibility: WCAG 2.1 AA as axe-core checks it, and the keyboard

# axe's rules for WCAG 2.0/2.1 A and AA, and its best practices (aria-deprecated-role, region).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_RUN_JS = """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags},
                                             resultTypes: ["violations"]}).then(
  (result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.split("\\n")[1]
                                                       || n.failureSummary}`)})))"""


def _open_settled(base_url, open_page, page_name, **options):
    """A page with its formulas typeset and its widgets drawn (and named, course-a11y.js)."""
    tab, _, record = open_page(base_url + page_name, **options)
    _settle(tab)
    views = widget_state(page_name)[1]
    if views:
        _wait_for_widgets(tab, len(views))
        tab.wait_for_timeout(300)
    return tab, record


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        message = f"no axe-core at {AXE}: `make browser` installs it (npm)"
        if required("LABCODE_REQUIRE_AXE"):
            pytest.fail(message + " (LABCODE_REQUIRE_AXE=1)")
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_axe_finds_no_serious_violation(base_url, open_page, axe_source, page, mode):
    """axe-core in the page, light and dark mode, at 1280 px: a serious or critical violation
    fails the test (listed); minor and moderate ones are reported as warnings (those left are
    listed in book/instructors.md)."""
    tab, _ = _open_settled(base_url, open_page, page, color_scheme=mode)
    assert tab.evaluate("() => document.documentElement.dataset.theme") == mode
    tab.add_script_tag(content=axe_source)
    violations = tab.evaluate(AXE_RUN_JS, AXE_TAGS)

    def listed(found):
        return "\n".join(f"- {v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}\n    "
                         + "\n    ".join(v["nodes"][:5]) for v in found)

    mild = [v for v in violations if v["impact"] not in ("serious", "critical")]
    if mild:
        warnings.warn(f"axe on {page} ({mode}), minor or moderate:\n{listed(mild)}",
                      stacklevel=1)
    severe = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not severe, f"axe on {page} ({mode}):\n{listed(severe)}"


FOCUSED_JS = """() => { const el = document.activeElement;
  return el ? {tag: el.tagName.toLowerCase(), label: el.getAttribute("aria-label") || "",
               math: !!el.closest("mjx-container")} : null; }"""


def _tab_until(tab, selector: str, limit: int = 400) -> tuple[int, list[dict]]:
    """Press Tab until the focus is on an element matching selector: the number of presses,
    and every element focused on the way."""
    passed = []
    for presses in range(1, limit + 1):
        tab.keyboard.press("Tab")
        if tab.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                        selector):
            return presses, passed
        passed.append(tab.evaluate(FOCUSED_JS))
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


@pytest.mark.parametrize("page_name", SOLUTION_PAGES[:1] + [p for p in SOLUTION_PAGES
                                                            if "/05_" in p][:1])
def test_keyboard_opens_a_solution(base_url, open_page, page_name):
    """Tab reaches the first solution's toggle, named after its exercise; Enter opens it,
    Space closes it. No formula is a Tab stop on the way (MathJax's inTabOrder)."""
    tab, record = _open_settled(base_url, open_page, page_name)
    presses, passed = _tab_until(tab, "div.solution.dropdown button.toggle-button")
    print(f"{page_name}: {presses} Tab presses to the first solution toggle")
    math_stops = [f for f in passed if f and f["math"]]
    assert not math_stops, f"{len(math_stops)} formulas are Tab stops before the first solution"
    solution = tab.locator("div.solution.dropdown").first
    button = solution.locator("button.toggle-button")
    content = solution.locator(":scope > :not(.admonition-title)").first
    exercise = re.search(r"Exercise \d+\.\d+", solution.locator(".admonition-title").inner_text())
    assert exercise, "the first solution's title names no exercise"
    assert button.get_attribute("aria-label").startswith(f"Show solution to {exercise[0]}")
    assert not content.is_visible()
    tab.keyboard.press("Enter")
    content.wait_for(state="visible", timeout=3000)
    assert button.get_attribute("aria-expanded") == "true"
    tab.wait_for_timeout(100)
    assert button.get_attribute("aria-label").startswith(f"Hide solution to {exercise[0]}")
    tab.keyboard.press("Space")
    content.wait_for(state="hidden", timeout=3000)
    assert button.get_attribute("aria-expanded") == "false"
    assert not record.errors(), record.errors()


def test_keyboard_opens_the_search(base_url, open_page):
    """Tab reaches the Search button; Enter opens the search field, typing and Enter search."""
    tab, record = _open_settled(base_url, open_page, LABS[0])
    _tab_until(tab, ".search-button-field, .search-button")
    tab.keyboard.press("Enter")
    field = tab.locator("#pst-search-dialog input[type='search']")
    field.wait_for(state="visible", timeout=3000)
    assert tab.evaluate("() => document.activeElement.matches('#pst-search-dialog input')")
    tab.keyboard.type("permutation")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/search.html?q=permutation*")
    tab.locator("#search-results ul.search li").first.wait_for()
    assert not record.errors(), record.errors()


SLIDER_PAGES = [page for page in WIDGET_PAGES
                if any(m["model_name"] in SLIDERS for m in widget_state(page)[0].values())]


@pytest.mark.parametrize("page_name", SLIDER_PAGES[:1])
def test_keyboard_moves_a_slider(base_url, open_page, page_name):
    """Tab reaches a widget slider's handle (named after the slider's description); the arrow
    keys move it and its readout follows."""
    tab, record = _open_settled(base_url, open_page, page_name)
    _tab_until(tab, ".noUi-handle")
    handle = tab.locator(".noUi-handle:focus")
    assert handle.get_attribute("aria-label"), "the focused slider has no name"
    readout = tab.evaluate("""() => { const w = document.activeElement.closest(
        ".widget-slider, .jupyter-widget-slider"); const r = w.querySelector(".widget-readout");
        return r ? r.textContent.trim() : null; }""")
    before = handle.get_attribute("aria-valuenow")
    key = "ArrowRight" if handle.get_attribute("aria-valuenow") != handle.get_attribute(
        "aria-valuemax") else "ArrowLeft"
    tab.keyboard.press(key)
    tab.wait_for_timeout(200)
    assert handle.get_attribute("aria-valuenow") != before, f"{key} did not move the slider"
    after = tab.evaluate("""() => { const w = document.activeElement.closest(
        ".widget-slider, .jupyter-widget-slider"); const r = w.querySelector(".widget-readout");
        return r ? r.textContent.trim() : null; }""")
    assert readout is None or after != readout, "the readout did not follow the handle"
    assert not record.errors(), record.errors()


FOCUS_RING_JS = """(selector) => [...document.querySelectorAll(selector)].filter(
    (el) => el.getBoundingClientRect().width > 0).slice(0, 8).map((el) => {
  el.focus();
  const style = getComputedStyle(el);
  return {el: `${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 3).join(".")}`,
          focused: document.activeElement === el, visible: el.matches(":focus-visible"),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
          shadow: style.boxShadow !== "none"};
})"""
FOCUS_TARGETS = {
    "header buttons": ".bd-header-article .btn",
    "solution toggles": "div.solution.dropdown button.toggle-button",
    "slider handles": ".widget-subarea .noUi-handle",
    "toggle buttons": ".widget-toggle-buttons button",
}
TOGGLE_PAGES = [page for page in WIDGET_PAGES
                if any(m["model_name"] == "ToggleButtonsModel"
                       for m in widget_state(page)[0].values())]
FOCUS_PAGES = list(dict.fromkeys([*SLIDER_PAGES[:1], *TOGGLE_PAGES[:1]]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page_name", FOCUS_PAGES)
def test_focus_is_visible(base_url, open_page, page_name, mode):
    """Focused by the keyboard, header buttons, solution toggles, slider handles and toggle
    buttons draw a focus ring (an outline of 2 px or more), in light and dark mode."""
    tab, _ = _open_settled(base_url, open_page, page_name, color_scheme=mode)
    tab.keyboard.press("Tab")  # keyboard modality: focus() then matches :focus-visible
    found = {}
    for what, selector in FOCUS_TARGETS.items():
        found[what] = tab.evaluate(FOCUS_RING_JS, selector)
    assert found["header buttons"] and found["solution toggles"], found
    assert found["slider handles"] or found["toggle buttons"], found
    bad = [f"{what}: {el['el']}" for what, els in found.items() for el in els
           if not (el["focused"] and el["visible"] and el["outline"])]
    assert not bad, "no visible focus ring on:\n" + "\n".join(bad)
