"""A small streaming .xlsx writer for the one big sheet an export has: a million rows in seconds.

openpyxl's write-only mode took 42 s for 200,000 rows and xlsxwriter's constant-memory mode about
16 s (``bench/excel_export.py``): both build and escape every cell anew. Here a cell's XML is made
once per distinct (column, value) and reused, rows are joined as text and deflated at a low level,
so the cost per row is a few list appends and one join. What the export needs and nothing more:
typed numbers and date-times, text in the shared string table, a bold header, column widths, a
frozen header row, an autofilter.

Text is only ever a shared string (``t="s"``): no value can become a formula, whatever it starts
with, because this writer has no way to write one. Characters XML cannot hold are written the way
Excel itself escapes them (``_x001B_``), and a literal ``_x`` is protected the same way.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# Style indexes of cellXfs below.
PLAIN, DATETIME, DAY, BOLD = 0, 1, 2, 3
DATETIME_FORMAT, DAY_FORMAT = "dd-mm-yyyy hh:mm:ss", "dd-mm-yyyy"
_EPOCH = datetime(1899, 12, 30)
_ROW = "\0"  # stands for the row number inside cached cell XML; never in escaped text
# CR too: an XML parser turns a bare CR into LF.
_BAD_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x(?=[0-9A-Fa-f]{4}_)")


def _xml_text(value: str) -> str:
    """``value`` for a ``<t>`` element: XML-escaped, characters XML cannot hold as ``_xHHHH_``."""
    value = _BAD_XML.sub(lambda m: "_x005F_x" if m.group() == "_x" else f"_x{ord(m.group()):04X}_",
                         value)
    return escape(value)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def excel_serial(moment: datetime | date) -> float:
    """A naive local date-time as Excel's day number (1900 date system)."""
    if not isinstance(moment, datetime):
        return float((moment - _EPOCH.date()).days)
    delta = moment - _EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


class Workbook:
    """Sheets are written one after the other (a zip member at a time), then :meth:`close`."""

    def __init__(self, out, *, compresslevel: int = 1):
        # Level 1: the XML is repetitive, so it still shrinks ~15×, at a fraction of level 6's time.
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=compresslevel)
        self.strings: dict[str, int] = {}
        self.sheets: list[tuple[str, str | None]] = []  # (name, autofilter range)
        self.open_sheet: Sheet | None = None

    def string_index(self, value: str) -> int:
        index = self.strings.get(value)
        if index is None:
            index = self.strings[value] = len(self.strings)
        return index

    def add_sheet(self, name: str, widths: list[float], *, freeze_header: bool = True) -> "Sheet":
        if self.open_sheet is not None:
            self.open_sheet.close()
        if any(name == n for n, _ in self.sheets):
            raise ValueError(f"sheet {name!r} twice")
        self.open_sheet = Sheet(self, name, len(self.sheets) + 1, widths, freeze_header)
        return self.open_sheet

    def close(self) -> None:
        if self.open_sheet is not None:
            self.open_sheet.close()
        count = len(self.sheets)
        self.zip.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_MAIN}.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{_MAIN}.worksheet+xml"/>' for i in range(1, count + 1))
            + f'<Override PartName="/xl/styles.xml" ContentType="{_MAIN}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_MAIN}.sharedStrings+xml"/>'
            "</Types>"))
        self.zip.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
            + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'))
        names = []
        for i, (name, ref) in enumerate(self.sheets):
            if ref:
                quoted = "'" + name.replace("'", "''") + "'"
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" '
                             f'hidden="1">{escape(quoted)}!{ref}</definedName>')
        self.zip.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS}>'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                      for i, (name, _) in enumerate(self.sheets, 1))
            + "</sheets>" + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
            + "</workbook>"))
        self.zip.writestr("xl/styles.xml", _STYLES)
        with self.zip.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} '
                          f'count="{len(self.strings)}" uniqueCount="{len(self.strings)}">')
                         .encode())
            chunk = []
            for text in self.strings:  # insertion order = index order
                space = ' xml:space="preserve"' if text != text.strip() else ""
                chunk.append(f"<si><t{space}>{_xml_text(text)}</t></si>")
                if len(chunk) >= 5000:
                    handle.write("".join(chunk).encode())
                    chunk.clear()
            handle.write(("".join(chunk) + "</sst>").encode())
        self.zip.close()


class Sheet:
    """Rows in order. A row is a list of cell XML fragments from :meth:`text`, :meth:`number`,
    :meth:`moment` and :data:`EMPTY`, in column order."""

    def __init__(self, book: Workbook, name: str, number: int, widths: list[float],
                 freeze_header: bool):
        self.book, self.name, self.rows = book, name, 0
        self.columns = [column_letter(i) for i in range(max(len(widths), 1))]
        self.handle = book.zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True)
        self.buffer: list[str] = []
        self.cache: list[dict] = [{} for _ in self.columns]
        self.autofilter: str | None = None
        pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if freeze_header else ""
        selected = ' tabSelected="1"' if number == 1 else ""
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths, 1))
        self.handle.write((
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
            f'<sheetViews><sheetView workbookViewId="0"{selected}>{pane}</sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>").encode())

    # -- cells: the XML of one cell, made once per column and value ------------------------------

    def text(self, column: int, value: str | None, style: int = PLAIN) -> str:
        """A text cell (a shared string, never a formula); None or "" is an empty cell."""
        if not value:
            return ""
        key = (value, style)
        cell = self.cache[column].get(key)
        if cell is None:
            index = self.book.string_index(value)
            styled = f' s="{style}"' if style else ""
            cell = self.cache[column][key] = (f'<c r="{self.columns[column]}{_ROW}"{styled} '
                                              f't="s"><v>{index}</v></c>')
        return cell

    def number(self, column: int, value: int | float | None, style: int = PLAIN) -> str:
        if value is None:
            return ""
        styled = f' s="{style}"' if style else ""
        return f'<c r="{self.columns[column]}{_ROW}"{styled}><v>{value!r}</v></c>'

    def moment(self, column: int, value: datetime | date | None, style: int = DATETIME) -> str:
        if value is None:
            return ""
        return self.number(column, excel_serial(value), style)

    def row(self, cells: list[str]) -> None:
        self.joined("".join(cells))

    def joined(self, cells: str) -> None:
        """A row from cell fragments already joined (a caller may cache runs of cells)."""
        self.rows += 1
        number = str(self.rows)
        self.buffer.append(f'<row r="{number}">{cells.replace(_ROW, number)}</row>')
        if len(self.buffer) >= 2000:
            self.flush()

    def header(self, names: list[str]) -> None:
        self.row([self.text(i, name, BOLD) for i, name in enumerate(names)])

    def set_autofilter(self, last_column: int, last_row: int | None = None) -> None:
        last_row = self.rows if last_row is None else last_row
        self.autofilter = f"$A$1:${self.columns[last_column]}${max(last_row, 1)}"

    def flush(self) -> None:
        if self.buffer:
            self.handle.write("".join(self.buffer).encode("utf-8"))
            self.buffer.clear()

    def close(self) -> None:
        self.flush()
        tail = "</sheetData>"
        if self.autofilter:
            tail += f'<autoFilter ref="{self.autofilter.replace("$", "")}"/>'
        self.handle.write((tail + "</worksheet>").encode())
        self.handle.close()
        self.book.sheets.append((self.name, self.autofilter))
        self.book.open_sheet = None


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATETIME_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DAY_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
