"""The built site as students meet it (issue 15): exercise numbers per lab that agree with the
student notebooks, author-year citations as the notebooks write them, no solution markers, a
favicon, page titles, and the closing page after the last lab.

Reads _build/html (and _build/hidden, the hide_solutions build); `make site` builds both.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from labcode.authoring.strip import _Citations, bibliography

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("LABCODE_SITE") or ROOT / "_build" / "html")
HIDDEN = HTML.parent / "hidden" / "_build" / "html"
# The labs of the table of contents (tests/browser checks that every solution notebook is one).
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
NOTEBOOKS = [ROOT / f"{chapter['file']}.ipynb" for part in TOC["parts"]
             for chapter in part.get("chapters", []) if chapter["file"].startswith("solutions/")]
IDS = [p.stem for p in NOTEBOOKS]
CAPTION = re.compile(r'<span class="caption-number">(Exercise [^<]*?) ?</span>')
CITATION = re.compile(r'<span class="bibtex-citation" id="id\d+">((?:(?!</span>).)*?'
                      r'href="[^"]*references\.html#(?:(?!</span>).)*)</span>', re.S)
ROLE = re.compile(r"\{(?P<role>cite[\w:-]*)\}`(?P<text>[^`]*)`")


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def page_of(path: Path, site: Path = HTML) -> str:
    page = site / "solutions" / f"{path.stem}.html"
    assert page.is_file(), f"no page for {path.name}: build it (make site)"
    return page.read_text(encoding="utf-8")


def every_page(site: Path) -> list[Path]:
    return [p for p in sorted(site.rglob("*.html"))
            if not any(part.startswith("_") for part in p.relative_to(site).parts)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_are_numbered_per_lab_as_in_the_student_notebook(path):
    lab = int(path.name.split("_")[0])
    shown = CAPTION.findall(page_of(path))
    exercises = [label for label in shown if not label.startswith("Exercise ") or
                 re.fullmatch(r"Exercise \d+\.\d+", label)]
    assert exercises, f"no exercise on {path.stem}'s page"
    assert exercises == [f"Exercise {lab}.{k}" for k in range(1, len(exercises) + 1)], shown
    student = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
    headings = re.findall(r"^\*\*(Exercise \d+\.\d+)\.\*\*",
                          "\n\n".join(c.source for c in student.cells
                                      if c.cell_type == "markdown"), re.M)
    assert headings == exercises, "the site and the student notebook number differently"
    titles = re.findall(r"Solution to (Exercise \d+\.\d+)", text_of(page_of(path)))
    assert set(titles) <= set(exercises)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_citations_read_as_in_the_student_notebook(path):
    """Each {cite:x} of the lab, in order, reads on the page as the stripper writes it."""
    nb = nbformat.read(path, as_version=4)
    roles = [m for c in nb.cells if c.cell_type == "markdown" for m in ROLE.finditer(c.source)]
    expected = [_Citations(bibliography()).cite(m.group("role"), m.group("text")) for m in roles]
    shown = [" ".join(text_of(span).split()) for span in CITATION.findall(page_of(path))]
    assert shown == expected


def test_the_bibliography_has_author_year_labels_and_braced_capitals():
    page = (HTML / "book" / "references.html").read_text(encoding="utf-8")
    labels = re.findall(r'<span class="label"><span class="fn-bracket">\[</span>(.*?)'
                        r'<span class="fn-bracket">\]</span>', page)
    assert len(labels) == len(bibliography()), labels
    expected = {f"{w.authors}, {w.year}" for w in bibliography().values()}
    assert {re.sub(r"(\d{4})[a-z]$", r"\1", label) for label in labels} == expected
    text = text_of(page)
    assert "PointNet: deep learning on point sets for 3D" in text, "brace the capitals"
    assert "Pointnet" not in text and " 3d " not in text


@pytest.mark.parametrize("site", [HTML, HIDDEN], ids=["default", "hidden"])
def test_no_solution_marker_on_any_page(site):
    pages = every_page(site)
    assert pages
    shown = [p.relative_to(site).as_posix() for p in pages
             if re.search(r"(BEGIN|END) SOLUTION", text_of(p.read_text(encoding="utf-8")))
             and p.name != "instructors.html"]  # the guide quotes the markers
    assert not shown, shown


def test_every_page_has_the_favicon():
    icon = HTML / "_static" / "favicon.png"
    assert icon.is_file() and icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pages = [p.read_text(encoding="utf-8") for p in every_page(HTML)]
    missing = [page[:200] for page in pages if 'http-equiv="refresh"' not in page.lower()
               and not re.search(r'<link rel="icon" href="[^"]*_static/favicon\.png"', page)]
    assert not missing, missing
    # where a browser looks without a link (the root redirect page): a real .ico
    assert (HTML / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_page_titles_do_not_repeat_the_book_name():
    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    home = (HTML / "book" / "intro.html").read_text(encoding="utf-8")
    assert re.search(r"<title>(.*?)</title>", home, re.S).group(1).strip() == title
    lab = page_of(NOTEBOOKS[0])
    assert re.search(r"<title>.* &#8212; " + re.escape(title) + "</title>", lab)


def test_the_closing_page_comes_after_the_last_lab_and_references_are_not_for_instructors():
    toc = TOC
    captions = [part["caption"] for part in toc["parts"]]
    labs = captions.index("Labs")
    after = toc["parts"][labs + 1]["chapters"]
    assert after[0]["file"] == "book/next"
    instructors = next(p for p in toc["parts"] if p["caption"] == "For instructors")
    assert "book/references" not in [c["file"] for c in instructors["chapters"]]
    last_lab = toc["parts"][labs]["chapters"][-1]["file"]
    page = (HTML / f"{last_lab}.html").read_text(encoding="utf-8")
    following = re.search(r'<a class="right-next"\s+href="([^"]+)"', page)
    assert following and following.group(1) == "../book/next.html", following


def test_the_phone_header_fix_is_in_every_page():
    """One header: the theme's top navbar is empty, so the article header's toggles are the
    only .primary-toggle/.secondary-toggle (tests/browser taps them at 390 px)."""
    for page in every_page(HTML):
        text = page.read_text(encoding="utf-8")
        assert text.count("primary-toggle") <= 1, page.name
        assert text.count("secondary-toggle") <= 1, page.name
        header = re.search(r'<header id="pst-header"[^>]*>(.*?)</header>', text, re.S)
        assert header is None or not header.group(1).strip(), page.name
