"""Golden files for both Landkort layouts: the bytes, the encoding, CRLF and the trailing ``;``.

The week below mixes what a real week holds: staff rows with and without a start time, a batch, a
voided and a trial row (both left out), imported rows from TraceTool and from the Landkort itself
(a unit with æ, a WEB row without unit, a date-only self-service row without type, a group-level KLE
number). A diff against ``golden/`` is a change to the delivery contract: regenerate with
``UPDATE_GOLDEN=1`` only on purpose, and read the diff byte for byte (``cat -A``).
"""

from __future__ import annotations

import os

import pytest

from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import GOLDEN, QUESTION, export, import_text, register

IMPORTED = (
    "Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
    "Datakilde;Taler borgeren dansk?;\r\n"
    "Eksempelby;999;999hjælpemidler;27.60.04;PPRIND;OPRET;STRAKS;JA;22-10-2026 13:45:10;"
    "22-10-2026 13:40:00;22-10-2026 13:45:10;Tracetool;;\r\n"
    "Eksempelby;999;;23.05.10;WEB;VEJL;STRAKS;NEJ;23-10-2026 00:00:00;23-10-2026 00:00:00;"
    "23-10-2026 00:00:00;DetDigitaleLandkort;;\r\n"
    "Eksempelby;999;999jobcenter;15.20;SLVBTJN;;;;23-10-2026 00:00:00;23-10-2026 00:00:00;"
    "23-10-2026 00:00:00;DetDigitaleLandkort;;\r\n"
    "Eksempelby;999;999borgerservice;29.03.04;SLVBTJN;OPRET;HOLD;JA;22-10-2026 08:21:44;"
    "22-10-2026 08:20:27;22-10-2026 08:21:44;Tracetool;Nej;\r\n"
)


def build_week(store, config, tmp_path) -> None:
    register(store, config, "19-10-2026 08:15:30", start="19-10-2026 08:14:05", answers={QUESTION: "Ja"})
    register(store, config, "19-10-2026 09:02:00", enhed="999skranke", opgave="23.09.04", type="VEJL",
             afslutning="HOLD")
    register(store, config, "20-10-2026 10:00:00", enhed="999telefon", opgave="32.03.04", kanal="TLFIND",
             type="INFO", count=2)
    register(store, config, "20-10-2026 11:00:00", start="20-10-2026 10:55:00", opgave="32.06.04",
             kanal="PPRIND", type="STATUS", afslutning="HOLD", blanket="JA", answers={QUESTION: "Nej"})
    voided = register(store, config, "21-10-2026 09:00:00")
    store.void(voided, "FEJLTASTNING")
    register(store, config, "21-10-2026 10:00:00", trial=True)
    import_text(store, config, tmp_path / "tidligere.csv", IMPORTED)


CASES = [
    ("upload", "iso-8859-1", "upload.csv"),
    ("raadata", "iso-8859-1", "raadata.csv"),
    ("raadata", "utf-8", "raadata-utf8.csv"),
]


@pytest.mark.parametrize("layout, encoding, golden", CASES)
def test_layout_matches_golden_file(lk_store, lk_config, tmp_path, layout, encoding, golden):
    build_week(lk_store, lk_config, tmp_path)
    data, written, left = export(lk_store, lk_config, layout, encoding)
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes()
    assert written.rows == left.live == 9
    assert (left.voided, left.trial) == (1, 1)


def test_golden_files_keep_the_landkort_conventions():
    """Checked on the golden bytes themselves, so a careless regeneration cannot hide a change."""
    upload = (GOLDEN / "upload.csv").read_bytes()
    raw = (GOLDEN / "raadata.csv").read_bytes()
    raw8 = (GOLDEN / "raadata-utf8.csv").read_bytes()
    for data in (upload, raw, raw8):
        lines = data.split(b"\r\n")
        assert lines[-1] == b""  # ends with CRLF
        assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF or CR anywhere
        assert b"\r" not in data.replace(b"\r\n", b"")
        assert all(line.endswith(b";") for line in lines[:-1])  # trailing ;
        widths = {line.count(b";") for line in lines[:-1]}
        assert len(widths) == 1  # every line as wide as the header
    assert upload.split(b"\r\n")[0] == (
        b"KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Henvendelses type;Afslutning;Blanket;Dato;"
    )
    assert raw.split(b"\r\n")[0] == (
        b"Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
        b"Datakilde;Taler borgeren dansk?;"
    )
    # ISO-8859-1: æ is the single byte 0xE6; in the UTF-8 file it is 0xC3 0xA6.
    assert b"999hj\xe6lpemidler" in raw and b"999hj\xc3\xa6lpemidler" in raw8
    assert raw.decode("iso-8859-1") == raw8.decode("utf-8")
    text = upload.decode("iso-8859-1")
    # NULL where a value does not apply, KLE always NN.NN.NN, dd-mm-yyyy HH:MM.
    assert "999;NULL;23.05.10;WEB;VEJL;STRAKS;NEJ;23-10-2026 00:00;\r\n" in text
    assert "999;999jobcenter;15.20.00;SLVBTJN;NULL;NULL;NULL;23-10-2026 00:00;\r\n" in text
    raw_text = raw.decode("iso-8859-1")
    # A row made without a start time carries its Dato as start; date-only rows 00:00:00 thrice.
    assert ("Eksempelby;999;999skranke;23.09.04;PRSNLG;VEJL;HOLD;NEJ;19-10-2026 09:02:00;"
            "19-10-2026 09:02:00;19-10-2026 09:02:00;Taelleuge;;\r\n") in raw_text
    assert ("Eksempelby;999;999jobcenter;15.20.00;SLVBTJN;;;;23-10-2026 00:00:00;23-10-2026 00:00:00;"
            "23-10-2026 00:00:00;DetDigitaleLandkort;;\r\n") in raw_text
    # Local time (CEST, UTC+2), not the stored UTC.
    assert ("Eksempelby;999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;19-10-2026 08:15:30;"
            "19-10-2026 08:14:05;19-10-2026 08:15:30;Taelleuge;Ja;\r\n") in raw_text
    # Voided (21-10 09:00) and trial (21-10 10:00) rows are not in any file.
    assert "21-10-2026" not in raw_text and "21-10-2026" not in text


def test_rows_come_in_time_order(lk_store, lk_config, tmp_path):
    build_week(lk_store, lk_config, tmp_path)
    data, _, _ = export(lk_store, lk_config, "raadata")
    stamps = [line.split(";")[8] for line in data.decode("iso-8859-1").split("\r\n")[1:-1]]
    as_sortable = [f"{s[6:10]}{s[3:5]}{s[0:2]}{s[11:]}" for s in stamps]
    assert as_sortable == sorted(as_sortable)


def test_an_empty_week_is_the_header_alone(lk_store, lk_config):
    data, written, left = export(lk_store, lk_config, "upload", first="2026-11-02", last="2026-11-08")
    assert data == (b"KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Henvendelses type;Afslutning;"
                    b"Blanket;Dato;\r\n")
    assert written.rows == left.live == 0


def test_config_refuses_a_separator_in_an_answer(tmp_path):
    """An answer is written as a field: a ; in it would shift every later field of the line."""
    from landkort_fixtures import config_text
    from storage import config as cfgmod
    from storage.errors import ConfigError

    path = tmp_path / "config.toml"
    path.write_text(config_text(**{'svar = ["Ja", "Nej"]': 'svar = ["Ja; helt", "Nej"]'}), "utf-8")
    with pytest.raises(ConfigError, match=r"spoergsmaal\[0\]\.svar\[0\].*må ikke indeholde ;"):
        cfgmod.load(path)
