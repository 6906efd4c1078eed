"""Checks on the built site in _build/html (run by `make site` after the build)."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# LABCODE_SITE: test another build (e.g. X/_build/html of `jupyter-book build --path-output X`;
# its hide_solutions build is then expected in X/_build/hidden/_build/html).
HTML = Path(os.environ.get("LABCODE_SITE") or ROOT / "_build" / "html")
LAB01 = HTML / "solutions" / "01_data_generation.html"


def text_of(page: str) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module")
def lab01() -> str:
    assert LAB01.is_file(), "build the site first: make site"
    return LAB01.read_text(encoding="utf-8")


def test_intro_and_lab_pages_exist():
    for page in ("index.html", "book/intro.html", "book/setup.html", "book/instructors.html",
                 "book/references.html", "solutions/01_data_generation.html"):
        assert (HTML / page).is_file(), page


def test_lab01_has_its_figures(lab01):
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', lab01)
    assert len(images) >= 3
    for src in images:
        assert (LAB01.parent / src).resolve().is_file(), src


def test_lab01_exercises_and_collapsed_solutions(lab01):
    assert lab01.count('class="exercise admonition"') == 4
    # every solution is a dropdown (folded until clicked) ...
    solutions = lab01.split('class="solution dropdown admonition"')[1:]
    assert len(solutions) == 4
    # ... and the gated solution holds the solution code cell
    assert "keep = positions[None, :]" in text_of(solutions[0])


def test_lab01_kept_outputs_are_rendered(lab01):
    text = text_of(lab01)
    # the verdict line of the self-check cell (its count of checks moves as the check grows)
    assert re.search(r"✓ create_train_dataset: all \d+ checks passed", text), text[:2000]
    assert "test sets in all: 200000" in text


def test_no_cdn_scripts():
    for page in HTML.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "cdnjs.cloudflare.com/ajax/libs/require.js" not in text, page
        assert "cdn.jsdelivr.net/npm/@jupyter-widgets" not in text, page


HIDDEN = HTML.parent / "hidden" / "_build" / "html"


def test_hide_solutions_build_has_no_solution_code():
    """`hide_solutions: true` (book/instructors.md) removes every solution, outputs stay."""
    import nbformat

    from labcode.authoring.strip import CODE_BEGIN, CODE_END, GUARD_TAG, solution_lines

    def unmarked(source: str) -> list[str]:
        inside, lines = False, []
        for line in source.split("\n"):
            if CODE_BEGIN.match(line) or CODE_END.match(line):
                inside = bool(CODE_BEGIN.match(line))
            elif not inside:
                lines.append(line)
        return lines

    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    assert solutions and (HIDDEN / "solutions").is_dir(), "build it: make site"
    for path in solutions:
        nb = nbformat.read(path, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        marked = {ln.strip() for src in code for ln in solution_lines(src)}
        # a marked line that the page also shows outside any solution (e.g. `with
        # torch.no_grad():` in a given helper) is no secret; guard cells are not shown
        shown = {ln.strip() for c in nb.cells if c.cell_type == "code"
                 and GUARD_TAG not in c.metadata.get("tags", []) for ln in unmarked(c.source)}
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        # lines quoted in an exercise statement are meant to be seen
        secret = {ln for ln in marked - shown if len(ln) > 3 and ln not in prose}
        hidden_page = text_of((HIDDEN / "solutions" / f"{path.stem}.html").read_text("utf-8"))
        default_page = text_of((HTML / "solutions" / f"{path.stem}.html").read_text("utf-8"))
        assert secret and any(ln in default_page for ln in secret), path.name
        leaked = [ln for ln in secret if ln in hidden_page]
        assert not leaked, f"{path.name}: {leaked[:3]}"
        assert "solution dropdown" not in (HIDDEN / "solutions" / f"{path.stem}.html").read_text(
            "utf-8")


LAB_PAGES = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("site", [HTML, HIDDEN], ids=["default", "hidden"])
def test_lab_pages_link_to_the_student_notebook_not_the_solution(site):
    root = ROOT
    assert LAB_PAGES
    for path in LAB_PAGES:
        page = (site / "solutions" / f"{path.stem}.html").read_text("utf-8")
        download = re.search(r'class="[^"]*labcode-student-download[^"]*" href="([^"]+)"', page)
        assert download, f"{path.stem}: no download link to the student notebook"
        copied = (site / "solutions" / download.group(1)).resolve()
        assert copied == (site / "notebooks" / path.name).resolve(), download.group(1)
        assert copied.read_bytes() == (root / "notebooks" / path.name).read_bytes()
        colab = re.search(r'class="[^"]*labcode-colab[^"]*" href="([^"]+)"', page)
        assert colab and colab.group(1).startswith("https://colab.research.google.com/github/")
        assert colab.group(1).endswith(f"/blob/main/notebooks/{path.name}"), colab.group(1)
        # the theme's own buttons would hand out the solution notebook: none is left
        assert "download-notebook-button" not in page and "download-source-button" not in page
        assert "colab.research.google.com" not in page.replace(colab.group(1), "")
    # and the page sources (solution notebooks) are not copied into the site
    assert not (site / "_sources").exists()
    assert not list(site.rglob("*.ipynb")) or all(
        p.parent.name == "notebooks" for p in site.rglob("*.ipynb"))


def test_names_urls_and_licences_come_from_the_config():
    """The home page's title and the clone command are _config.yml's; every page's footer
    states the licences; no placeholder is left outside inline code."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    intro = (HTML / "book" / "intro.html").read_text(encoding="utf-8")
    assert re.search(rf"<h1>{re.escape(html.escape(config['title']))}<a", intro), "intro title"
    setup = text_of((HTML / "book" / "setup.html").read_text(encoding="utf-8"))
    assert f"git clone {url}.git\ncd {url.rsplit('/', 1)[-1]}" in setup
    pages = sorted(p for p in HTML.rglob("*.html") if p.parent != HTML / "_static"
                   and not p.relative_to(HTML).parts[0].startswith("@")
                   and p != HTML / "index.html")  # not the root redirect, nor theme macros
    assert len(pages) >= 15
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "labcode-licence" in text and "CC BY 4.0" in text, page
        assert not re.search(r"\{\{\s*config\.", text), page  # inline code splits it
