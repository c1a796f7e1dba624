"""Hostile import files: terminal controls, bidi and zero-width characters, CPR numbers written
any way (counted over the whole file, never quoted back), foreign digits, impossible years, files
that are not files, endless lines and absurd headers. Each is refused naming the place, and
nothing is written."""

from __future__ import annotations

import os
import threading

import pytest

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import count
from exports.reader import MAX_COLUMNS, MAX_LINE
from storage.errors import Refusal

HEADER = ("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
          "Datakilde;Taler borgeren dansk?;\r\n")
GOOD = ("Eksempelby;999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;19-10-2026 08:21:44;"
        "19-10-2026 08:20:27;19-10-2026 08:21:44;Tracetool;Ja;\r\n")


def run(store, config, path, **kwargs):
    from exports import importer

    return importer.run(store, config, path, **kwargs)


def refused(store, config, db, path, **kwargs) -> str:
    with pytest.raises(Refusal) as raised:
        run(store, config, path, **kwargs)
    assert count(db) == 0 and count(db, "imports") == 0
    return str(raised.value)


UNSAFE = {
    "C1 CSI": ("Trace\u009b2Jtool", "U+009B"),
    "C1 NEL": ("Trace\u0085tool", "U+0085"),
    "ESC": ("Trace\x1b]0;x\x07tool", "U+001B (ESC)"),
    "bidi override": ("Trace\u202etool", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    "bidi isolate": ("Trace\u2066tool", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    "zero-width space": ("Trace\u200btool", "U+200B (ZERO WIDTH SPACE)"),
    "zero-width joiner": ("Trace\u200dtool", "U+200D (ZERO WIDTH JOINER)"),
    "BOM inside": ("Trace\ufefftool", "U+FEFF"),
    "line separator": ("Trace\u2028tool", "U+2028 (LINE SEPARATOR)"),
    "paragraph separator": ("Trace\u2029tool", "U+2029 (PARAGRAPH SEPARATOR)"),
    "soft hyphen": ("Trace\u00adtool", "U+00AD (SOFT HYPHEN)"),
    "tab": ("Trace\ttool", "U+0009 (tabulator)"),
}


@pytest.mark.parametrize("value, named", UNSAFE.values(), ids=UNSAFE.keys())
@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1"])
def test_unsafe_characters_in_a_value_are_refused_naming_line_and_field(
        lk_store, lk_config, lk_db, tmp_path, value, named, encoding):
    try:
        data = (HEADER + GOOD + GOOD.replace("Tracetool", value)).encode(encoding)
    except UnicodeEncodeError:
        pytest.skip("not in ISO-8859-1")
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    message = refused(lk_store, lk_config, lk_db, path)
    if encoding == "iso-8859-1" and "\x80" <= value[5] <= "\x9f":
        assert 'Linje 3, felt "Datakilde": tegnet med kode' in message  # Windows-1252, really
    else:
        assert f'Linje 3, felt "Datakilde": indeholder tegnet {named}' in message
    assert value[5] not in message


def test_unsafe_characters_in_a_header_are_refused(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER.replace("Taler borgeren", "Taler\u202e borgeren") + GOOD).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert "Linje 1" in message and "RIGHT-TO-LEFT OVERRIDE" in message and "\u202e" not in message


def test_a_tab_separated_file_still_gets_the_separator_hint(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_bytes(HEADER.replace(";", "\t").encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert "filen bruger tabulator som skilletegn" in message and "\t" not in message


CPR_VALUES = {
    "en dash": "010190\u20131234",
    "NBSP": "010190\u00a01234",
    "dots": "01.01.90-1234",
    "slashes": "01/01/90 1234",
    "spaces around the dash": "010190 - 1234",
    "full-width digits": "\uff10\uff11\uff10\uff11\uff19\uff10\uff11\uff12\uff13\uff14",
    "Arabic-Indic digits": "٠١٠١٩٠-١٢٣٤",
    "minus sign": "010190\u22121234",
}


@pytest.mark.parametrize("cpr", CPR_VALUES.values(), ids=CPR_VALUES.keys())
@pytest.mark.parametrize("column", ["Enhed", "Datakilde", "answer", "header"])
def test_cpr_numbers_written_any_way_are_refused_and_never_quoted(
        lk_store, lk_config, lk_db, tmp_path, cpr, column):
    header, line = HEADER, GOOD
    if column == "Enhed":
        line = GOOD.replace("999borgerservice", f"enhed {cpr}")
    elif column == "Datakilde":
        line = GOOD.replace("Tracetool", cpr)
    elif column == "answer":
        header = HEADER.replace("Taler borgeren dansk?", "Nummer")
        line = GOOD.replace(";Ja;", f";{cpr};")
    else:
        header = HEADER.replace("Taler borgeren dansk?", f"Borger {cpr}")
    path = tmp_path / "cpr.csv"
    path.write_bytes((header + line).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert "CPR-nummer" in message
    assert cpr not in message and "1234" not in message and "١٢٣٤" not in message
    assert "I alt ligner 1 værdi i filen et CPR-nummer" in message


def test_cpr_numbers_are_counted_over_the_whole_file(lk_store, lk_config, lk_db, tmp_path):
    """Thirty CPR numbers spread over two columns and a header: the 20-error list stops early,
    the count does not."""
    header = HEADER.replace("Taler borgeren dansk?", "Borger 020202-2222")
    lines = [GOOD.replace("Tracetool", f"{(i % 28) + 1:02d}0190-12{i:02d}") for i in range(15)]
    lines += [GOOD.replace("999borgerservice", f"{(i % 28) + 1:02d}0290\u2013{i:04d}") for i in range(14)]
    path = tmp_path / "cpr.csv"
    path.write_bytes((header + "".join(lines)).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert "I alt ligner 30 værdier i filen et CPR-nummer (linje 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 …)" in message


FOREIGN = {
    "Arabic-Indic municipality number": (GOOD.replace(";999;", ";٩٩٩;"), 'felt "ID"'),
    "Arabic-Indic date": (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27;19-10-2026 08:21:44",
                                       "١٩-١٠-٢٠٢٦ 08:21:44;;"), 'felt "Dato"'),
    "full-width KLE": (GOOD.replace("23.05.10", "２３.０５.１０"), 'felt "Opgave"'),
    "year 999": (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27;19-10-2026 08:21:44",
                              "19-10-0999 08:21:44;;"), "årstallet 999 ligger uden for 1970–2100"),
    "year 1": (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27;19-10-2026 08:21:44",
                            "01-01-0001 00:30:00;;"), "årstallet 1 ligger uden for"),
    "year 9999": (GOOD.replace("19-10-2026 08:21:44;19-10-2026 08:20:27;19-10-2026 08:21:44",
                               "31-12-9999 23:59:00;;"), "årstallet 9999 ligger uden for"),
    "start in year 2101": (GOOD.replace("19-10-2026 08:20:27", "19-10-2101 08:20:27"),
                           'felt "StartTidspunkt"'),
}


@pytest.mark.parametrize("line, named", FOREIGN.values(), ids=FOREIGN.keys())
def test_foreign_digits_and_impossible_years_are_refused_without_a_traceback(
        lk_store, lk_config, lk_db, tmp_path, line, named):
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + line).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert "Linje 2" in message and named in message


@pytest.mark.parametrize("name", ["Borger\u202e", "010190\u20131234", "a\x1b[2J"])
def test_datakilde_flag_is_checked_like_a_value(lk_store, lk_config, lk_db, tmp_path, name):
    path = tmp_path / "ok.csv"
    path.write_bytes((HEADER + GOOD).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path, datakilde=name)
    assert "--datakilde" in message and name not in message


def test_a_device_is_refused(lk_store, lk_config, lk_db):
    assert "ikke en almindelig fil" in refused(lk_store, lk_config, lk_db, "/dev/zero")


def test_a_fifo_is_refused_without_waiting(lk_store, lk_config, lk_db, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list = []

    def attempt():
        try:
            run(lk_store, lk_config, fifo)
        except Refusal as refusal:
            outcome.append(str(refusal))

    reader = threading.Thread(target=attempt, daemon=True)
    reader.start()
    reader.join(20)
    if reader.is_alive():
        with open(fifo, "w"):
            pass  # let the old code's open() return, so the test can end
        reader.join(5)
        pytest.fail("importing a FIFO waited for a writer")
    assert outcome and "ikke en almindelig fil" in outcome[0]
    assert count(lk_db) == 0


def test_a_line_without_end_is_refused_before_the_file_is_read(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "long.csv"
    with open(path, "wb") as handle:
        handle.write(HEADER.encode("ascii"))
        handle.write(b"x" * (8 << 20))  # 8 MB on one line
    message = refused(lk_store, lk_config, lk_db, path)
    assert f"linje 2 er over {MAX_LINE} tegn lang" in message


def test_a_long_line_between_short_ones_is_refused_naming_it(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "long.csv"
    long_line = GOOD.replace("Tracetool", "x" * (MAX_LINE + 10))
    path.write_bytes((HEADER + GOOD + long_line + GOOD).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert f"Linje 3: linjen er over {MAX_LINE} tegn lang" in message


@pytest.mark.parametrize("columns, named", [
    (5_000, f"overskriftslinjen har 5013 kolonner; højst {MAX_COLUMNS}"),
    (100_000, f"Linje 1: linjen er over {MAX_LINE} tegn lang"),  # 1.4 MB of header: the line limit first
])
def test_too_many_columns_are_refused_at_once(lk_store, lk_config, lk_db, tmp_path, columns, named):
    """A 100,000-column header ran for minutes (a quadratic duplicate check), and more than 16,384
    question columns would break every later Excel export: refused from the header."""
    questions = "".join(f"Q{i};" for i in range(columns))
    path = tmp_path / "wide.csv"
    path.write_bytes((HEADER.rstrip("\r\n") + questions + "\r\n" + GOOD).encode("utf-8"))
    assert named in refused(lk_store, lk_config, lk_db, path)


def test_the_column_limit_is_not_hit_by_a_normal_file(lk_store, lk_config, lk_db, tmp_path):
    questions = "".join(f"Spørgsmål {i};" for i in range(MAX_COLUMNS - 13))
    path = tmp_path / "wide.csv"
    path.write_bytes((HEADER.rstrip("\r\n") + questions + "\r\n"
                      + GOOD.rstrip("\r\n") + "Ja;" * (MAX_COLUMNS - 13) + "\r\n").encode("utf-8"))
    run(lk_store, lk_config, path)
    assert count(lk_db) == 1


def test_an_invisible_letter_in_a_text_value_is_refused(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "filler.csv"
    path.write_bytes((HEADER + GOOD.replace("Tracetool", "Trace\u3164tool")).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert 'Linje 2, felt "Datakilde": "Trace\\u3164tool" indeholder tegnet U+3164 (HANGUL FILLER)' in message


# -- issue 12, second round ----------------------------------------------------------------------

FORMULAS = {
    "cmd": "=cmd|' /C calc'!A0",
    "HYPERLINK": '=HYPERLINK("http://x";"klik")'.replace(";", ","),
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(A1)",
    "after spaces": "  =1+1",
}


@pytest.mark.parametrize("formula", FORMULAS.values(), ids=FORMULAS.keys())
@pytest.mark.parametrize("column", ["Kommune", "Enhed", "Datakilde", "answer", "header"])
def test_formula_leads_are_refused_where_values_come_in(lk_store, lk_config, lk_db, tmp_path, formula, column):
    header, line = HEADER, GOOD
    if column == "Kommune":
        line = GOOD.replace("Eksempelby", formula)
    elif column == "Enhed":
        line = GOOD.replace("999borgerservice", formula)
    elif column == "Datakilde":
        line = GOOD.replace("Tracetool", formula)
    elif column == "answer":
        header = HEADER.replace("Taler borgeren dansk?", "Nummer")
        line = GOOD.replace(";Ja;", f";{formula};")
    else:
        header = HEADER.replace("Taler borgeren dansk?", formula)
    path = tmp_path / "formula.csv"
    path.write_bytes((header + line).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert f"begynder med {formula.strip()[0]}, så et regneark (Excel) læser det som en formel" in message
    assert ("Linje 1" if column == "header" else "Linje 2") in message


def test_datakilde_as_a_formula_is_refused(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "upload.csv"
    path.write_bytes(b"KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Henvendelses type;Afslutning;"
                     b"Blanket;Dato;\r\n999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;19-10-2026 08:21;\r\n")
    with pytest.raises(Refusal, match="--datakilde må ikke begynde med ="):
        run(lk_store, lk_config, path, datakilde="=1+1")
    assert count(lk_db) == 0


def test_a_file_mixing_utf8_and_latin1_lines_is_refused_with_the_diagnosis(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "blandet.csv"
    path.write_bytes(HEADER.encode("utf-8") + GOOD.replace("Eksempelby", "Køge").encode("utf-8")
                     + GOOD.replace("Eksempelby", "Køge").encode("iso-8859-1"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert "filen blander UTF-8 og ISO-8859-1 (linje 2 har fx æ, ø eller å skrevet i UTF-8, linje 3 i " \
           "ISO-8859-1)" in message


def test_a_latin1_file_with_danish_letters_is_still_read(lk_store, lk_config, lk_db, tmp_path):
    """The control: capital Æ, Ø, Å next to symbols are not taken for UTF-8."""
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + GOOD.replace("Eksempelby", "KØGE ÆØÅ Å°").replace("Tracetool", "Søg"))
                     .encode("iso-8859-1"))
    outcome = run(lk_store, lk_config, path)
    assert outcome.facts.encoding == "iso-8859-1" and count(lk_db) == 1


@pytest.mark.parametrize("column", ["Kommune", "Datakilde", "header"])
def test_double_encoded_utf8_is_refused_with_the_diagnosis(lk_store, lk_config, lk_db, tmp_path, column):
    mangled = "Køge".encode("utf-8").decode("latin-1")  # "KÃ¸ge"
    header, line = HEADER, GOOD
    if column == "header":
        header = HEADER.replace("Taler borgeren dansk?", "Taler borgeren dansk på " + mangled)
    else:
        line = GOOD.replace("Eksempelby" if column == "Kommune" else "Tracetool", mangled)
    path = tmp_path / "dobbelt.csv"
    path.write_bytes((header + line).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert 'er dobbelt-kodet UTF-8 (skulle nok være "' in message and "Køge" in message


def test_a_file_that_stops_being_utf8_between_the_passes_is_a_message_not_a_traceback(
        lk_store, lk_config, lk_db, tmp_path):
    from exports.reader import Reader, scan

    path = tmp_path / "skifter.csv"
    good = (HEADER + GOOD.replace("Eksempelby", "Køge") * 3).encode("utf-8")
    path.write_bytes(good)
    facts = scan(path)
    path.write_bytes(good.replace("Køge".encode("utf-8"), b"K\xf8ge "))  # same size, not UTF-8
    reader = Reader(facts, lk_config)
    rows = list(reader.rows())
    assert rows == []
    assert any("filen blev ændret, mens den blev læst" in e for e in reader.parsed.errors)


@pytest.mark.parametrize("name, problem", [("uge\x1b]0;hacked\x07.csv", "U+001B (ESC)"),
                                           ("uge\u202evsc.csv", "RIGHT-TO-LEFT OVERRIDE"),
                                           ("010190-1234.csv", "ligner et CPR-nummer")])
def test_a_file_name_with_controls_or_a_cpr_number_is_refused(lk_store, lk_config, lk_db, tmp_path, name, problem):
    path = tmp_path / name
    path.write_bytes((HEADER + GOOD).encode("utf-8"))
    message = refused(lk_store, lk_config, lk_db, path)
    assert problem in message and "\x1b" not in message and "\u202e" not in message and "1234" not in message


def test_a_file_name_too_long_is_said_in_danish(lk_store, lk_config, lk_db, tmp_path):
    message = refused(lk_store, lk_config, lk_db, tmp_path / ("a" * 300 + ".csv"))
    assert "navnet er for langt (højst 255 tegn pr. navn)" in message and "File name" not in message
