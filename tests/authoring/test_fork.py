"""Fork in one place: every URL and name of the course comes from ``_config.yml``.

A copy of the configuration with another repository URL and title (``tests/site/derive_config``,
read by Jupyter Book's own ``get_final_config``) goes through the code that writes URLs and names:
the student notebooks' generator (``labcode/authoring/strip.py``) and the site extension
(``book/_ext/course_site.py``: Colab and JupyterHub links, the placeholders of the prose pages).
No trace of the old URL or title may remain, and no tracked file but ``_config.yml`` (and
``CITATION.cff``, checked against it) may spell the URL out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from labcode import __version__
from labcode.authoring.strip import repository_of, strip_file, title_of
from tests.conftest import NOTEBOOKS, ROOT, SOLUTIONS

sys.path.insert(0, str(ROOT / "tests" / "site"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_site  # noqa: E402
from derive_config import derive  # noqa: E402

CONFIG = ROOT / "_config.yml"
OLD_URL, OLD_TITLE = repository_of(CONFIG), title_of(CONFIG)
NEW_URL, NEW_TITLE = "https://github.com/a-fork/sets-course", "Sets, Forked"
OLD_NAME = OLD_URL.rsplit("/", 1)[-1]


def traces(text: str) -> list[str]:
    """Whatever of the old repository (owner/name) or title ``text`` still holds."""
    owner_repo = OLD_URL.removeprefix("https://github.com/")
    return [t for t in (OLD_URL, owner_repo, OLD_TITLE) if t in text]


def forked_app(**overrides: str) -> SimpleNamespace:
    """A stand-in Sphinx app with the forked configuration, as Jupyter Book maps it."""
    from jupyter_book.config import get_final_config

    config = derive([f"repository.url={NEW_URL}", f"title={NEW_TITLE!r}",
                     *(f"{k}={v}" for k, v in overrides.items())])
    sphinx, _ = get_final_config(user_yaml=config, cli_config={"latex_individualpages": False},
                                 sourcedir=ROOT, raise_on_invalid=True)
    return SimpleNamespace(
        config=SimpleNamespace(html_theme_options=sphinx["html_theme_options"],
                               html_title=sphinx["html_title"], project=sphinx["html_title"],
                               hub_url=sphinx.get("hub_url", "")),
        env=SimpleNamespace(doc2path=lambda docname: str(ROOT / f"{docname}.md")))  # as 7.4


def test_the_config_names_the_course():
    assert OLD_URL and OLD_TITLE and OLD_URL != NEW_URL


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*.ipynb")), ids=lambda p: p.name)
def test_a_forked_student_notebook_installs_from_the_fork(path):
    text = strip_file(path, NEW_URL, title=NEW_TITLE)
    assert not traces(text)
    setup = nbformat.reads(text, as_version=4).cells[1].source
    assert f'url = "git+{NEW_URL}@v{__version__}"' in setup
    assert f"[{NEW_TITLE}]({NEW_URL})" in text


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_the_student_notebooks_use_the_config_and_this_release(path):
    text = path.read_text(encoding="utf-8")
    urls = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", text))
    assert urls == {OLD_URL}, urls
    assert f"git+{OLD_URL}@v{__version__}" in text, "run `make student` after a version bump"
    assert "@main" not in text


def test_the_site_links_to_the_fork():
    app = forked_app(**{"sphinx.config.hub_url": "https://hub.example.edu/"})
    colab = course_site.colab_url(app, "01_x")
    assert colab == ("https://colab.research.google.com/github/a-fork/sets-course/blob/main/"
                     "notebooks/01_x.ipynb")
    hub = course_site.hub_url(app, "01_x")
    assert hub == ("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2F"
                   "github.com%2Fa-fork%2Fsets-course&branch=main&urlpath=lab%2Ftree%2F"
                   "sets-course%2Fnotebooks%2F01_x.ipynb")
    assert not traces(colab + hub)
    assert course_site.hub_url(forked_app(), "01_x") is None, "no hub_url, no hub link"


@pytest.mark.parametrize("page", ["book/intro", "book/setup"])
def test_the_prose_pages_take_names_and_urls_from_the_config(page):
    source = [(ROOT / f"{page}.md").read_text(encoding="utf-8")]
    course_site._fill_config_values(forked_app(), page, source)
    assert "{{" not in source[0] and not traces(source[0])
    if page == "book/intro":
        assert source[0].startswith(f"# {NEW_TITLE}\n")
    else:
        assert f"git clone {NEW_URL}.git\ncd sets-course\n" in source[0]


def test_a_placeholder_in_inline_code_is_left_as_it_is():
    source = ["Write `{{ config.title }}` for {{ config.title }}."]
    course_site._fill_config_values(forked_app(), "book/instructors", source)
    assert source[0] == f"Write `{{{{ config.title }}}}` for {NEW_TITLE}."


def test_no_tracked_file_but_the_config_spells_out_the_url():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    allowed = {"_config.yml", "CITATION.cff"}
    owner_repo = OLD_URL.removeprefix("https://github.com/")
    spelled = [f for f in files if f not in allowed and not f.startswith("notebooks/")
               and Path(ROOT, f).is_file() and owner_repo in Path(ROOT, f).read_text(
                   encoding="utf-8", errors="ignore")]
    assert not spelled, f"write the repository's URL in _config.yml only: {spelled}"


def test_the_citation_points_at_the_configured_repository():
    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["repository-code"] == OLD_URL, "update CITATION.cff with _config.yml"
    assert citation["title"] == OLD_TITLE
    assert citation["version"] == __version__
