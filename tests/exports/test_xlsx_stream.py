"""The streaming .xlsx writer read back with openpyxl: typed cells, text that looks like a
formula or holds characters XML cannot, a frozen header, an autofilter, column widths."""

from __future__ import annotations

from datetime import date, datetime

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from exports import xlsx_stream

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def as_openpyxl_reads(text: str) -> str:
    """Excel shows the character; openpyxl leaves Excel's ``_xHHHH_`` escape as it is."""
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def test_cells_come_back_typed_and_text_stays_text(tmp_path):
    path = tmp_path / "t.xlsx"
    book = xlsx_stream.Workbook(path)
    ws = book.add_sheet("Data", [12, 30, 8])
    ws.header(["Dato", "Tekst", "Tal"])
    values = ["=1+1", "#REF!", "_x0041_ bogstavet A", "Esc\x1b[2J", "<&> \"'", "  mellem  ",
              "Køge æøå", "+45", "@SUM(A1)"]
    for i, text in enumerate(values):
        ws.row([ws.moment(0, datetime(2026, 10, 19, 8, 15, 30)), ws.text(1, text),
                ws.number(2, i)])
    ws.row([ws.moment(0, date(2026, 10, 23), xlsx_stream.DAY), ws.text(1, None),
            ws.number(2, 2.5)])
    ws.set_autofilter(2)
    other = book.add_sheet("Andet", [10], freeze_header=False)
    other.row([other.text(0, "Køge æøå")])
    book.close()

    wb = load_workbook(path)
    assert wb.sheetnames == ["Data", "Andet"]
    sheet = wb["Data"]
    assert [c.value for c in sheet[1]] == ["Dato", "Tekst", "Tal"] and sheet["A1"].font.b
    got = [c.value for c in sheet["B"][1:len(values) + 1]]
    assert got == [as_openpyxl_reads(v) for v in values]
    assert all(c.data_type == "s" for c in sheet["B"][1:len(values) + 1])  # never a formula
    assert sheet["A2"].value == datetime(2026, 10, 19, 8, 15, 30)
    assert sheet["A2"].number_format == "dd-mm-yyyy hh:mm:ss"
    last = len(values) + 2
    assert sheet[f"A{last}"].value == datetime(2026, 10, 23)
    assert sheet[f"A{last}"].number_format == "dd-mm-yyyy"
    assert sheet[f"B{last}"].value is None and sheet[f"C{last}"].value == 2.5
    assert sheet["C2"].value == 0 and sheet["C3"].value == 1
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:C{last}"
    assert sheet.column_dimensions["B"].width == 30
    assert wb["Andet"].freeze_panes is None and wb["Andet"]["A1"].value == "Køge æøå"


def test_a_sheet_name_twice_is_a_bug(tmp_path):
    book = xlsx_stream.Workbook(tmp_path / "t.xlsx")
    book.add_sheet("A", [1])
    with pytest.raises(ValueError):
        book.add_sheet("A", [1])


@pytest.mark.parametrize("index, letters", [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"),
                                            (702, "AAA")])
def test_column_letters(index, letters):
    assert xlsx_stream.column_letter(index) == letters


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40).filter(lambda t: "x005F_" not in t), min_size=1,
                max_size=20))
def test_any_text_round_trips_as_text(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("x") / "t.xlsx"
    book = xlsx_stream.Workbook(path)
    ws = book.add_sheet("S", [10])
    for text in texts:
        ws.row([ws.text(0, text)])
    book.close()
    sheet = load_workbook(path)["S"]
    assert [sheet.cell(row=i + 1, column=1).value for i in range(len(texts))] == [
        as_openpyxl_reads(t) for t in texts]
    assert {sheet.cell(row=i + 1, column=1).data_type for i in range(len(texts))} == {"s"}
