"""The coordinator's console driven with Pilot, on both engines: each mode's action asserted in
the database and the files it writes (void with reason, batch, undo import, export)."""

from __future__ import annotations

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

import dbrows
from console_support import make_console
from storage.open import open_store
from storage.registration import new_entry
from support import SAMPLES, settle

CPH = ZoneInfo("Europe/Copenhagen")
SIZE = (80, 24)


def at(day, hh=10, mm=0):
    return datetime(2026, 10, day, hh, mm, tzinfo=CPH)


def seed(store, config, n=3, day=21, hh=9):
    ids = []
    for i in range(n):
        ids += store.record(new_entry(config, enhed="999borgerservice", opgave="23.05.10",
                                      kanal="PRSNLG", type="OPRET", end=at(day, hh, i)))
    return ids


@pytest.fixture
def console(tmp_path, store, db_path, clock):
    return make_console(tmp_path, store, db_path, clock)


def listed(app) -> list[str]:
    listing = app.screen.query_one("#r-list", OptionList)
    return [listing.get_option_at_index(i).id for i in range(listing.option_count)]


def text_of(app, selector) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_void_the_chosen_registration_with_a_reason(console, store, db_path):
    ids = seed(store, console.config)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(console, pilot)
        assert console.screen.query_one("#r-list", OptionList).option_count == 3
        await pilot.press("down")  # the second newest
        await pilot.press("a", "3")  # DUBLET, the third reason
        await pilot.pause()
        await pilot.press("j")
        await settle(console, pilot)
        assert "Annulleret (DUBLET)" in text_of(console, "#c-message")
        assert listed(console) == [ids[2], ids[0]]
    voids = dbrows.dict_rows(db_path, "voids", "1=1", ())
    assert [(v["registration_id"], v["reason"], v["operator"]) for v in voids] == [(ids[1], "DUBLET", "tester")]


async def test_void_asks_first_and_no_leaves_the_row(console, store, db_path):
    seed(store, console.config, 1)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(console, pilot)
        await pilot.press("a", "1")
        await pilot.pause()
        await pilot.press("n")
        await settle(console, pilot)
    assert dbrows.count(db_path, "voids", "1=1", ()) == 0


async def test_filter_and_pages(console, store, monkeypatch):
    import tui.console.registrations as regs

    monkeypatch.setattr(regs, "PAGE", 2)
    ids = seed(store, console.config, 5)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(console, pilot)
        assert listed(console) == [ids[4], ids[3]]
        await pilot.press("n")
        await settle(console, pilot)
        assert listed(console) == [ids[2], ids[1]]
        await pilot.press("p")
        await settle(console, pilot)
        assert listed(console) == [ids[4], ids[3]]
        field = console.screen.query_one("#r-filter", Input)
        field.value = "enhed=999telefon"
        field.focus()
        await pilot.press("enter")
        await settle(console, pilot)
        assert listed(console) == []
        field.value = "farve=rød"
        field.focus()
        await pilot.press("enter")
        await settle(console, pilot)
        assert "forstås ikke" in text_of(console, "#c-message")


async def test_filter_and_grid_take_a_unit_only_the_database_has(console, store):
    """A unit imported from another municipality: the list filters on it, Dækning shows it
    unflagged and marked, the batch form falls back to a configured unit."""
    import_twice(store)  # 999telefon rows, then a unit the config does not name:
    with store.import_batch() as batch:
        batch.add([("336", "Andetby", "336ydelse", "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ",
                    None, "2026-10-20T10:00:00.000000Z", 0, "Tracetool", "{}")])
        batch.commit(sha256="9" * 64, content_sha256="8" * 64, file_name="336.csv",
                     layout="raadata", encoding="iso-8859-1", datakilde="Import", station="s",
                     operator="o")
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(console, pilot)
        field = console.screen.query_one("#r-filter", Input)
        field.value = "enhed=336ydelse"
        field.focus()
        await pilot.press("enter")
        await settle(console, pilot)
        assert len(listed(console)) == 1 and "-error" not in console.screen.query_one("#c-message").classes
        field.value = "enhed=336ingen"
        field.focus()
        await pilot.press("enter")
        await settle(console, pilot)
        assert "findes hverken i konfigurationen" in text_of(console, "#c-message")
        await pilot.press("f2")
        await settle(console, pilot)
        row = grid_row(console, "336ydelse")
        assert row[:9] == ["336ydelse", "*", "·", "1", "·", "·", "·", "·", "·"]
        assert "* = ikke i konfigurationen" in str(console.screen.query_one("#d-grid").render())


async def test_list_shows_whole_codes_and_names_rows_without_a_unit(console, store):
    """A self-service row imported without a unit: its channel was cut to "SLVBTJ", its unit
    was blank; kilde= matched only in the exact case."""
    with store.import_batch() as batch:
        batch.add([("999", "Eksempelby", "", "23.05.10", "SLVBTJN", "OPRET", "STRAKS", "NEJ",
                    None, "2026-10-20T10:00:00.000000Z", 0, "DetDigitaleLandkort", "{}")])
        batch.commit(sha256="7" * 64, content_sha256="6" * 64, file_name="web.csv",
                     layout="raadata", encoding="iso-8859-1", datakilde="Import", station="s",
                     operator="o")
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(console, pilot)
        field = console.screen.query_one("#r-filter", Input)
        field.value = "kilde=detdigitalelandkort"
        field.focus()
        await pilot.press("enter")
        await settle(console, pilot)
        assert len(listed(console)) == 1
        line = str(console.screen.query_one("#r-list", OptionList).get_option_at_index(0).prompt)
        assert "(uden enhed)" in line and " SLVBTJN " in line


async def _batch(console, pilot, **values):
    await pilot.press("f3")
    await settle(console, pilot)
    await pilot.press("b")
    await pilot.pause()
    for name, value in values.items():
        console.screen.query_one(f"#b-{name}", Input).value = value
    console.screen.query_one("#b-tid", Input).focus()
    await pilot.press("enter")
    await settle(console, pilot)


async def test_batch_for_a_unit_inside_its_weeks(console, db_path):
    async with console.run_test(size=SIZE) as pilot:
        await _batch(console, pilot, opgave="23.05.10", kanal="PPRIND", type="OPRET", antal="4",
                     tid="20-10-2026 14:00")
        assert "Gemt: 4 × 23.05.10" in text_of(console, "#c-message")
    rows = dbrows.dict_rows(db_path, "registrations", "1=1", ())
    assert len(rows) == 4 and {r["operator"] for r in rows} == {"tester"}
    assert len({r["batch_id"] for r in rows}) == 1 and rows[0]["batch_id"]
    assert {r["end_utc"] for r in rows} == {"2026-10-20T12:00:00.000000Z"}


async def test_batch_outside_the_units_weeks_is_refused(console, db_path):
    async with console.run_test(size=SIZE) as pilot:
        await _batch(console, pilot, opgave="23.05.10", kanal="PPRIND", type="OPRET", antal="2",
                     tid="12-10-2026 10:00")
        assert "uden for 999borgerservices tælleuger" in text_of(console, "#c-message")
        await _batch(console, pilot, opgave="23.05.10", kanal="PPRIND", type="OPRET", antal="to",
                     tid="20-10-2026 10:00")
        assert "Antal skal være et helt tal" in text_of(console, "#c-message")
    assert dbrows.count(db_path, "registrations", "1=1", ()) == 0


async def test_check_import_and_undo_an_import(console, tmp_path, db_path):
    source = tmp_path / "uge43.csv"
    shutil.copy(SAMPLES / "raadata-sample.csv", source)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await settle(console, pilot)
        console.screen.query_one("#i-path", Input).value = str(source)
        console.screen.query_one("#i-list", DataTable).focus()
        await pilot.press("k")
        await settle(console, pilot)
        assert "312" in text_of(console, "#i-report")
        assert dbrows.count(db_path, "registrations", "1=1", ()) == 0
        await pilot.press("i")
        await settle(console, pilot)
        assert dbrows.count(db_path, "registrations", "1=1", ()) == 312
        table = console.screen.query_one("#i-list", DataTable)
        assert table.row_count == 1
        await pilot.press("i")  # the same file again: the CLI's refusal, nothing written
        await settle(console, pilot)
        assert console.screen.query_one("#c-message").has_class("-error")
        assert dbrows.count(db_path, "registrations", "1=1", ()) == 312
        await pilot.press("f", "2")
        await pilot.pause()
        await pilot.press("j")
        await settle(console, pilot)
        assert "312 rækker annulleret (RETTELSE)" in text_of(console, "#c-message")
        table = console.screen.query_one("#i-list", DataTable)
        # Rows, and "fortrudt" where the live count was (as import --liste marks it).
        assert [str(c) for c in table.get_row_at(0)[2:4]] == ["312", "fortrudt"]
    voids = dbrows.dict_rows(db_path, "voids", "1=1", ())
    assert len(voids) == 312 and {v["reason"] for v in voids} == {"RETTELSE"}


async def test_export_landkort_and_excel_from_the_screen(console, store, tmp_path, db_path):
    seed(store, console.config, 3)
    target = tmp_path / "ud" / "uge43.csv"
    target.parent.mkdir()
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(console, pilot)
        await pilot.press("k")
        await settle(console, pilot)
        assert "Kontrol" in text_of(console, "#e-report") and not target.exists()
        # The unit × day table is one line per unit, scrolled sideways, not wrapped at 80.
        report = text_of(console, "#e-report").splitlines()
        head = next(line for line in report if line.startswith("Enhed "))
        assert head.rstrip().endswith("I alt") and len(head) > 80
        assert console.screen.query_one("#e-box").virtual_size.width > 80
        console.screen.query_one("#e-target", Input).value = str(target)
        await pilot.press("s")
        await settle(console, pilot)
        assert target.exists() and target.with_name("uge43.csv.kontrol.txt").exists()
        assert "Rækker: 3" in text_of(console, "#e-report")
        first = target.read_bytes()
        await pilot.press("s")  # exists: refused as on the command line
        await settle(console, pilot)
        assert console.screen.query_one("#c-message").has_class("-error")
        # The whole refusal, in the console's words (its key, not the CLI's --overskriv).
        refusal = text_of(console, "#c-message")
        assert "findes allerede" in refusal and "tryk o (overskriv)" in refusal
        assert "--overskriv" not in refusal and "--overskriv" not in text_of(console, "#e-report")
        assert target.read_bytes() == first
        assert text_of(console, "#c-keys").endswith("o = overskriv: nej")
        await pilot.press("o")
        assert text_of(console, "#c-keys").endswith("o = overskriv: JA")
        await pilot.press("s")
        await settle(console, pilot)
        assert "Rækker: 3" in text_of(console, "#e-report") and target.read_bytes() == first
        await pilot.press("o", "f1")  # another mode: the message of this one is not kept
        await settle(console, pilot)
        await pilot.press("f6")
        assert text_of(console, "#c-message") == ""
        await pilot.press("3")
        console.screen.query_one("#e-target", Input).value = str(tmp_path / "ud" / "uge43.xlsx")
        await pilot.press("s")
        await settle(console, pilot)
        assert (tmp_path / "ud" / "uge43.xlsx").exists()
    assert len(first.splitlines()) == 4  # header and three rows
    assert dbrows.count(db_path, "exports", "1=1", ()) == 2  # written, then overwritten


async def test_export_of_an_empty_week_is_refused(console, tmp_path):
    target = tmp_path / "tom.csv"
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(console, pilot)
        console.screen.query_one("#e-target", Input).value = str(target)
        await pilot.press("s")
        await settle(console, pilot)
        assert "Ingen registreringer" in text_of(console, "#c-message")
    assert not target.exists()


def grid_row(app, unit: str) -> list[str]:
    text = str(app.screen.query_one("#d-grid", Static).render())
    return next(line for line in text.splitlines() if line.startswith(unit)).split()


async def test_coverage_grid_rereads_and_drills_into_a_cell(console, store, db_path, clock):
    seed(store, console.config, 2)
    with open_store(db_path, station="skranke [b]1[/b]\x1b]0;x", operator="anna", clock=clock) as other:
        seed(other, console.config, 1, hh=11)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(console, pilot)
        assert grid_row(console, "999borgerservice")[1:4] == ["0!", "0!", "3"]  # Mon, Tue, Wed 21
        seed(store, console.config, 1, hh=12)
        await pilot.press("r")
        await settle(console, pilot)
        assert grid_row(console, "999borgerservice")[3] == "4"
        await pilot.press("right", "right", "down", "up", "enter")  # borgerservice, Wednesday
        await settle(console, pilot)
        box = console.screen
        shown = "\n".join(str(s.render()) for s in box.query(Static))
        assert "999borgerservice · 21-10-2026" in shown
        assert "I alt: 4" in shown and "09-10" in shown and "12-13" in shown
        assert "skranke [b]1[/b]\\x1b]0;x / anna: 1" in shown


async def test_overview_and_numbers(console, store):
    seed(store, console.config, 3)
    async with console.run_test(size=SIZE) as pilot:
        await settle(console, pilot)
        text = text_of(console, "#o-text")
        assert "> Uge 43" in text and "I dag 21-10-2026: 3 registreringer" in text
        assert "Tavse i dag (2)" in text_of(console, "#o-warnings")
        await pilot.press("f5", "r")
        await settle(console, pilot)
        assert "Tabel 1" in text_of(console, "#t-report")


async def test_numbers_keep_long_task_names_whole(console, store):
    """Tal at 76 columns folded names inside a word ("EU-sygesikrings|kort")."""
    for opgave in ("29.03.99", "23.05.05", "23.05.10"):
        store.record(new_entry(console.config, enhed="999borgerservice", opgave=opgave,
                               kanal="PRSNLG", type="OPRET", end=at(21, 9)))
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f5", "r")
        await settle(console, pilot)
        await settle(console, pilot)
        text = text_of(console, "#t-report")
        assert "Tabel 1" in text
        table = text[text.index("Tabel 1"):text.index("Tærskler")]
        assert "EU-sygesikringskort" in table and "adressebeskyttelse" in table
        box = console.screen.query_one("#t-box")
        assert box.virtual_size.width > 80  # scrolls sideways, nothing cut
        await pilot.press("right", "right")
        assert box.scroll_x > 0


async def test_overview_warns_of_rows_outside_the_count_weeks(console, store):
    from datetime import date

    from storage import settings

    # Registered under a config whose count week was the week before (as an import could bring).
    seed(store, settings.demo_config(date(2026, 10, 15)), 2, day=15)
    async with console.run_test(size=SIZE) as pilot:
        await settle(console, pilot)
        await settle(console, pilot)
        assert "uden for enhedens tælleuger (sidste 14 dage): 999borgerservice 2" in \
            text_of(console, "#o-warnings")


def import_twice(store, end_utc="2026-10-20T08:00:00.000000Z"):
    """A row that a second extract brought again (differing only in the blanket answer, so the
    import's own match let it in): one of the report's duplicates."""
    row = ("999", "Eksempelby", "999telefon", "23.05.10", "TLFIND", "OPRET", "STRAKS", "NEJ",
           None, end_utc, 0, "Tracetool", "{}")
    for n in (1, 2):
        with store.import_batch() as batch:
            batch.add([row, row[:9] + ("2026-10-20T09:00:00.000000Z",) + row[10:]] if n == 1
                      else [row[:7] + ("JA",) + row[8:]])
            batch.commit(sha256=f"{n}" * 64, content_sha256=f"{n + 2}" * 64, file_name=f"{n}.csv",
                         layout="raadata", encoding="iso-8859-1", datakilde="Import",
                         station="s", operator="o")


async def test_overview_warns_of_imported_duplicates_as_the_report_counts_them(console, store):
    import_twice(store)
    async with console.run_test(size=SIZE) as pilot:
        await settle(console, pilot)
        await settle(console, pilot)
        warnings = text_of(console, "#o-warnings")
        assert "Dubletter fra to importer i Uge 43: 1 fund, 1 registrering." in warnings
        assert "taelleuge rapport" in warnings and "F3 Liste" in warnings


async def test_hostile_text_from_the_database_is_shown_not_obeyed(console, db_path, clock):
    with open_store(db_path, station="[b]x[/b]\x1b[2J", operator="anna", clock=clock) as other:
        seed(other, console.config, 1)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(console, pilot)
        line = str(console.screen.query_one("#r-list", OptionList).get_option_at_index(0).prompt)
        assert "[b]x[/b]\\x " in line  # escaped, then cut to the column's 10 characters


async def test_escape_leaves_a_field_so_letters_are_keys_again(console, tmp_path, db_path):
    source = tmp_path / "uge43.csv"
    shutil.copy(SAMPLES / "raadata-sample.csv", source)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await settle(console, pilot)
        await pilot.press("slash")
        field = console.screen.query_one("#i-path", Input)
        assert field.has_focus
        field.value = str(source)
        await pilot.press("escape", "i")  # i imports; it is not typed into the path
        await settle(console, pilot)
        assert field.value == str(source)
    assert dbrows.count(db_path, "registrations", "1=1", ()) == 312


async def test_void_of_an_exported_row_says_the_delivered_file_still_holds_it(console, store, tmp_path, db_path):
    seed(store, console.config, 1)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(console, pilot)
        console.screen.query_one("#e-target", Input).value = str(tmp_path / "uge43.csv")
        await pilot.press("s")
        await settle(console, pilot)
        await pilot.press("f3")
        await settle(console, pilot)
        await pilot.press("a", "2")
        await pilot.pause()
        await pilot.press("j")
        await settle(console, pilot)
        message = console.screen.query_one("#c-message", Static)
        assert message.has_class("-warning") and "uge43.csv" in str(message.render())
    assert dbrows.count(db_path, "voids", "1=1", ()) == 1


async def test_report_folder_from_the_screen(console, store, tmp_path):
    from exports.report_folder import FILE_NAMES

    seed(store, console.config, 3)
    folder = tmp_path / "rapport"
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(console, pilot)
        await pilot.press("4")
        console.screen.query_one("#e-target", Input).value = str(folder)
        await pilot.press("s")
        await settle(console, pilot)
        assert "Skrevet:" in text_of(console, "#e-report")
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)


async def test_back_in_coverage_today_is_read_again(console, store):
    seed(store, console.config, 1)
    async with console.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(console, pilot)
        assert grid_row(console, "999borgerservice")[3] == "1"
        await pilot.press("f1")
        await settle(console, pilot)
        seed(store, console.config, 2, hh=13)
        await pilot.press("f2")
        await settle(console, pilot)
        assert grid_row(console, "999borgerservice")[3] == "3"


async def test_batch_asks_the_units_questions_before_saving(console, db_path):
    """999telefon has a required question: the batch form asks it; a wrong answer is refused in
    the form, Esc saves nothing, and the answer given goes on every row of the batch."""
    question = "Taler borgeren dansk?"
    async with console.run_test(size=SIZE) as pilot:
        await _batch(console, pilot, enhed="999telefon", opgave="23.05.10", kanal="TLFIND",
                     type="OPRET", antal="2", tid="20-10-2026 14:00")
        field = console.screen.query_one("#q-0", Input)
        assert dbrows.count(db_path, "registrations", "1=1", ()) == 0
        field.value = "7"
        field.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert f'"{question}" skal besvares: 1 = Ja, 2 = Nej' in text_of(console, "#q-error")
        await pilot.press("escape")
        await settle(console, pilot)
        assert dbrows.count(db_path, "registrations", "1=1", ()) == 0
        await _batch(console, pilot, enhed="999telefon", opgave="23.05.10", kanal="TLFIND",
                     type="OPRET", antal="2", tid="20-10-2026 14:00")
        field = console.screen.query_one("#q-0", Input)
        field.value = "2"
        field.focus()
        await pilot.press("enter")
        await settle(console, pilot)
        assert "Gemt: 2 × 23.05.10" in text_of(console, "#c-message")
    rows = dbrows.dict_rows(db_path, "registrations", "1=1", ())
    assert [r["answers"] for r in rows] == ['{"Taler borgeren dansk?": "Nej"}'] * 2


def test_batch_entry_refuses_a_missing_required_answer(config, clock):
    from storage.errors import Refusal
    from tui.console.registrations import batch_entry

    values = {"enhed": "999telefon", "opgave": "23.05.10", "kanal": "TLFIND", "type": "OPRET",
              "antal": "1", "tid": "20-10-2026 14:00"}
    with pytest.raises(Refusal, match='"Taler borgeren dansk\\?" er påkrævet i 999telefon'):
        batch_entry(config, values, clock(), {})
