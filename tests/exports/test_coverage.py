"""Dækning: the units × days grid, its flags, the newest row per unit and one cell's detail."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from exports.coverage import (EMPTY, LOW, cell_detail, cell_text, chosen_week, coverage,
                              refresh_day, table_lines)
from storage import new_entry

CPH = ZoneInfo("Europe/Copenhagen")
MON = date(2026, 10, 19)  # the demo's count week 2026-W43, 19-25 October


def at(day, hh=10, mm=0):
    return datetime(2026, 10, day, hh, mm, tzinfo=CPH)


def add(store, config, day, n=1, enhed="999borgerservice", hh=10, kanal="PRSNLG", **kw):
    return store.record(new_entry(config, enhed=enhed, opgave="23.05.10", kanal=kanal,
                                  type="OPRET", end=at(day, hh), count=n, **kw))


def test_counts_flags_and_last_row(store, config):
    # Borgerservice: 9, 9, 2 (low: below 9/3), nothing Thursday, 9 Friday; trial rows apart.
    for day, n in ((19, 9), (20, 9), (21, 2), (23, 9)):
        add(store, config, day, n)
    add(store, config, 24, 3)  # a Saturday: counted, never flagged
    add(store, config, 22, 5, trial=True)
    add(store, config, 20, 1, enhed="999telefon", hh=14, kanal="TLFIND")
    cov = coverage(store, config, MON, date(2026, 10, 25), today=date(2026, 10, 25))
    unit = "999borgerservice"
    assert [cov.count(unit, MON.replace(day=d)) for d in range(19, 26)] == [9, 9, 2, 0, 9, 3, 0]
    assert cov.trial == {(unit, date(2026, 10, 22)): 5}
    assert cov.medians[unit] == 9
    assert cov.flags[(unit, date(2026, 10, 21))] == LOW
    assert cov.flags[(unit, date(2026, 10, 22))] == EMPTY
    assert (unit, date(2026, 10, 24)) not in cov.flags and (unit, date(2026, 10, 25)) not in cov.flags
    assert cov.unit_total(unit) == 32 and cov.total == 33
    assert cov.last_seen["999telefon"] == at(20, 14)
    # A unit without rows: every weekday up to today is empty.
    silent = [u for u in config.units if u not in ("999borgerservice", "999telefon")][0]
    assert sorted(d.day for (u, d), f in cov.flags.items() if u == silent and f == EMPTY) == [19, 20, 21, 22, 23]
    assert cov.last_seen[silent] is None
    assert cell_text(cov, unit, date(2026, 10, 21)) == "2!"
    assert cell_text(cov, unit, date(2026, 10, 19)) == "9"


def test_days_after_today_are_not_flagged(store, config):
    add(store, config, 19, 4)
    cov = coverage(store, config, MON, date(2026, 10, 25), today=date(2026, 10, 20))
    assert cov.flags == {("999borgerservice", date(2026, 10, 20)): EMPTY,
                         **{(u, d): EMPTY for u in config.units if u != "999borgerservice"
                            for d in (MON, date(2026, 10, 20))}}


def test_voided_rows_do_not_count(store, config):
    ids = add(store, config, 19, 3)
    store.void(ids[:1], "DUBLET")
    cov = coverage(store, config, MON, MON, today=MON, units=("999borgerservice",))
    assert cov.units == ["999borgerservice"] and cov.count("999borgerservice", MON) == 2


def test_cell_detail_by_local_hour_and_station(store, config):
    add(store, config, 21, 2, hh=9)
    add(store, config, 21, 1, hh=23)
    detail = cell_detail(store, config, "999borgerservice", date(2026, 10, 21))
    assert detail.hours == {9: 2, 23: 1}
    assert detail.stations == {("test-station", "tester"): 3} and detail.total == 3


def test_chosen_week(config):
    first, last, name = chosen_week(config, date(2026, 10, 21))
    assert (first, last) == (MON, date(2026, 10, 25))
    assert chosen_week(config, date(2026, 10, 21), "2026-W44")[:2] == (date(2026, 10, 26), date(2026, 11, 1))


def test_table_lines_show_flags_and_trial(store, config):
    add(store, config, 19, 9)
    add(store, config, 19, 2, trial=True)
    cov = coverage(store, config, MON, date(2026, 10, 25), today=date(2026, 10, 20),
                   units=("999borgerservice",))
    text = "\n".join(table_lines(cov, "Uge 43"))
    assert "999borgerservice" in text and " 0!" in text
    assert "Prøverækker (tælles ikke): 2" in text


def test_quadrant_as_text_places_tasks_in_their_corners():
    import pandas as pd

    from exports.analysis import YEARLY_TRANSACTIONS, Thresholds
    from exports.quadrant_text import quadrant_lines

    t1 = pd.DataFrame({"KLE": ["01.01.01", "02.02.02", "03.03.03"], "Opgave": ["Høj", "Lav", "Ingen"],
                       YEARLY_TRANSACTIONS: [1000.0, 10.0, 0.0],
                       "Selvbetjeningsgrad": [10.0, 90.0, float("nan")], "Kvadrant": ["D", "A", ""]})
    lines = quadrant_lines(t1, Thresholds(50.0, 100.0, True), width=40, height=11)
    plot = lines[1:12]
    assert plot[0].startswith("100 A") and plot[-1].startswith("  0 B")
    assert plot[-2].index("1") > plot[1].index("2")  # the big task right, the small one left
    assert "2" in plot[1] and "1" in plot[-2]
    assert lines[-2:] == ["  1 01.01.01 Høj (D)", "  2 02.02.02 Lav (A)"]
    assert "logaritmisk" in lines[0]


def test_quadrant_numbers_never_read_as_quadrant_letters_nor_run_together():
    """Task 10-13 were drawn a-d (the quadrant letters) and neighbours ran together ("12")."""
    import pandas as pd

    from exports.analysis import YEARLY_TRANSACTIONS, Thresholds
    from exports.quadrant_text import quadrant_lines

    n = 14
    t1 = pd.DataFrame({"KLE": [f"01.01.{i:02d}" for i in range(n)], "Opgave": ["x"] * n,
                       YEARLY_TRANSACTIONS: [100.0 + 30 * i for i in range(n)],  # close together
                       "Selvbetjeningsgrad": [60.0] * n, "Kvadrant": ["C"] * n})
    lines = quadrant_lines(t1, Thresholds(50.0, 1000.0, True), width=40, height=11)
    plot = "\n".join(line[4:] for line in lines[1:12])
    assert not any(ch in plot for ch in "abcdefghijklmnopqrstuvwxyz")
    assert sorted(c for c in plot if c in "ABCD") == ["A", "B", "C", "D"]
    row = next(line[4:] for line in lines[1:12] if "1" in line[4:])
    numbers = [w for w in row.split() if w not in ("|", "+")]
    assert all(w == "*" or (w.isdigit() and 1 <= int(w) <= n) for w in numbers), row
    assert len(set(numbers) - {"*"}) == len([w for w in numbers if w != "*"])
    assert lines[-1].startswith(" 14 01.01.13 x (C)")
    assert "A-D = kvadranter;" in "\n".join(lines)


def test_refresh_of_one_day_equals_a_full_read(store, config):
    add(store, config, 19, 9)
    add(store, config, 21, 1)
    today = date(2026, 10, 21)
    cov = coverage(store, config, MON, date(2026, 10, 25), today=today)
    assert cov.flags[("999borgerservice", today)] == LOW
    add(store, config, 21, 8, hh=11)
    add(store, config, 21, 2, trial=True)
    add(store, config, 21, 1, enhed="999telefon", kanal="TLFIND")
    fresh = refresh_day(
        store, config, cov, today, today)
    full = coverage(store, config, MON, date(2026, 10, 25), today=today)
    assert (fresh.counts, fresh.trial, fresh.flags, fresh.last_seen, fresh.units) == \
        (full.counts, full.trial, full.flags, full.last_seen, full.units)
    assert cov.count("999borgerservice", today) == 1  # the shown one is left as it was


IMPORT_META = dict(sha256="a" * 64, content_sha256="b" * 64, file_name="x.csv", layout="raadata",
                   encoding="iso-8859-1", datakilde="Import", station="s", operator="o")


def imported(store, *rows):
    """Rows as an import would write them: (enhed, end_utc)."""
    with store.import_batch() as batch:
        batch.add([("999", "Eksempelby", enhed, "23.05.10", "PRSNLG", "OPRET", "STRAKS", "NEJ",
                    None, end_utc, 0, "Tracetool", "{}") for enhed, end_utc in rows])
        batch.commit(**IMPORT_META)


def test_last_row_is_found_behind_many_trial_rows_and_imported_rows_count(store, config):
    """A unit that registered today said "aldrig" when its last 20 rows were trial rows, and a
    unit with only imported rows never had a "Senest"."""
    add(store, config, 21, hh=9)
    for _ in range(21):
        add(store, config, 21, hh=11, trial=True)
    imported(store, ("999telefon", "2026-10-20T12:00:00.000000Z"))
    cov = coverage(store, config, MON, date(2026, 10, 25), today=date(2026, 10, 21))
    assert cov.last_seen["999borgerservice"] == at(21, 9)
    assert cov.last_seen["999telefon"] == at(20, 14)
    assert cov.seen_text("999borgerservice") == "21-10 09:00"
    assert cov.seen_text("999telefon") == "20-10 14:00 i"
    text = "\n".join(table_lines(cov, "uge 43"))
    assert "aldrig" in text and "i = senest en importeret række" in text
    fresh = refresh_day(store, config, cov, date(2026, 10, 21), date(2026, 10, 21))
    assert fresh.seen_text("999telefon") == "20-10 14:00 i"


def test_cell_detail_has_date_only_rows_apart_and_bars_to_scale(store, config):
    """Date-only rows (an import without times) were counted under 00-01; bars stopped at 40."""
    from tui.console.coverage import detail_text

    add(store, config, 21, 80, hh=9)
    add(store, config, 21, 20, hh=10)
    with store.import_batch() as batch:
        batch.add([("999", "Eksempelby", "999borgerservice", "23.05.10", "PRSNLG", "OPRET",
                    "STRAKS", "NEJ", None, "2026-10-20T22:00:00.000000Z", 1, "Tracetool", "{}")] * 3)
        batch.commit(**IMPORT_META)
    detail = cell_detail(store, config, "999borgerservice", date(2026, 10, 21))
    assert detail.hours == {9: 80, 10: 20, None: 3}
    lines = detail_text(detail).splitlines()
    nine = next(line for line in lines if line.strip().startswith("09-10"))
    ten = next(line for line in lines if line.strip().startswith("10-11"))
    undated = next(line for line in lines if line.strip().startswith("uden klokkeslæt"))
    assert nine.count("#") == 40 and ten.count("#") == 10 and undated.count("#") == 2
    assert not any(line.strip().startswith("00-01") for line in lines)


def test_rows_without_a_unit_are_labelled_and_never_flagged(store, config):
    imported(store, ("", "2026-10-20T10:00:00.000000Z"))
    cov = coverage(store, config, MON, date(2026, 10, 25), today=date(2026, 10, 25))
    assert "" in cov.units and not any(u == "" for u, _ in cov.flags)
    row = next(line for line in table_lines(cov, "uge 43") if line.startswith("(uden enhed)"))
    assert row.split()[2:4] == ["·", "1"] and "*" not in row
