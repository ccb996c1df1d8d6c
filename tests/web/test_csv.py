import csv as stdlib_csv
import io

from hypothesis import given
from hypothesis import strategies as st

from haven.web import csv


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
def test_no_cell_reads_as_a_formula_and_the_text_survives(rows):
    text = csv.table(["a", "b", "c"], rows)
    back = list(stdlib_csv.reader(io.StringIO(text, newline="")))
    assert back[0] == ["a", "b", "c"]
    assert len(back) == len(rows) + 1
    for written, original in zip(back[1:], rows, strict=True):
        for cell, value in zip(written, original, strict=True):
            assert not cell.startswith(csv.FORMULA_START)
            assert cell in (value, "'" + value)


def test_a_formula_is_shown_as_text():
    assert csv.cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv.cell("-2+3") == "'-2+3"
    assert csv.cell(None) == ""
    assert csv.cell(4) == "4"
