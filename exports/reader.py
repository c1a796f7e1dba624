"""Read an earlier extract (raw-data or upload layout) and check every line of it.

Two passes over the file, neither of which holds it in memory:

1. :func:`scan` reads the bytes: SHA-256 (a second import of the same file is refused before any
   work), line count (for the progress bar), and the encoding: UTF-8 when the bytes are valid
   UTF-8, else ISO-8859-1.
2. :meth:`Reader.rows` decodes, splits and checks each line and yields the rows for
   the store's import batch to stage. Problems are collected as Danish messages naming the line and the
   field; the caller imports nothing unless there are none.

The header decides which column is which: columns may come in any order, names are matched without
regard to case, and in the raw-data layout every column that is not a known one is a local
question, kept with its answers. Group-level KLE numbers ``NN.NN`` are read as ``NN.NN.00``; rows
at ``00:00:00`` are kept as date-only rows.
"""

from __future__ import annotations

import codecs
from array import array
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from storage import kle
from storage.config import MAX_TEXT as MAX_CONFIG_TEXT
from storage.config import UNIT_CODE, Config
from storage.config_guard import formula_lead
from storage.errors import Refusal, os_reason
from storage import hostile
from storage.imports import ASCII_SPACE, IDENTITY, identity_fields
from storage.privacy import count_cpr_like, looks_like_cpr, shown
from storage.registration import DATAKILDE
from storage.timeutil import local_day_bounds, system_clock

from . import layouts
from .file_kind import refuse_other_kinds
from .localtime import SECONDS, LocalToUtc
from .progress import Quiet

MAX_ERRORS = 20
MAX_TEXT = MAX_CONFIG_TEXT  # longest Kommune, Enhed, Datakilde, question or answer (as in the config)
MAX_LINE = 65_536  # characters in one line: a Landkort line is ~150; more is not such a file
MAX_COLUMNS = 200  # the raw-data layout has 12 plus the local questions; Excel stops at 16,384
MAX_ANSWERS = 20  # distinct answers to a question the config does not know: more looks like free text
DEFAULT_SOURCE = "Import"
_KOMMUNE_NR = re.compile(r"^[0-9]{3}$")  # not \d: Arabic-Indic digits are not a municipality number
# Control characters (the tab too) have no place in a value; C1 codes (0x80-0x9F) in an ISO-8859-1
# file mean it is really Windows-1252. ``bytes.translate`` with everything else deleted finds them at
# memory speed. Non-ASCII lines are searched for bidi, zero-width and other unsafe characters.
_BAD = bytes(range(0x00, 0x0a)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"
_NOT_BAD = bytes(b for b in range(256) if b not in _BAD)
_NOT_C1 = bytes(b for b in range(256) if not 0x80 <= b <= 0x9F)
_BAD_CHARS = hostile.UNSAFE
_CHUNK = 1 << 20

# Column names (lower case) → role, per layout.
RAADATA_ROLES = {
    "kommune": "kommune", "id": "id", "enhed": "enhed", "opgave": "opgave", "kanal": "kanal",
    "type": "type", "afslutning": "afslutning", "blanket": "blanket", "dato": "dato",
    "starttidspunkt": "start", "sluttidspunkt": "slut", "datakilde": "datakilde",
}
UPLOAD_ROLES = {
    "kommuneid": "id", "enhed": "enhed", "kle opgave kode": "opgave", "henvendelses kanal": "kanal",
    "henvendelses type": "type", "afslutning": "afslutning", "blanket": "blanket", "dato": "dato",
}
REQUIRED = {
    layouts.RAADATA: ("id", "opgave", "kanal"),
    layouts.UPLOAD: ("id", "opgave", "kanal", "dato"),
}

_MISSING = object()
_OTHER_SEPARATORS = {",": "komma (,)", "\t": "tabulator", "|": "lodret streg (|)"}
MIDNIGHT = ("00:00:00", "00:00")  # a row at this time, with no other start, is date-only


@dataclass(frozen=True)
class FileFacts:
    path: Path
    size: int
    mtime_ns: int
    sha256: str
    encoding: str  # Python codec: "utf-8", "utf-8-sig" or "iso-8859-1"
    lines: int
    suspicious_bytes: bool  # control characters (or C1 codes in ISO-8859-1): check line by line

    @property
    def encoding_label(self) -> str:
        return "UTF-8" if self.encoding.startswith("utf-8") else "ISO-8859-1"


def scan(path: Path) -> FileFacts:
    """Pass 1: hash, count lines and decide the encoding, reading 1 MB at a time."""
    path = Path(path)
    handle, stat = _open_regular(path)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    ascii_only = True
    lines = 0
    bad = False
    c1 = False
    first = b""
    last = b""
    run = 0  # bytes since the last line end: a line without end is refused before all is read
    utf8_line = None  # the first line with a UTF-8 "æ", "ø", "å", "é" … (C2/C3 and a continuation)
    latin1_line = None  # the first line whose bytes are not UTF-8
    with handle:
        while chunk := handle.read(_CHUNK):
            if not first:
                first = chunk[:3]
                refuse_other_kinds(path, chunk[:4096])  # a database or a workbook, picked by mistake
            last = chunk
            digest.update(chunk)
            newlines = chunk.count(b"\n")
            if newlines:
                run = len(chunk) - chunk.rfind(b"\n") - 1
            else:
                run += len(chunk)
                if run > 4 * MAX_LINE:  # bytes; up to 4 per character in UTF-8
                    raise Refusal(
                        f"Filen {path.name} er ikke importeret: linje {lines + 1} er over "
                        f"{MAX_LINE} tegn lang (en Landkort-linje har nogle hundrede). Er det den "
                        "rigtige fil?", "fil")
            lines += newlines
            if ascii_only and not chunk.isascii():
                ascii_only = False
            if utf8 and not ascii_only:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    utf8 = False
                    at = max(error.start - (len(error.object) - len(chunk)), 0)  # in this chunk
                    latin1_line = lines - newlines + chunk.count(b"\n", 0, at) + 1
            if utf8_line is None and not ascii_only:
                found = _UTF8_LATIN.search(chunk)
                if found:
                    utf8_line = lines - newlines + chunk.count(b"\n", 0, found.start()) + 1
            bad = bad or bool(chunk.translate(None, _NOT_BAD))
            c1 = c1 or (not ascii_only and bool(chunk.translate(None, _NOT_C1)))
    if utf8 and not ascii_only:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if last and not last.endswith(b"\n"):
        lines += 1
    if not utf8 and utf8_line is not None:
        raise Refusal(_mixed_message(path, utf8_line, latin1_line), "fil")
    if first == codecs.BOM_UTF8 and utf8:
        encoding = "utf-8-sig"
    elif utf8 and not ascii_only:
        encoding = "utf-8"
    else:
        encoding = "iso-8859-1"
    return FileFacts(
        path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=digest.hexdigest(),
        encoding=encoding, lines=lines,
        suspicious_bytes=bad or (encoding == "iso-8859-1" and c1),
    )


# UTF-8 for a character of Latin-1 Supplement (æ ø å é ü …): C2 or C3, then a continuation byte.
# In ISO-8859-1 that is "Â" or "Ã" and a symbol, which no Danish text has.
_UTF8_LATIN = re.compile(b"[\xc2\xc3][\x80-\xbf]")


def _mixed_message(path: Path, utf8_line: int, latin1_line: int | None) -> str:
    other = f"linje {latin1_line}" if latin1_line else "andre linjer"
    return (f"Filen {path.name} er ikke importeret: filen blander UTF-8 og ISO-8859-1 (linje "
            f"{utf8_line} har fx æ, ø eller å skrevet i UTF-8, {other} i ISO-8859-1). Læst som "
            "ISO-8859-1 ville der stå \"KÃ¸ge\" for \"Køge\". Gem hele filen i ét tegnsæt "
            "(helst UTF-8), og importér den igen.")


def _open_regular(path: Path):
    """Open ``path`` for reading only when it is a regular file: a FIFO, ``/dev/zero`` or a
    terminal would hang the import or never end. O_NONBLOCK: opening a FIFO waits for nobody."""
    import os
    import stat as st

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise Refusal(f"Filen {path} findes ikke.", "fil") from None
    except IsADirectoryError:
        raise Refusal(f"{path} er en mappe, ikke en fil.", "fil") from None
    except OSError as error:
        raise Refusal(f"Filen {path} kan ikke læses: {os_reason(error)}.", "fil") from None
    info = os.fstat(fd)
    if st.S_ISDIR(info.st_mode):
        os.close(fd)
        raise Refusal(f"{path} er en mappe, ikke en fil.", "fil")
    if not st.S_ISREG(info.st_mode):
        os.close(fd)
        raise Refusal(f"{path} er ikke en almindelig fil (men en enhed, en FIFO eller en sokkel); "
                      "gem udtrækket som en fil og importér den.", "fil")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), info


@dataclass
class Parsed:
    """What pass 2 found: the layout, the rows' facts for the summary, and the problems."""

    layout: str = ""
    columns: list[str] = field(default_factory=list)
    questions: tuple[str, ...] = ()
    has_source: bool = False  # a Datakilde column (part of a row's identity only if there is one)
    # Each staged row's identity hash, in staging order (storage.imports.identity_key), and the
    # identity's fields: what the file carries.
    keys: array = field(default_factory=lambda: array("q"))
    identity: tuple[str, ...] = IDENTITY
    rows: int = 0
    content_sha256: str = ""
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    stopped_early: bool = False
    # (enhed, local day "dd-mm-yyyy", datakilde, kommune_nr, kommune_navn) → rows
    tally: Counter = field(default_factory=Counter)
    group_level: Counter = field(default_factory=Counter)  # "15.20" → rows
    date_only: int = 0
    own_source_rows: int = 0  # rows whose Datakilde says this app made them
    cpr_values: int = 0  # CPR-like values in the whole file (counted when it is refused)
    cpr_lines: list[int] = field(default_factory=list)  # the first few lines holding one


class Reader:
    """Pass 2 over a file :func:`scan` has looked at. Iterate :meth:`rows`, then read ``parsed``."""

    def __init__(self, facts: FileFacts, config: Config, *, datakilde: str | None = None, progress=None,
                 kommuner: tuple[str, ...] = (), today=None):
        self.facts = facts
        self.config = config
        # A row after today (in the config's zone) comes from a PC whose clock is wrong: refused.
        today = today or system_clock().astimezone(config.zone).date()
        self.future_from = local_day_bounds(today, config.zone)[1]
        self.today = today
        # An Enhed matching a configured unit whatever its case is stored as the config spells it.
        self._unit_spelling = {code.casefold(): code for code in config.units}
        # Rows of another municipality than the config's are refused unless named (--kommune).
        self.kommuner = {config.kommune_nr, *kommuner}
        self.default_source = check_source_name(datakilde) if datakilde else DEFAULT_SOURCE
        self.progress = progress or Quiet()
        self.parsed = Parsed()
        self.book = config.codebook
        self.conv = LocalToUtc(config.zone)
        self.known_questions = {q.text: q for unit in config.units.values() for q in unit.questions}
        self._known_spelling = {text.lower(): text for text in self.known_questions}
        self._unknown_answers: dict[str, dict[str, int]] = {}

    # -- problems -------------------------------------------------------------------------------

    def _error(self, lineno: int, column: str, problem: str) -> bool:
        """Record a problem; True when enough have been found to stop reading."""
        parsed = self.parsed
        parsed.error_count += 1
        if len(parsed.errors) < MAX_ERRORS:
            where = (f"Linje {lineno}" if lineno else "Filen") + (f', felt "{shown(column)}"' if column else "")
            parsed.errors.append(f"{where}: {problem}")
        if parsed.error_count >= MAX_ERRORS:
            parsed.stopped_early = True
            return True
        return False

    # -- header --------------------------------------------------------------------------------

    def _header(self, line: str) -> tuple[str, dict[str, int], list[int], bool] | None:
        if line.startswith("\u00ef\u00bb\u00bf"):  # a UTF-8 BOM in a file read as ISO-8859-1
            line = line[3:]
        trailing = line.endswith(layouts.SEP)
        names = line.split(layouts.SEP)
        if trailing:
            names.pop()
        if len(names) > MAX_COLUMNS:
            self._error(1, "", f"overskriftslinjen har {len(names)} kolonner; højst {MAX_COLUMNS} "
                               "(de faste kolonner og de lokale spørgsmål)")
            return None
        names = [n.strip() for n in names]
        lower = [n.lower() for n in names]
        if len(names) < 3:
            sep = next((s for s in _OTHER_SEPARATORS if s in line), None)
            hint = (f" (filen bruger {_OTHER_SEPARATORS[sep]} som skilletegn; Det Digitale Landkort "
                    "bruger ;)") if sep else ""
            self._error(1, "", f"overskriftslinjen har ikke kolonnerne adskilt af ;{hint}")
            return None
        if "kle opgave kode" in lower or "kommuneid" in lower:
            layout, roles = layouts.UPLOAD, UPLOAD_ROLES
        elif "opgave" in lower and "kanal" in lower:
            layout, roles = layouts.RAADATA, RAADATA_ROLES
        else:
            self._error(
                1, "",
                "overskriftslinjen passer hverken til rådata-formatet (Kommune;ID;Enhed;Opgave;"
                "Kanal;…) eller upload-formatet (KommuneID;Enhed;KLE Opgave kode;…)",
            )
            return None
        self.parsed.layout = layout
        self.parsed.columns = names
        index: dict[str, int] = {}
        questions: list[int] = []
        question_names: set[str] = set()
        ok = True
        for i, (name, low) in enumerate(zip(names, lower)):
            role = roles.get(low)
            if not name:
                self._error(1, "", f"kolonne {i + 1} har ingen overskrift")
                ok = False
            elif role is None and layout == layouts.UPLOAD:
                self._error(1, name, "kendes ikke i upload-formatet (der har ingen lokale spørgsmål)")
                ok = False
            elif role is None:
                # A question the config knows keeps the config's spelling, whatever the case in
                # the file (a header lower-cased by a spreadsheet is the same question).
                name = names[i] = self._known_spelling.get(low, name)
                problem = _text_problem(name)
                if problem:
                    self._error(1, name, f"overskriften {problem}")
                    ok = False
                elif name in question_names:
                    self._error(1, name, "står to gange")
                    ok = False
                questions.append(i)
                question_names.add(name)
            elif role in index:
                self._error(1, name, "står to gange")
                ok = False
            else:
                index[role] = i
        for role in REQUIRED[layout]:
            if role not in index:
                wanted = next(k for k, v in roles.items() if v == role)
                self._error(1, "", f'kolonnen "{_title(wanted, layout)}" mangler')
                ok = False
        if "dato" not in index and "slut" not in index:
            self._error(1, "", 'kolonnen "Dato" mangler')
            ok = False
        if not ok:
            return None
        self.parsed.questions = tuple(names[i] for i in questions)
        self.parsed.has_source = "datakilde" in index
        return layout, index, questions, trailing

    # -- rows -----------------------------------------------------------------------------------

    def rows(self) -> Iterator[tuple]:
        """Checked rows as ``storage.model.STAGING_COLUMNS`` tuples. Stops after MAX_ERRORS problems."""
        try:
            yield from self._rows()
        except UnicodeDecodeError:
            # Pass 1 found the whole file valid UTF-8: someone is writing to it right now.
            self._error(0, "", "filen blev ændret, mens den blev læst (den er ikke længere gyldig "
                               "UTF-8). Prøv igen, når den er færdig.")
            self.parsed.stopped_early = True

    def _rows(self) -> Iterator[tuple]:
        facts = self.facts
        parsed = self.parsed
        content = hashlib.sha256()
        binary, _ = _open_regular(facts.path)  # opened again: it may have been swapped meanwhile
        handle = io.TextIOWrapper(binary, encoding=facts.encoding, newline="")
        with handle:
            lines = self._bounded_lines(handle)
            header_line = ""
            lineno = 0
            for raw in lines:
                lineno += 1
                header_line = raw.rstrip("\r\n")
                if header_line.strip():
                    break
            if not header_line.strip():
                if not self.parsed.errors:
                    self._error(1, "", "filen er tom")
                return
            content.update(header_line.encode("utf-8") + b"\n")
            # A header without ; gets the separator hint from _header, not a complaint about tabs.
            if layouts.SEP in header_line and self._bad_chars(lineno, header_line, []):
                return
            header = self._header(header_line)
            if header is None:
                return
            yield from self._body(lines, header, lineno, content)
        parsed.content_sha256 = content.hexdigest()
        stat = facts.path.stat()
        if (stat.st_size, stat.st_mtime_ns) != (facts.size, facts.mtime_ns):
            self._error(0, "", "filen blev ændret, mens den blev læst. Prøv igen, når den er færdig.")

    def _bounded_lines(self, handle) -> Iterator[str]:
        """The file's lines, none longer than MAX_LINE characters: a longer one is an error and
        the end of reading (a 200 MB "line" must not be read into memory in one piece)."""
        readline = handle.readline
        lineno = 0
        while raw := readline(MAX_LINE + 2):
            lineno += 1
            if len(raw) > MAX_LINE and len(raw.rstrip("\r\n")) > MAX_LINE:
                self._error(lineno, "", f"linjen er over {MAX_LINE} tegn lang (en Landkort-linje har "
                                        "nogle hundrede). Er det den rigtige fil?")
                self.parsed.stopped_early = True
                return
            yield raw

    def _body(self, handle, header, lineno: int, content) -> Iterator[tuple]:
        layout, index, q_index, trailing = header
        parsed = self.parsed
        config = self.config
        book = self.book
        columns = parsed.columns
        n = len(columns)
        width = n + 1 if trailing else n
        blank_col = n  # every row gets an empty field at position n: missing columns point there
        i_id = index["id"]
        i_navn = index.get("kommune", blank_col)
        i_enhed = index.get("enhed", blank_col)
        i_opgave = index["opgave"]
        i_kanal = index["kanal"]
        i_type = index.get("type", blank_col)
        i_afsl = index.get("afslutning", blank_col)
        i_blk = index.get("blanket", blank_col)
        i_dato = index.get("dato", index.get("slut", blank_col))
        i_start = index.get("start", blank_col)
        i_slut = index.get("slut", blank_col) if "dato" in index else blank_col
        i_kilde = index.get("datakilde", blank_col)
        check_chars = self.facts.suspicious_bytes
        null_ok = layout == layouts.UPLOAD

        # Caches: raw text → checked value. A miss goes through the slow path once per value.
        nr_ok: dict[str, str] = {}
        text_ok: dict[str, str] = {}
        unit_ok: dict[str, str] = {}  # raw Enhed → the unit stored ("" for none)
        future_from = self.future_from
        kle_ok: dict[str, str] = {}
        staff_channels = {c for c, ch in book.channels.items() if ch.staff}
        kanal_ok = {c: c for c in book.channels}
        empty = {"": None, layouts.NULL: None} if null_ok else {"": None}
        type_ok = {**{c: c for c in book.types}, **empty}
        afsl_ok = {**{c: c for c in book.afslutning}, **empty}
        blk_ok = {**{c: c for c in book.blanket}, **empty}
        answers_ok: dict = {}
        conv = self.conv
        conv_cache = conv.cache

        nq = len(q_index)
        q_first = q_index[0] if nq else blank_col
        tally = parsed.tally
        group_level = parsed.group_level
        kommune_nr = config.kommune_nr
        kommune_navn = config.kommune_navn
        default_source = self.default_source
        # The identity leaves out what the file does not carry (storage.imports.identity_fields).
        keep_source = parsed.has_source
        keep_answers = bool(q_index)
        parsed.identity = identity_fields(has_source=keep_source, has_answers=keep_answers)
        add_key = parsed.keys.append
        progress = self.progress
        progress.start("Import", max(self.facts.lines - lineno, 0))
        buffer: list[str] = []
        date_only_count = 0
        rows = 0
        for raw in handle:
            lineno += 1
            line = raw.rstrip("\r\n")
            if not line:
                continue
            buffer.append(line)
            if len(buffer) == 8192:
                content.update(("\n".join(buffer) + "\n").encode("utf-8"))
                buffer.clear()
                progress.advance(8192)
            # isprintable() is False for every control, format and separator character (C-fast);
            # only then is the line searched. The few invisible letters are caught per value.
            if ((check_chars or not (line.isascii() or line.isprintable()))
                    and self._bad_chars(lineno, line, columns)):
                if parsed.stopped_early:
                    break
                continue
            fields = line.split(";")
            if len(fields) != width or (trailing and fields[n]):
                if self._field_count(lineno, fields, n, trailing):
                    break
                continue
            if not trailing:
                fields.append("")

            nr = fields[i_id]
            if nr not in nr_ok:
                if not _KOMMUNE_NR.match(nr.strip()):
                    if self._error(lineno, columns[i_id], f'"{shown(nr)}" er ikke et kommunenummer (tre cifre, fx 259)'):
                        break
                    continue
                if nr.strip() not in self.kommuner:
                    if self._error(lineno, columns[i_id], other_kommune(nr.strip(), kommune_nr)):
                        break
                    continue
                nr_ok[nr] = nr.strip()
            nr = nr_ok[nr]
            navn = fields[i_navn] if i_navn != blank_col else (kommune_navn if nr == kommune_nr else "")
            enhed = unit_ok.get(fields[i_enhed], _MISSING)
            if enhed is _MISSING:
                enhed = self._unit(unit_ok, fields[i_enhed], lineno, _column(columns, i_enhed, "Enhed"))
                if enhed is _MISSING:
                    if parsed.stopped_early:
                        break
                    continue
            kilde = fields[i_kilde].strip(ASCII_SPACE) or default_source
            if navn not in text_ok or enhed not in text_ok or kilde not in text_ok:
                if not self._texts(text_ok, lineno, ((navn, i_navn, "Kommune"), (enhed, i_enhed, "Enhed"),
                                                     (kilde, i_kilde, "Datakilde")), columns):
                    if parsed.stopped_early:
                        break
                    continue

            raw_kle = fields[i_opgave]
            opgave = kle_ok.get(raw_kle)
            if opgave is None:
                try:
                    opgave = kle_ok[raw_kle] = kle.normalise(raw_kle)
                except Refusal:
                    if self._error(lineno, columns[i_opgave], f'KLE-nummeret "{shown(raw_kle)}" har forkert '
                                                              "form. Skriv NN.NN.NN (fx 23.05.10) eller NN.NN."):
                        break
                    continue
            if len(raw_kle) != 8:
                group_level[raw_kle.strip()] += 1

            kanal = kanal_ok.get(fields[i_kanal])
            if kanal is None:
                kanal = self._code(kanal_ok, fields[i_kanal], book.channels, "Kanalen", lineno, columns[i_kanal])
                if kanal is _MISSING:
                    if parsed.stopped_early:
                        break
                    continue
            if not enhed and kanal in staff_channels:
                if self._error(
                    lineno, _column(columns, i_enhed, "Enhed"),
                    f"enheden mangler; kun selvbetjeningskanaler ({', '.join(c for c in book.channels if c not in staff_channels)}) "
                    f"må være uden enhed, ikke {kanal}",
                ):
                    break
                continue
            typ = type_ok.get(fields[i_type], _MISSING)
            if typ is _MISSING:
                typ = self._code(type_ok, fields[i_type], book.types, "Typen", lineno, columns[i_type])
                if typ is _MISSING:
                    if parsed.stopped_early:
                        break
                    continue
            afsl = afsl_ok.get(fields[i_afsl], _MISSING)
            if afsl is _MISSING:
                afsl = self._code(afsl_ok, fields[i_afsl], book.afslutning, "Afslutningen", lineno, columns[i_afsl])
                if afsl is _MISSING:
                    if parsed.stopped_early:
                        break
                    continue
            blk = blk_ok.get(fields[i_blk], _MISSING)
            if blk is _MISSING:
                blk = self._code(blk_ok, fields[i_blk], book.blanket, "Blanketværdien", lineno, columns[i_blk])
                if blk is _MISSING:
                    if parsed.stopped_early:
                        break
                    continue

            dato = fields[i_dato]
            head = conv_cache.get(dato[:16])
            tail = SECONDS.get(dato[16:])
            if head is None or tail is None:
                end = conv.stored(dato)
                if end is None:
                    if self._error(lineno, columns[i_dato], conv.problem(shown(dato))):
                        break
                    continue
            else:
                end = head + tail
            if end >= future_from:
                if self._error(lineno, columns[i_dato],
                               f'"{shown(dato)}" ligger efter i dag ({self.today:%d-%m-%Y}). En fil med '
                               "fremtidige tidspunkter kommer nok fra en pc med forkert ur; ret tiderne, "
                               "og importér den igen"):
                    break
                continue
            slut = fields[i_slut]
            if slut and slut != dato:
                if self._error(lineno, columns[i_slut],
                               f'"{shown(slut)}" skal være det samme som Dato ("{shown(dato)}")'):
                    break
                continue
            start_text = fields[i_start]
            if not start_text or start_text == dato:
                start = None
                date_only = dato[11:] in MIDNIGHT
            else:
                date_only = False
                head = conv_cache.get(start_text[:16])
                tail = SECONDS.get(start_text[16:])
                if head is None or tail is None:
                    start = conv.stored(start_text)
                    if start is None:
                        if self._error(lineno, columns[i_start], conv.problem(shown(start_text))):
                            break
                        continue
                else:
                    start = head + tail
                if start > end:
                    if self._error(lineno, columns[i_start],
                                   f'"{shown(start_text)}" ligger efter Dato ("{shown(dato)}")'):
                        break
                    continue

            if nq:
                key = fields[q_first] if nq == 1 else tuple(fields[i] for i in q_index)
                answers = answers_ok.get(key)
                if answers is None:
                    answers = self._answers(key, q_index, lineno)
                    if answers is None:
                        if parsed.stopped_early:
                            break
                        continue
                    answers_ok[key] = answers
            else:
                answers = "{}"

            date_only_count += date_only
            combo = (enhed, dato[:10], kilde, nr, navn)
            tally[combo] = tally.get(combo, 0) + 1
            rows += 1
            add_key(hash((nr, enhed.casefold(), opgave, kanal, typ, afsl, blk, end[:16],  # identity_key, inline
                          kilde.casefold() if keep_source else None, answers if keep_answers else None)))
            yield (nr, navn, enhed, opgave, kanal, typ, afsl, blk, start, end, int(date_only), kilde, answers)
        if buffer:
            content.update(("\n".join(buffer) + "\n").encode("utf-8"))
            progress.advance(len(buffer))
        progress.stop()
        parsed.rows = rows
        parsed.date_only = date_only_count
        parsed.own_source_rows = sum(n for combo, n in tally.items() if combo[2] == DATAKILDE)
        self._answer_variety()

    def _texts(self, ok: dict[str, str], lineno: int, values, columns: list[str]) -> bool:
        for value, index, name in values:
            if value in ok:
                continue
            problem = _text_problem(value)
            if problem:
                self._error(lineno, _column(columns, index, name), f'"{shown(value)}" {problem}')
                return False
            ok[value] = value
        return True

    def _unit(self, cache: dict, raw: str, lineno: int, column: str):
        """Slow path for an Enhed: spaces around it go; ``NULL`` is no unit (in either layout, as
        the config refuses it as a code); a configured unit in another case is that unit; any
        other unit must follow the config's rule for unit codes, or it would be a new unit that
        differs from a known one only by a full-width digit, an NBSP or a space inside."""
        value = raw.strip(ASCII_SPACE)
        if value.upper() == layouts.NULL:
            value = ""
        if value:
            value = self._unit_spelling.get(value.casefold(), value)
            problem = _text_problem(value)  # a formula, a CPR number …: the more telling message
            if problem:
                self._error(lineno, column, f'"{shown(raw)}" {problem}')
                return _MISSING
            if value not in self.config.units and not UNIT_CODE.fullmatch(value):
                odd = next(c for i, c in enumerate(value) if not UNIT_CODE.fullmatch(value[: i + 1]))
                odd = "mellemrum" if odd == " " else hostile.describe_char(odd)
                self._error(lineno, column,
                            f'enheden "{shown(raw)}" er ikke en enhedskode (tegnet {odd}): kun bogstaver '
                            "(også æ, ø, å), tal 0-9 og . _ - (ingen mellemrum, hårde mellemrum eller andre tegn). "
                            f"Kendte enheder: {', '.join(self.config.units)}")
                return _MISSING
        cache[raw] = value
        return value

    def _code(self, cache: dict, raw: str, table: dict, what: str, lineno: int, column: str):
        """Slow path for a code: tolerate spaces and lower case; refuse anything else."""
        tidy = raw.strip().upper()
        if tidy in cache:
            cache[raw] = cache[tidy]
            return cache[tidy]
        allowed = ", ".join(table)
        self._error(lineno, column, f'{what} "{shown(raw)}" er ukendt. Tilladte: {allowed}')
        return _MISSING

    def _answers(self, key, q_index: list[int], lineno: int) -> str | None:
        values = (key,) if isinstance(key, str) else key
        answers: dict[str, str] = {}
        for i, value in zip(q_index, values):
            question = self.parsed.columns[i]
            known = self.known_questions.get(question)
            if known is not None:
                if value and value not in known.answers:
                    # Case as in the config ("ja" from a tidied-up spreadsheet is "Ja").
                    value = next((a for a in known.answers if a.lower() == value.strip().lower()), value)
                if value and value not in known.answers:
                    self._error(
                        lineno, question,
                        f'svaret "{shown(value)}" er ikke en mulighed. Tilladte: {", ".join(known.answers)} '
                        "(eller tomt)",
                    )
                    return None
            else:
                problem = _text_problem(value)
                if problem:
                    self._error(lineno, question, f'svaret "{shown(value)}" {problem}')
                    return None
                seen = self._unknown_answers.setdefault(question, {})
                seen.setdefault(value, lineno)
            if value:  # no answer is no answer, as on a row registered here
                answers[question] = value
        return json.dumps(answers, ensure_ascii=False, sort_keys=True)

    def _answer_variety(self) -> None:
        """A local question with many different answers is free text, which is never imported."""
        for question, answers in self._unknown_answers.items():
            if len(answers) > MAX_ANSWERS:
                lineno = sorted(answers.values())[MAX_ANSWERS]
                self._error(
                    lineno, question,
                    f"spørgsmålet har over {MAX_ANSWERS} forskellige svar. Lokale spørgsmål skal have "
                    "faste svarmuligheder; fritekst kan indeholde personoplysninger og importeres ikke",
                )

    def _field_count(self, lineno: int, fields: list[str], n: int, trailing: bool) -> bool:
        got = len(fields) - 1 if trailing and fields[-1] == "" else len(fields)
        if trailing and got == n:
            return self._error(lineno, "", "linjen skal slutte med ; ligesom overskriften")
        return self._error(
            lineno, "",
            f"linjen har {got} felter, men overskriften har {n} kolonner "
            "(er der et ; for meget eller for lidt, fx inde i en værdi?)",
        )

    def _bad_chars(self, lineno: int, line: str, columns: list[str]) -> bool:
        """Control, bidi, zero-width and other unsafe characters (``storage.hostile``), or C1
        codes that say an ISO-8859-1 file is really Windows-1252."""
        match = _BAD_CHARS.search(line)
        if not match:
            return False
        char = match.group()
        position = line.count(layouts.SEP, 0, match.start())
        column = columns[position] if position < len(columns) else ""
        if "\x80" <= char <= "\x9f" and self.facts.encoding == "iso-8859-1":
            problem = (f"tegnet med kode 0x{ord(char):02X} er ikke et ISO-8859-1-tegn "
                       "(filen er måske gemt som Windows-1252; gem den som ISO-8859-1 eller UTF-8)")
        else:
            problem = hostile.unsafe_problem(char)
        self._error(lineno, column, problem)
        return True


def other_kommune(nr: str, own: str) -> str:
    return (f"kommunenummer {nr} er ikke konfigurationens ({own}). Rækker fra en anden kommune "
            f"importeres kun, når den er nævnt: --kommune {nr}")


def _column(columns: list[str], index: int, fallback: str) -> str:
    return columns[index] if index < len(columns) else fallback


def _title(lower: str, layout: str) -> str:
    source = layouts.RAADATA_COLUMNS if layout == layouts.RAADATA else layouts.UPLOAD_COLUMNS
    return next((c for c in source if c.lower() == lower), lower)


def _text_problem(value: str) -> str | None:
    """Free text in a file is only accepted when it cannot be about a citizen, cannot become a
    formula in the spreadsheet that opens our own export, and is not mangled by an encoding."""
    if len(value) > MAX_TEXT:
        return f"er for lang (højst {MAX_TEXT} tegn)"
    problem = hostile.unsafe_problem(value)
    if problem:
        return problem
    if looks_like_cpr(value):
        return "ligner et CPR-nummer. Personoplysninger importeres aldrig"
    lead = formula_lead(value)
    if lead:
        return (f"begynder med {hostile.escape(lead)}, så et regneark (Excel) læser det som en formel. "
                "Sådanne værdier importeres ikke")
    if not value.isascii():
        return double_encoded(value)
    return None


# "Ã" or "Â" followed by what the second byte of a UTF-8 "æ", "ø", "å", "é", "–" … shows as in
# Latin-1 or Windows-1252. No Danish text has "Ã" or "Â" before such a character.
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
                       "\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e"
                       "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def double_encoded(value: str) -> str | None:
    """The problem when ``value`` is UTF-8 that was decoded as Latin-1 and encoded again
    ("KÃ¸ge" for "Køge"), else None."""
    if not _MOJIBAKE.search(value):
        return None
    meant = _MOJIBAKE.sub(_repaired, value)
    hint = f' (skulle nok være "{shown(meant)}")' if meant != value else ""
    return (f"er dobbelt-kodet UTF-8{hint}: filen er gemt som UTF-8 to gange, eller en del af den er "
            "læst som ISO-8859-1 og gemt igen. Åbn den oprindelige fil og gem den én gang som UTF-8")


def _repaired(match: re.Match) -> str:
    for codec in ("cp1252", "latin-1"):
        try:
            return match.group().encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return match.group()


def check_source_name(name: str) -> str:
    name = name.strip()
    if looks_like_cpr(name):
        raise Refusal("--datakilde må ikke ligne et CPR-nummer", "datakilde")
    problem = hostile.unsafe_problem(name)
    if problem:
        raise Refusal(f"--datakilde {problem}", "datakilde")
    lead = formula_lead(name)
    if lead:
        raise Refusal(f"--datakilde må ikke begynde med {hostile.escape(lead)} (et regneark læser den "
                      "som en formel)", "datakilde")
    if not name or len(name) > 40 or layouts.SEP in name:
        raise Refusal(
            f'--datakilde skal være et navn på 1-40 tegn uden ; (fx "Selvbetjening2025"), ikke "{name}"',
            "datakilde",
        )
    return name


def count_cpr(facts: FileFacts, limit_lines: int = 10) -> tuple[int, list[int]]:
    """CPR-like values in the whole file, headers included, and the first lines that hold one.

    Run when an import is refused, so the message can say how many there are in all (the line
    by line check stops after MAX_ERRORS problems). ``;`` separates fields, so a hit never spans
    two columns."""
    total = 0
    lines: list[int] = []
    try:
        handle = facts.path.open("r", encoding=facts.encoding, errors="replace", newline="")
    except OSError:
        return 0, []
    with handle:
        lineno = 0
        while raw := handle.readline(MAX_LINE + 2):
            lineno += 1
            hits = count_cpr_like(raw)
            if hits:
                total += hits
                if len(lines) < limit_lines:
                    lines.append(lineno)
    return total, lines

