"""Re-imports recognise registrations by content (storage.imports): on both engines.

The same registrations in another dress (header case, no trailing ``;``, other column or row
order, ``HH:MM`` as Excel writes them, lower-case codes, a subset) add nothing; a superset adds
only what is new; identical rows count one for one; voided rows are not "already there"."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

import dbrows
from landkort_fixtures import *  # noqa: F401,F403
from landkort_fixtures import QUESTION, SAMPLE, count, export, import_text, register
from storage.errors import Refusal

SAMPLE_TEXT = SAMPLE.read_bytes().decode("iso-8859-1")
SAMPLE_ROWS = 312
_TIME = re.compile(r"([0-9]{2}-[0-9]{2}-[0-9]{4} [0-9]{2}:[0-9]{2}):[0-9]{2}")


def run(store, config, path, **kwargs):
    from exports import importer

    return importer.run(store, config, path, **kwargs)


def _lines(text: str) -> tuple[str, list[str]]:
    lines = text.split("\r\n")
    return lines[0], [line for line in lines[1:] if line]


def _join(header: str, body: list[str]) -> str:
    return "\r\n".join([header, *body]) + "\r\n"


def lower_header(text):
    header, body = _lines(text)
    return _join(header.lower(), body)


def no_trailing_separator(text):
    header, body = _lines(text)
    return _join(header[:-1], [line[:-1] for line in body])


def columns_reversed(text):
    header, body = _lines(text)
    flip = lambda line: ";".join(reversed(line.split(";")[:-1])) + ";"  # noqa: E731
    return _join(flip(header), [flip(line) for line in body])


def rows_reversed(text):
    header, body = _lines(text)
    return _join(header, body[::-1])


def minutes_only(text):
    """What Excel writes when it saves the file again: HH:MM."""
    header, body = _lines(text)
    return _join(header, [_TIME.sub(r"\1", line) for line in body])


def lower_codes(text):
    header, body = _lines(text)
    out = []
    for line in body:
        fields = line.split(";")
        for i in (4, 5, 6, 7):  # Kanal, Type, Afslutning, Blanket
            fields[i] = fields[i].lower()
        out.append(";".join(fields))
    return _join(header, out)


def every_other_row(text):
    header, body = _lines(text)
    return _join(header, body[::2])


def excel_resave(text):
    """All at once, as an Excel round trip with a tidy-up does it."""
    return minutes_only(lower_codes(no_trailing_separator(lower_header(rows_reversed(text)))))


VARIANTS = [lower_header, no_trailing_separator, columns_reversed, rows_reversed, minutes_only,
            lower_codes, every_other_row, excel_resave]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.__name__ for v in VARIANTS])
def test_the_same_registrations_in_another_dress_add_nothing(lk_store, lk_config, lk_db, tmp_path, variant):
    first = run(lk_store, lk_config, SAMPLE)
    assert (first.match.new, first.match.existing) == (SAMPLE_ROWS, 0)
    text = variant(SAMPLE_TEXT)
    rows_in_file = len(_lines(text)[1])
    again = import_text(lk_store, lk_config, tmp_path / "igen.csv", text)
    assert again.parsed.rows == rows_in_file
    assert again.record is None
    assert (again.match.new, again.match.existing) == (0, rows_in_file)
    assert again.result == f"0 nye rækker importeret, {rows_in_file} fandtes allerede"
    assert count(lk_db) == SAMPLE_ROWS and count(lk_db, "imports") == 1


def test_a_superset_adds_only_the_new_rows_and_copies_count_one_for_one(lk_store, lk_config, lk_db, tmp_path):
    header, body = _lines(SAMPLE_TEXT)
    import_text(lk_store, lk_config, tmp_path / "halv.csv", _join(header, body[:200]))
    # The whole file, plus one more copy of a row already there (a second citizen, same minute):
    extra = body[0]
    text = minutes_only(_join(header, body + [extra]))
    outcome = import_text(lk_store, lk_config, tmp_path / "hele.csv", text)
    assert (outcome.match.new, outcome.match.existing) == (SAMPLE_ROWS - 200 + 1, 200)
    assert outcome.result == f"{SAMPLE_ROWS - 200 + 1} nye rækker importeret, 200 fandtes allerede"
    assert outcome.record.row_count == SAMPLE_ROWS - 200 + 1
    assert count(lk_db) == SAMPLE_ROWS + 1
    got = dbrows.query(lk_db, "SELECT count(*) FROM registrations WHERE import_id = ?", (outcome.record.id,))
    assert got == [(SAMPLE_ROWS - 200 + 1,)]


def test_a_file_mostly_new_skips_exactly_the_rows_already_there(lk_store, lk_config, lk_db, tmp_path):
    """The other way of listing (storage.imports.Picked): the stored rows are the shorter list."""
    header, body = _lines(SAMPLE_TEXT)
    import_text(lk_store, lk_config, tmp_path / "start.csv", _join(header, body[100:150]))
    outcome = import_text(lk_store, lk_config, tmp_path / "hele.csv", rows_reversed(SAMPLE_TEXT))
    assert (outcome.match.new, outcome.match.existing) == (SAMPLE_ROWS - 50, 50)
    assert count(lk_db) == SAMPLE_ROWS
    # Every registration of the file is in the database exactly as often as in the file.
    again = import_text(lk_store, lk_config, tmp_path / "igen.csv", minutes_only(SAMPLE_TEXT))
    assert (again.match.new, again.match.existing) == (0, SAMPLE_ROWS)


def test_identical_rows_in_one_file_are_all_kept(lk_store, lk_config, lk_db, tmp_path):
    header, body = _lines(SAMPLE_TEXT)
    outcome = import_text(lk_store, lk_config, tmp_path / "tre.csv", _join(header, [body[5]] * 3))
    assert (outcome.match.new, outcome.match.existing) == (3, 0) and count(lk_db) == 3
    # Two of them again, and one more: the file's 1st and 2nd copy are there, the 4th is new.
    more = import_text(lk_store, lk_config, tmp_path / "fire.csv", minutes_only(_join(header, [body[5]] * 4)))
    assert (more.match.new, more.match.existing) == (1, 3) and count(lk_db) == 4


def test_voided_rows_are_not_already_there(lk_store, lk_config, lk_db, tmp_path):
    first = run(lk_store, lk_config, SAMPLE)
    undone = lk_store.undo_import(first.record.id, "RETTELSE")
    assert undone.voided == SAMPLE_ROWS
    again = import_text(lk_store, lk_config, tmp_path / "igen.csv", minutes_only(SAMPLE_TEXT))
    assert (again.match.new, again.match.existing) == (SAMPLE_ROWS, 0)
    assert count(lk_db) == 2 * SAMPLE_ROWS


def test_trial_rows_and_other_times_are_not_matches(lk_store, lk_config, lk_db, tmp_path):
    register(lk_store, lk_config, "19-10-2026 08:00:10", trial=True)
    register(lk_store, lk_config, "19-10-2026 08:01:00")  # one minute later: another registration
    text = ("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;SlutTidspunkt;"
            "Datakilde;\r\nEksempelby;999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;"
            "19-10-2026 08:00:59;;;Taelleuge;\r\n")
    outcome = import_text(lk_store, lk_config, tmp_path / "en.csv", text)
    assert (outcome.match.new, outcome.match.existing) == (1, 0)


def test_check_only_shows_the_counts_and_writes_nothing(lk_store, lk_config, lk_db, tmp_path):
    from exports import importer

    header, body = _lines(SAMPLE_TEXT)
    import_text(lk_store, lk_config, tmp_path / "halv.csv", _join(header, body[:100]))
    path = tmp_path / "hele.csv"
    path.write_bytes(SAMPLE.read_bytes())
    outcome = run(lk_store, lk_config, path, check_only=True)
    assert (outcome.match.new, outcome.match.existing) == (SAMPLE_ROWS - 100, 100)
    text = "\n".join(importer.summary(outcome, lk_config))
    assert f"Resultat: {SAMPLE_ROWS - 100} nye rækker ville blive importeret, 100 fandtes allerede" in text
    assert count(lk_db) == 100 and count(lk_db, "imports") == 1


@pytest.mark.parametrize("layout", ["raadata", "upload"])
def test_our_own_export_in_either_layout_adds_nothing(lk_store, lk_config, lk_db, tmp_path, layout):
    """The upload layout has no Datakilde and no answers: a file without them cannot tell, so
    they are left out of its rows' identity."""
    register(lk_store, lk_config, "20-10-2026 09:00:00", answers={QUESTION: "Nej"})
    register(lk_store, lk_config, "20-10-2026 09:00:20", count=2, kanal="TLFIND", type="INFO")
    register(lk_store, lk_config, "20-10-2026 09:30:00", enhed="999telefon", opgave="32.03.04",
             kanal="TLFIND", type="VEJL")
    data, _, _ = export(lk_store, lk_config, layout)
    outcome = import_text(lk_store, lk_config, tmp_path / f"egen-{layout}.csv", data.decode("iso-8859-1"))
    assert (outcome.match.new, outcome.match.existing) == (0, 4)
    assert count(lk_db) == 4


def test_a_row_in_the_autumn_hour_that_happens_twice_is_matched(lk_store, lk_config, lk_db, tmp_path):
    """25-10-2026 02:30 happens twice in Copenhagen; the file cannot say which, and the reader
    takes the first. A desk row from the second one still matches its own export."""
    from storage.registration import new_entry

    second = datetime(2026, 10, 25, 2, 30, 5, tzinfo=lk_config.zone, fold=1)
    lk_store.record(new_entry(lk_config, enhed="999borgerservice", opgave="23.05.10", kanal="PRSNLG",
                              type="OPRET", afslutning="STRAKS", blanket="NEJ", end=second))
    assert dbrows.query(lk_db, "SELECT end_utc FROM registrations") == [("2026-10-25T01:30:05.000000Z",)]
    data, _, _ = export(lk_store, lk_config, "raadata")
    assert b"25-10-2026 02:30:05" in data
    outcome = import_text(lk_store, lk_config, tmp_path / "efteraar.csv", data.decode("iso-8859-1"))
    assert (outcome.match.new, outcome.match.existing) == (0, 1)


def test_a_row_written_between_the_check_and_the_commit_is_matched_too(lk_store, lk_config, lk_db, tmp_path):
    """The match is made again inside the import's transaction when anything was written since."""
    from exports.reader import Reader, scan
    from storage.open import open_store

    path = tmp_path / "en.csv"
    path.write_bytes(("Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;"
                      "SlutTidspunkt;Datakilde;\r\nEksempelby;999;999borgerservice;23.05.10;PRSNLG;"
                      "OPRET;STRAKS;NEJ;19-10-2026 08:00;;;Taelleuge;\r\n").encode("iso-8859-1"))
    facts = scan(path)
    reader = Reader(facts, lk_config)
    with lk_store.import_batch() as batch:
        batch.add(reader.rows())
        assert (batch.match(lk_config.zone, reader.parsed.identity, reader.parsed.keys).new, batch.matched.existing) == (1, 0)
        with open_store(lk_db, station="skranke", operator="anden") as other:
            register(other, lk_config, "19-10-2026 08:00:40")  # the same registration, at a desk
        record = batch.commit(sha256=facts.sha256, content_sha256="x", file_name="en.csv",
                              layout="raadata", encoding="iso-8859-1", datakilde="Import",
                              station="s", operator="o", zone=lk_config.zone)
    assert record is None and (batch.matched.new, batch.matched.existing) == (0, 1)
    assert count(lk_db) == 1 and count(lk_db, "imports") == 0


# -- another municipality ------------------------------------------------------------------------

OTHER = ("KommuneID;Enhed;KLE Opgave kode;Henvendelses Kanal;Henvendelses type;Afslutning;Blanket;Dato;\r\n"
         "999;999borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;21-10-2026 10:00;\r\n"
         "998;998borgerservice;23.05.10;PRSNLG;OPRET;STRAKS;NEJ;21-10-2026 10:05;\r\n")


def test_rows_of_another_municipality_are_refused_naming_line_and_number(lk_store, lk_config, lk_db, tmp_path):
    with pytest.raises(Refusal) as refused:
        import_text(lk_store, lk_config, tmp_path / "anden.csv", OTHER)
    message = str(refused.value)
    assert 'Linje 3, felt "KommuneID": kommunenummer 998 er ikke konfigurationens (999)' in message
    assert "--kommune 998" in message
    assert count(lk_db) == 0 and count(lk_db, "imports") == 0


def test_another_municipality_named_with_kommune_is_imported(lk_store, lk_config, lk_db, tmp_path):
    path = tmp_path / "anden.csv"
    path.write_bytes(OTHER.encode("iso-8859-1"))
    outcome = run(lk_store, lk_config, path, kommuner=("998",))
    assert outcome.match.new == 2
    assert sorted(r[0] for r in dbrows.query(lk_db, "SELECT kommune_nr FROM registrations")) == ["998", "999"]
    with pytest.raises(Refusal, match="--kommune skal være et kommunenummer med tre cifre"):
        run(lk_store, lk_config, path, kommuner=("98",))
