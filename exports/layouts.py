"""The two file layouts Det Digitale Landkort knows, as data (domain reference §6).

Both: ``;`` between fields and after the last one, CRLF line ends, a header row, one row per
henvendelse, ISO-8859-1 unless UTF-8 is asked for.

``raadata``  the raw-data extract, confirmed byte for byte from a real file:
             ``Kommune;ID;Enhed;Opgave;Kanal;Type;Afslutning;Blanket;Dato;StartTidspunkt;
             SlutTidspunkt;Datakilde;<one column per local question>;``, times
             ``dd-mm-yyyy HH:MM:SS``, an empty field where a value does not apply.
``upload``   the upload template from a coordinator's notes: ``KommuneID;Enhed;KLE Opgave kode;
             Henvendelses Kanal;Henvendelses type;Afslutning;Blanket;Dato;``, times
             ``dd-mm-yyyy HH:MM``, the literal ``NULL`` where a value does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass

SEP = ";"
EOL = "\r\n"
NULL = "NULL"

RAADATA = "raadata"
UPLOAD = "upload"

RAADATA_COLUMNS = (
    "Kommune", "ID", "Enhed", "Opgave", "Kanal", "Type", "Afslutning", "Blanket", "Dato",
    "StartTidspunkt", "SlutTidspunkt", "Datakilde",
)
UPLOAD_COLUMNS = (
    "KommuneID", "Enhed", "KLE Opgave kode", "Henvendelses Kanal", "Henvendelses type",
    "Afslutning", "Blanket", "Dato",
)

# Encodings offered on the command line → Python codec names.
ENCODINGS = {"iso-8859-1": "iso-8859-1", "utf-8": "utf-8"}
DEFAULT_ENCODING = "iso-8859-1"


@dataclass(frozen=True)
class Layout:
    name: str
    label: str  # Danish, for messages and reports
    columns: tuple[str, ...]
    time_format: str  # shown in reports

    @property
    def title(self) -> str:
        """``upload`` or ``rådata (raadata)``: the Danish word and, if it differs, the option value."""
        return self.label if self.label == self.name else f"{self.label} ({self.name})"

    def header(self, questions: tuple[str, ...] = ()) -> list[str]:
        return [*self.columns, *questions] if self.name == RAADATA else list(self.columns)


LAYOUTS = {
    RAADATA: Layout(RAADATA, "rådata", RAADATA_COLUMNS, "dd-mm-åååå TT:MM:SS"),
    UPLOAD: Layout(UPLOAD, "upload", UPLOAD_COLUMNS, "dd-mm-åååå TT:MM"),
}


def line(fields: list[str] | tuple[str, ...]) -> str:
    """One line of either layout: every field followed by ``;``, then CRLF."""
    return "".join(f"{f}{SEP}" for f in fields) + EOL
