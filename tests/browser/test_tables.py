"""Result tables are HTML tables (``labcode.results.Table``): on a phone every column can be
read, and a screen reader gets a header row (the issue: Lab 02's table was 21 rows of
monospace text whose LSTM columns were cut off at 390 px)."""

from __future__ import annotations

import pytest

from .built_site import lab_pages, skip_without_a_site

skip_without_a_site()

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 1}
LAB02 = next(page for page in lab_pages() if "02_" in page)

TABLES_JS = """() => [...document.querySelectorAll("table.labcode-table")].map((t) => {
  let box = t.parentElement;
  while (box && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)
         && box !== document.body) box = box.parentElement;
  const outer = t.parentElement.getBoundingClientRect();
  return {columns: t.tHead.rows[0].cells.length, rows: t.tBodies[0].rows.length,
          width: t.getBoundingClientRect().width, room: outer.width,
          scrolls: box !== document.body && box.scrollWidth > box.clientWidth,
          headers: [...t.tHead.rows[0].cells].every((c) => c.tagName === "TH")};
})"""


@pytest.mark.parametrize("viewport", [PHONE, {}], ids=["390", "1280"])
def test_lab02_results_are_html_tables_whose_columns_can_all_be_read(base_url, open_page,
                                                                    viewport):
    page, _, _ = open_page(base_url + LAB02, **viewport)
    page.wait_for_load_state("load")
    tables = page.evaluate(TABLES_JS)
    # the scores per cardinality (M, then accuracy and MAE of two models) and the seed table
    assert [(t["columns"], t["rows"]) for t in tables] == [(5, 20), (8, 10)], tables
    assert all(t["headers"] for t in tables)
    scores = tables[0]
    assert scores["width"] <= scores["room"] + 0.5, scores  # all five columns in view
    for t in tables:  # a wider one scrolls in its own box: no column is cut off
        assert t["width"] <= t["room"] + 0.5 or t["scrolls"], t
