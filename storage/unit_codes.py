"""Which unit codes a coordinator's filter accepts: the configured units, and any unit the
database has rows of though the config does not name it (another municipality's unit brought in
by an import with ``--kommune``, a unit retired from the config after the count)."""

from __future__ import annotations

from collections.abc import Callable

from .config import Config
from .errors import Refusal


def store_has_rows(store) -> Callable[[str], bool]:
    """"Does the database hold any row of this unit?": one probe of the (enhed, seq) index."""
    return lambda code: bool(store.latest(enhed=code, limit=1))


def unit_code(config: Config, code: str, has_rows: Callable[[str], bool]) -> str:
    """``code`` as the config spells it, or as the database holds it; else a refusal naming
    the configured units."""
    if code in config.units:
        return config.units[code].code
    if code and has_rows(code):
        return code
    # The wording of ``eksport --enhed`` (tui.cli_exports).
    raise Refusal(f'Enheden "{code}" findes hverken i konfigurationen eller i databasen. '
                  f'Kendte enheder: {", ".join(config.units)}', "enhed")

