"""``Table``: an HTML table in Jupyter and on the site, aligned text for ``print``."""

from labcode.results import Table

TABLE = Table(("model", "M = 10", "M < 5"), (("DeepSets", "1.00", "0.50"), ("LSTM", "0.95", "0")))


def test_text_is_aligned_first_column_left_the_others_right():
    lines = str(TABLE).splitlines()
    assert lines == ["model     M = 10  M < 5",
                     "DeepSets    1.00   0.50",
                     "LSTM        0.95      0"]
    assert repr(TABLE) == str(TABLE)


def test_html_is_a_table_with_a_header_row_and_escaped_cells():
    html = TABLE._repr_html_()
    assert html.startswith('<table class="labcode-table"><thead><tr><th>model</th>')
    assert html.count("<tr>") == 3 and html.count("<th>") + html.count("<th ") == 3
    assert html.count("<td") == 6
    assert "M &lt; 5" in html and "M < 5" not in html
    assert html.count("text-align: right") == 2 + 4  # every column but the first
