"""Registreringer: the filterable list with keyset paging (Store.registrations); void the chosen
row with a reason from the closed list; enter a batch for a unit (paper fallback, mass mailings)
with a date inside the unit's count weeks, as rows with the coordinator as operator."""

from __future__ import annotations

from datetime import date, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from rich.text import Text
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from storage.errors import InputError, Refusal
from storage.unit_codes import store_has_rows, unit_code
from storage.hostile import escape
from storage.query import RegistrationQuery
from storage.timeutil import from_stored
from storage.wording import rows

from .base import ModeScreen

# One line of text per row (an OptionList): a DataTable rendered each of its cells apart, ~8 times
# the work per page drawn (bench/console.py).
# Kanal and type: 7, the longest code (SLVBTJN, PPRIND …) whole.
HEADER = f"{'Nr':>7} {'Tid':<11} {'Enhed':<16} {'Opgave':<8} {'Kanal':<7} {'Type':<7} {'Station':<10}"
NO_UNIT = "(uden enhed)"  # imported self-service rows belong to no unit
PAGE = 50  # rows per page: three screens of the list; the next is one key (n) away
FILTER_KEYS = {"enhed": "enhed", "dag": "day", "opgave": "opgave", "kanal": "kanal", "type": "type",
               "station": "station", "kilde": "datakilde", "datakilde": "datakilde"}


def parse_filter(text: str, config, has_rows=lambda code: False) -> RegistrationQuery:
    """``enhed=999borgerservice dag=21-10-2026 kanal=tlfind annullerede``: key=value words.
    ``has_rows``: whether the database holds rows of a unit the config does not name."""
    values: dict = {"zone": config.zone}
    for word in text.split():
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep and key in ("annullerede", "alle"):
            values["include_voided"] = True
            continue
        if not sep or key not in FILTER_KEYS or not value:
            raise InputError(f'Filteret "{word}" forstås ikke. Brug fx enhed=… dag=dd-mm-åååå '
                             "opgave=… kanal=… type=… station=… kilde=… annullerede")
        field = FILTER_KEYS[key]
        if field == "day":
            value = _day(value)
        elif field == "enhed":
            value = unit_code(config, value, has_rows)
        elif field in ("kanal", "type"):
            value = value.upper()
        values[field] = value
    return RegistrationQuery(**values)


def _day(text: str) -> date:
    for layout in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise InputError(f'Dagen "{text}" skal skrives som dd-mm-åååå')


def row_text(row, zone) -> Text:
    """One registration as a line of the list; unit and station (from the database) escaped."""
    moment = from_stored(row.end_utc).astimezone(zone)
    marks = "".join(m for m, on in (("A", row.voided), ("P", row.trial), ("I", bool(row.import_id))) if on)
    return Text(f"{row.seq:>7} {moment:%d-%m %H:%M} {escape(row.enhed or NO_UNIT)[:16]:<16} "
                f"{row.opgave:<8} {escape(row.kanal)[:7]:<7} {escape(row.type or '-')[:7]:<7} "
                f"{escape(row.station)[:10]:<10} {marks}", no_wrap=True, overflow="crop")


def batch_entry(config, values: dict, now: datetime, answers: dict | None = None):
    """The rows a coordinator types in: refused unless the day lies in the unit's count weeks and
    every required question of the unit is answered. ``answers`` None: not asked yet, the other
    fields are checked only (the caller asks the questions next, then calls again)."""
    from storage import register_policy
    from storage.registration import new_entry
    from storage.timeutil import parse_local_moment

    unit = config.unit(values["enhed"])
    try:
        count = int(values["antal"])
    except ValueError:
        raise InputError(f'Antal skal være et helt tal, ikke "{values["antal"]}"') from None
    end = parse_local_moment(values["tid"], config.zone)
    register_policy.check_not_future(config, end, now)
    day = end.astimezone(config.zone).date()
    if not any(w.contains(day) for w in config.unit_weeks(unit.code)):
        weeks = ", ".join(f"{w.name} ({w.first:%d-%m} – {w.last:%d-%m})"
                          for w in config.unit_weeks(unit.code)) or "ingen"
        raise Refusal(f"{day:%d-%m-%Y} ligger uden for {unit.code}s tælleuger: {weeks}", "tid")
    entry = new_entry(config, enhed=unit.code, opgave=values["opgave"], kanal=values["kanal"].upper(),
                      type=values["type"].upper(), end=end, count=count, answers=answers or {})
    if answers is not None:
        register_policy.check_required_answers(unit, entry.answers, hint=False)
    return entry


class RegistrationsScreen(ModeScreen):
    MODE = "registreringer"
    TITLE = "Registreringer"
    KEYS = "/ = filter  n/p = næste/forrige side  a = annullér  b = indtast parti"
    BINDINGS = [
        Binding("slash", "filter", "Filter", show=False),
        Binding("n", "next_page", "Næste", show=False),
        Binding("p", "previous_page", "Forrige", show=False),
        Binding("a", "void", "Annullér", show=False),
        Binding("b", "batch", "Parti", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_value = RegistrationQuery()
        self.pages: list[int | None] = [None]  # before_seq of each page shown so far
        self.page = None

    def body(self) -> ComposeResult:
        yield Input(placeholder="filter: enhed=… dag=dd-mm-åååå opgave=… kanal=… type=… "
                                "station=… kilde=… annullerede", id="r-filter", max_length=200)
        yield Static(HEADER, id="r-head", markup=False)
        yield OptionList(id="r-list")
        yield Static("", id="r-id", markup=False)  # the chosen row's id, source and operator

    def on_mount(self) -> None:
        self.query_one("#r-list", OptionList).focus()

    def action_filter(self) -> None:
        self.query_one("#r-filter", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        app, text = self.app, event.value
        # In the worker: a unit the config does not name is looked up in the database.
        self.in_thread(lambda: parse_filter(text, app.config, store_has_rows(app.store)),
                       self._filtered, group="filter")

    def _filtered(self, query: RegistrationQuery) -> None:
        self.query_value = query
        self.pages = [None]
        self.reload()
        self.query_one("#r-list", OptionList).focus()

    def reload(self) -> None:
        app, query, before = self.app, self.query_value, self.pages[-1]
        self.in_thread(lambda: app.store.registrations(query, before_seq=before, limit=PAGE), self.show)

    def action_next_page(self) -> None:
        if self.page is not None and self.page.next_before is not None:
            self.pages.append(self.page.next_before)
            self.message("")  # about the page left
            self.reload()

    def action_previous_page(self) -> None:
        if len(self.pages) > 1:
            self.pages.pop()
            self.message("")
            self.reload()

    def show(self, page) -> None:
        zone = self.app.config.zone
        self.page = page
        listing = self.query_one("#r-list", OptionList)
        listing.clear_options()
        listing.add_options([Option(row_text(row, zone), id=row.id) for row in page.rows])
        if page.rows:
            listing.highlighted = 0
        more = ("; n = næste side" if page.next_before is not None else "")
        searched = (f" (søgt ned til nr. {page.scanned_to})" if page.scanned_to else "")
        self.set_title(f"Registreringer · side {len(self.pages)} · {rows(len(page.rows))}{searched}{more}"
                       "   A=annulleret P=prøve I=import")

    def _chosen(self):
        index = self.query_one("#r-list", OptionList).highlighted
        if self.page is None or index is None or index >= len(self.page.rows):
            return None
        return self.page.rows[index]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        row = self._chosen()
        self.query_one("#r-id", Static).update(
            escape(f"Id {row.id} · {row.datakilde} · {row.operator}") if row is not None else "")

    def action_void(self) -> None:
        from .dialogs import ReasonPicker

        row = self._chosen()
        if row is None:
            return
        if row.voided:
            self.message(f"Registreringen {row.id} er allerede annulleret", "error")
            return
        self.app.push_screen(ReasonPicker(f"registrering nr. {row.seq}"),
                             lambda reason: self._confirm_void(row, reason) if reason else None)

    def _confirm_void(self, row, reason: str) -> None:
        from storage.describe import describe

        from ..screens.dialogs import Confirm

        shown = describe(self.app.config, row, 1, from_stored(row.end_utc))
        self.app.push_screen(Confirm(f"Annullér {shown}\n\nÅrsag: {reason}", "Ja, annullér", "Nej"),
                             lambda yes: self._void(row, reason) if yes else None)

    def _void(self, row, reason: str) -> None:
        store, zone = self.app.store, self.app.config.zone

        def void():
            store.void([row.id], reason)
            exported = None if row.trial else store.export_covering(row.end_utc, row.enhed, row.datakilde)
            # As fortryd --id: only a file delivered after the row was registered still holds it.
            return exported if exported and exported.created_utc > row.created_utc else None

        def done(exported) -> None:
            if exported:
                self.message(f"Annulleret ({reason}): nr. {row.seq}. Bemærk: "
                             f"{exported.describe(zone)} har stadig rækken; næste eksports kontrol "
                             "viser annulleringen.", "warning")
            else:
                self.message(f"Annulleret ({reason}): nr. {row.seq}", "ok")
            self.reload()

        self.in_thread(void, done, group="write")

    def action_batch(self) -> None:
        from .dialogs import BatchForm

        now = self.app.clock().astimezone(self.app.config.zone)
        chosen = self.query_value.enhed
        # A filter on a unit only the database has (imported, retired): no batch form for it.
        unit = chosen if chosen in self.app.config.units else next(iter(self.app.config.units))
        self.app.push_screen(BatchForm({"enhed": unit, "antal": "1", "type": "OPRET",
                                        "kanal": self.app.config.units[unit].channel,
                                        "tid": f"{now:%d-%m-%Y %H:%M}"}), self._batch)

    def _batch(self, values: dict | None, answers: dict | None = None) -> None:
        if values is None:
            return
        from storage.errors import TaelleugeError

        from .batch_answers import AnswersForm

        config = self.app.config
        try:
            entry = batch_entry(config, values, self.app.clock(), answers)
        except (TaelleugeError, ValueError) as error:
            self.message(str(error), "error")
            return
        unit = config.unit(entry.enhed)
        if answers is None and unit.questions:  # the fields are right: now the unit's questions
            self.app.push_screen(AnswersForm(unit), lambda given: self._batch(values, given)
                                 if given is not None else None)
            return
        store = self.app.store

        def done(ids) -> None:
            self.message(f"Gemt: {entry.count} × {entry.opgave} {entry.kanal} for {entry.enhed}", "ok")
            self.pages = [None]
            self.reload()

        self.in_thread(lambda: store.record(entry), done, group="write")
