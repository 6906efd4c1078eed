"""Reading with the keyboard, on a phone and zoomed in (issues "Reading on a phone and with a
keyboard" and "Accessible to every student"; book/_ext/course_site.py, section 12).

Run like the other browser tests (see test_browser.py)::

    LABCODE_REQUIRE_SITE=1 .venv/bin/python -m pytest tests/browser/test_zoom_and_drawers.py

Checked:

- **drawers give the focus back** (WCAG 2.4.3): at 390 px, with the keyboard only, Tab reaches
  the menu button (☰) or the contents button, Enter opens its drawer with the focus in it, Esc
  closes it and the focus is back on the button (it fell to the page's body: the next Tab
  started again from the top of the page); Enter opens it again;
- **zoom 200 %** (WCAG 1.4.4 and 1.4.10): a 1280 x 900 window zoomed to 200 % is a 640 x 450
  CSS-pixel viewport at device scale factor 2. On every page the document does not scroll
  sideways; the header's buttons (menu, repository, download, full screen, colour mode,
  Search, contents) are all shown, inside the window, not covered, not overlapping; there is
  one Search button; the previous/next lab links at the bottom are inside the window and not
  covered. On a lab page the lab list (every link reachable by scrolling the drawer) and the
  search field open inside the window.
"""

from __future__ import annotations

import pytest

from .built_site import LAB_DIR
from .test_browser import (
    CONTENT_PAGES,
    LABS,
    PHONE,
    WIDEST_JS,
    WIDGET_PAGES,
    _settle,
    _shot,
    _tab_until,
)

# ---------------------------------------------------------------------------------------------
# Drawers: Esc gives the focus back to the button that opened them

DRAWERS = {"lab list": ("#pst-primary-sidebar-modal", ".primary-toggle"),
           "contents": ("#pst-secondary-sidebar-modal", ".secondary-toggle")}
DRAWER_PAGES = list(dict.fromkeys(
    LABS[:1] + [page for page in WIDGET_PAGES if page.startswith(f"{LAB_DIR}/05_")][:1]))

FOCUS_ON_JS = """(selector) => { const el = document.activeElement;
  return {on: el ? el.outerHTML.slice(0, 80) : null, matches: !!el && el.matches(selector),
          visible: !!el && el.matches(":focus-visible")}; }"""


@pytest.mark.parametrize("drawer", DRAWERS)
@pytest.mark.parametrize("page_name", DRAWER_PAGES)
def test_escape_gives_the_focus_back_to_the_drawer_button(base_url, open_page, page_name,
                                                          drawer):
    """Keyboard only at 390 px: Tab to the button, Enter opens the drawer (focus inside), Esc
    closes it and the focus is on the button again, shown by its focus ring; twice."""
    dialog, toggle = DRAWERS[drawer]
    tab, _, record = open_page(base_url + page_name, **PHONE)
    _settle(tab)
    _tab_until(tab, toggle)
    for attempt in (1, 2):
        tab.keyboard.press("Enter")
        tab.wait_for_function("(s) => document.querySelector(s).open", arg=dialog, timeout=3000)
        assert tab.evaluate("(s) => document.querySelector(s).contains(document.activeElement)",
                            dialog), f"the {drawer} opened without the focus in it"
        tab.keyboard.press("Escape")
        tab.wait_for_function("(s) => !document.querySelector(s).open", arg=dialog,
                              timeout=3000)
        tab.wait_for_timeout(200)
        focus = tab.evaluate(FOCUS_ON_JS, toggle)
        assert focus["matches"], (f"Esc closed the {drawer} ({attempt}) and left the focus on "
                                  f"{focus['on']}, not on its button {toggle}")
        assert focus["visible"], "the button has the focus but shows no focus ring"
    assert not record.errors(), record.errors()


# ---------------------------------------------------------------------------------------------
# Zoom 200 % at 1280 px

ZOOM = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}

# The controls a reader needs, as they lie in the window: each shown (not zero-sized, not
# hidden), inside the window, not covered at its centre by another element, and not
# overlapping another control of the same group.
CONTROLS_JS = """([selector, width, height]) => {
  const shown = (el) => { const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none"; };
  const name = (el) => (el.getAttribute("aria-label") || el.getAttribute("title")
    || el.textContent).replace(/\\s+/g, " ").trim().slice(0, 40);
  const all = [...document.querySelectorAll(selector)];
  const controls = all.filter(shown);
  const problems = [];
  controls.forEach((el) => {
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > width + 0.5 || r.top < -0.5 || r.bottom > height + 0.5) {
      problems.push(`"${name(el)}" lies outside the window: x ${Math.round(r.left)}-`
                    + `${Math.round(r.right)}, y ${Math.round(r.top)}-${Math.round(r.bottom)}`);
      return;
    }
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (!hit || !(el === hit || el.contains(hit))) {
      problems.push(`"${name(el)}" is covered by ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`);
    }
  });
  controls.forEach((a, i) => controls.slice(i + 1).forEach((b) => {
    if (a.contains(b) || b.contains(a)) return;
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 1 && h > 1) problems.push(`"${name(a)}" and "${name(b)}" overlap`);
  }));
  return {found: all.length, shown: controls.map(name), problems};
}"""

HEADER = ".bd-header-article button, .bd-header-article a.btn"
SEARCH = ".search-button-field, .search-button"
NAV = ".prev-next-area a"


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_zoom_200_percent(base_url, open_page, page):
    """At 200 % zoom of a 1280 px window nothing scrolls sideways, overlaps or disappears: the
    header's buttons, the Search button and the previous/next links."""
    tab, _, record = open_page(base_url + page, **ZOOM)
    _settle(tab)
    width, height = ZOOM["viewport"]["width"], ZOOM["viewport"]["height"]
    problems = []
    page_width = tab.evaluate(WIDEST_JS, width)
    if page_width["scrollWidth"] > width or page_width["innerWidth"] != width:
        problems.append(f"the page is {page_width['scrollWidth']} px wide in a {width} px "
                        "window; widest: " + "; ".join(page_width["widest"]))
    header = tab.evaluate(CONTROLS_JS, [HEADER, width, height])
    problems += [f"header: {p}" for p in header["problems"]]
    shown = set(header["shown"])
    for needed in ("Toggle primary sidebar", "Search"):
        if not any(label.startswith(needed) for label in shown):
            problems.append(f"header: no {needed!r} button shown ({sorted(shown)})")
    searches = tab.evaluate(CONTROLS_JS, [SEARCH, width, height])
    if len(searches["shown"]) != 1:
        problems.append(f"{len(searches['shown'])} Search buttons shown: {searches['shown']}")
    if tab.locator(NAV).count():
        tab.evaluate("() => document.querySelector('.prev-next-area')"
                     ".scrollIntoView({block: 'center'})")
        tab.wait_for_timeout(100)
        nav = tab.evaluate(CONTROLS_JS, [NAV, width, height])
        if len(nav["shown"]) != nav["found"]:
            problems.append(f"previous/next: {nav['found']} links, {len(nav['shown'])} shown")
        problems += [f"previous/next: {p}" for p in nav["problems"]]
    elif page.startswith(f"{LAB_DIR}/"):
        problems.append("no previous/next links on a lab page")
    assert not problems, "at 200 % zoom (640 px):\n" + "\n".join(problems)
    assert not record.errors(), record.errors()


# Every link of an open drawer, scrolled to in turn: inside the window and not covered.
DRAWER_LINKS_JS = """([dialog, width, height]) => {
  const d = document.querySelector(dialog);
  const problems = [];
  const links = [...d.querySelectorAll("a")].filter((a) => a.getClientRects().length);
  for (const a of links) {
    a.scrollIntoView({block: "nearest"});
    const r = a.getBoundingClientRect();
    const hit = document.elementFromPoint((r.left + r.right) / 2,
                                          Math.min((r.top + r.bottom) / 2, r.top + 10));
    if (r.left < -0.5 || r.right > width + 0.5 || r.top < -0.5 || r.bottom > height + 0.5
        || !hit || !(a === hit || a.contains(hit))) {
      problems.push(`"${a.textContent.trim().slice(0, 40)}" at x ${Math.round(r.left)}-`
                    + `${Math.round(r.right)}, y ${Math.round(r.top)}-${Math.round(r.bottom)}`);
    }
  }
  return {links: links.length, problems};
}"""


@pytest.mark.parametrize("page_name", DRAWER_PAGES)
def test_zoom_200_percent_drawer_and_search(base_url, open_page, page_name):
    """At 200 % zoom the lab list opens as a drawer in which every link can be scrolled to,
    and the search field opens inside the window."""
    tab, _, record = open_page(base_url + page_name, **ZOOM)
    _settle(tab)
    width, height = ZOOM["viewport"]["width"], ZOOM["viewport"]["height"]
    tab.locator(".primary-toggle:visible").click()
    dialog = DRAWERS["lab list"][0]
    tab.wait_for_function("(s) => document.querySelector(s).open", arg=dialog, timeout=3000)
    got = tab.evaluate(DRAWER_LINKS_JS, [dialog, width, height])
    assert got["links"] >= len(LABS), got
    assert not got["problems"], "lab-list links out of reach:\n" + "\n".join(got["problems"])
    tab.keyboard.press("Escape")
    tab.wait_for_function("(s) => !document.querySelector(s).open", arg=dialog, timeout=3000)
    tab.locator(SEARCH).filter(visible=True).first.click()
    field = tab.locator("#pst-search-dialog input[type='search']")
    field.wait_for(state="visible", timeout=3000)
    box = field.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, box
    _shot(tab, "zoom-200-search.png")
    assert not record.errors(), record.errors()
