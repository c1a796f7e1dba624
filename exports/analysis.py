"""The coordinator's analyses from "KOMHEN i spil" as pandas frames: Table 1, the A–D quadrant,
channel choice on D tasks, paper, information contacts, costs and a comparison of two selections.

One implementation for the files (``exports.report_files``), the terminal and the coordinator
screen. Frames hold exact values; :func:`rounded_table1` gives the figures as shown, rounded half
up from the integer counts (so 6.25 shows as 6.3 everywhere, not 6.2 as float rounding would).
Column names are the Danish headers of the files.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from storage.config import Config
from storage.errors import Refusal

from .analysis_data import NO_TYPE, Selection, facts_frame, read_selections, task_names
from .definitions import (
    DEFAULT_RATE_THRESHOLD, INFORMATION_TYPES, PAPER_CHANNEL, WEEKS_PER_YEAR,
)

ANALOG, DIGITAL, INFORMATION = "analog", "digital", "information"
TRANSACTION = "transaktion"
SELF_SERVICE = "selvbetjening"
NO_TYPE_LABEL = "(ingen type)"

# Table 1 as KL's playbook has it: exactly these columns, in this order, in every file.
TABLE1_COLUMNS = [
    "KLE", "Opgave", "Startdato", "Slutdato", "Antal dage", "Faktor",
    "Analoge transaktioner", "Årlige analoge transaktioner",
    "Digitale transaktioner", "Årlige digitale transaktioner",
    "Informationshenvendelser", "Årlige informationshenvendelser",
    "Selvbetjeningsgrad", "Kvadrant",
]
# Kept in the frame for the plot, the comparison and the screen; not in the files' Table 1.
WEEKS, YEARLY_TRANSACTIONS = "Antal uger", "Årlige transaktioner"
_COUNTS = {ANALOG: "Analoge transaktioner", DIGITAL: "Digitale transaktioner",
           INFORMATION: "Informationshenvendelser"}
_YEARLY = {ANALOG: "Årlige analoge transaktioner", DIGITAL: "Årlige digitale transaktioner",
           INFORMATION: "Årlige informationshenvendelser"}
QUADRANTS = {
    "A": "lav volumen, høj selvbetjeningsgrad",
    "B": "lav volumen, lav selvbetjeningsgrad",
    "C": "høj volumen, høj selvbetjeningsgrad",
    "D": "høj volumen, lav selvbetjeningsgrad",
}


@dataclass(frozen=True)
class Thresholds:
    rate: float  # self-service rate, 0-100
    volume: float | None  # yearly transactions; None when no task has any
    volume_is_median: bool

    def describe(self) -> str:
        volume = "-" if self.volume is None else _num(self.volume, 2)
        how = "medianen af opgavernes årlige transaktioner" if self.volume_is_median else "valgt"
        return (f"selvbetjeningsgrad {_num(self.rate, 1)} %, "
                f"volumen {volume} årlige transaktioner ({how})")


def _num(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


# -- classification ---------------------------------------------------------------------------

def classify(facts: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, list[str]]:
    """Add ``chan_class``, ``type_class`` and ``category`` (analog/digital/information).

    Rows without a type count as transactions on a self-service channel (an imported self-service
    row carries no type) and as information elsewhere; unknown channels are not self-service and
    unknown types are information. Each such case is named in the returned notes.
    """
    book = config.codebook
    out = facts.copy()
    out["chan_class"] = out["kanal"].map({c: ch.klass for c, ch in book.channels.items()})
    out["type_class"] = out["type"].map({c: t.klass for c, t in book.types.items()})
    untyped = out["type"] == NO_TYPE
    self_service = out["chan_class"] == SELF_SERVICE
    out.loc[untyped, "type_class"] = np.where(self_service[untyped], TRANSACTION, INFORMATION)
    notes = []
    unknown_channels = out.loc[out["chan_class"].isna()].groupby("kanal")["n"].sum()
    if len(unknown_channels):
        listed = ", ".join(f"{k} ({n})" for k, n in unknown_channels.items())
        notes.append(f"Ukendte kanaler, regnet som ikke-selvbetjening: {listed}.")
    unknown_types = out.loc[out["type_class"].isna()].groupby("type")["n"].sum()
    if len(unknown_types):
        listed = ", ".join(f"{k} ({n})" for k, n in unknown_types.items())
        notes.append(f"Ukendte typer, regnet som information: {listed}.")
    as_tx = int(out.loc[untyped & self_service, "n"].sum())
    as_info = int(out.loc[untyped & ~self_service, "n"].sum())
    if as_tx:
        notes.append(f"{as_tx} henvendelser uden type på selvbetjeningskanaler er regnet som "
                     "digitale transaktioner.")
    if as_info:
        notes.append(f"{as_info} henvendelser uden type på andre kanaler end selvbetjening er "
                     "regnet som information.")
    out["chan_class"] = out["chan_class"].fillna("ukendt")
    out["type_class"] = out["type_class"].fillna(INFORMATION)
    is_tx = out["type_class"] == TRANSACTION
    out["category"] = np.where(is_tx & self_service, DIGITAL, np.where(is_tx, ANALOG, INFORMATION))
    return out, notes


# -- Table 1 and the quadrant -----------------------------------------------------------------

def table1(
    facts: pd.DataFrame,
    config: Config,
    *,
    rate_threshold: float = DEFAULT_RATE_THRESHOLD,
    volume_threshold: float | None = None,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per KLE task (sorted by KLE): ``TABLE1_COLUMNS`` plus ``Antal uger`` and
    ``Årlige transaktioner``. ``facts`` as from :func:`load_facts` or :func:`classify`."""
    if "category" not in facts:
        facts, _ = classify(facts, config)
    iso = facts["day"].dt.isocalendar()
    facts = facts.assign(week=iso["year"].astype("int64") * 100 + iso["week"].astype("int64"))
    by_task = facts.groupby("opgave")
    out = pd.DataFrame({
        "Startdato": by_task["day"].min(),
        "Slutdato": by_task["day"].max(),
        "Antal dage": by_task["day"].nunique(),
        WEEKS: by_task["week"].nunique(),
    })
    counts = (facts.pivot_table(index="opgave", columns="category", values="n", aggfunc="sum",
                                fill_value=0)
              .reindex(index=out.index, columns=[ANALOG, DIGITAL, INFORMATION], fill_value=0))
    factor = WEEKS_PER_YEAR / out[WEEKS]
    out["Faktor"] = factor
    for category in (ANALOG, DIGITAL, INFORMATION):
        out[_COUNTS[category]] = counts[category].astype("int64")
        out[_YEARLY[category]] = counts[category] * WEEKS_PER_YEAR / out[WEEKS]
    transactions = counts[ANALOG] + counts[DIGITAL]
    out[YEARLY_TRANSACTIONS] = transactions * WEEKS_PER_YEAR / out[WEEKS]
    out["Selvbetjeningsgrad"] = (counts[DIGITAL] * 100 / transactions).where(transactions > 0)
    out = out.sort_index().rename_axis("KLE").reset_index()
    if names is None:
        names, _ = task_names(config, out["KLE"])
    out.insert(1, "Opgave", out["KLE"].map(names).fillna(""))
    th = thresholds(out, rate_threshold, volume_threshold)
    out["Kvadrant"] = quadrant(out, th)
    return out[[*TABLE1_COLUMNS[:-1], WEEKS, YEARLY_TRANSACTIONS, "Kvadrant"]]


def thresholds(t1: pd.DataFrame, rate: float = DEFAULT_RATE_THRESHOLD,
               volume: float | None = None) -> Thresholds:
    """The rate threshold as given; the volume threshold as given, else the median of the yearly
    transactions of the tasks that have transactions."""
    if volume is not None:
        return Thresholds(float(rate), float(volume), False)
    with_tx = t1.loc[t1["Selvbetjeningsgrad"].notna(), YEARLY_TRANSACTIONS]
    return Thresholds(float(rate), float(with_tx.median()) if len(with_tx) else None, True)


def quadrant(t1: pd.DataFrame, th: Thresholds) -> pd.Series:
    """A/B/C/D per row (empty without transactions). High = at or above the threshold, on the
    exact (unrounded) figures."""
    rate = t1["Selvbetjeningsgrad"]
    if th.volume is None:
        return pd.Series("", index=t1.index, dtype=object)
    high_volume = t1[YEARLY_TRANSACTIONS] >= th.volume
    high_rate = rate >= th.rate
    labels = np.select([~high_volume & high_rate, ~high_volume & ~high_rate,
                        high_volume & high_rate, high_volume & ~high_rate], ["A", "B", "C", "D"], "")
    return pd.Series(np.where(rate.notna(), labels, ""), index=t1.index, dtype=object)


def quadrant_lists(t1: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per quadrant the tasks in it, by yearly transactions (largest first), rounded as shown."""
    shown = rounded_table1(t1)
    cols = ["KLE", "Opgave", YEARLY_TRANSACTIONS, "Selvbetjeningsgrad"]
    return {
        q: shown.loc[shown["Kvadrant"] == q, cols]
        .sort_values([YEARLY_TRANSACTIONS, "KLE"], ascending=[False, True]).reset_index(drop=True)
        for q in QUADRANTS
    }


def round_ratio(numerator, denominator, places: int) -> np.ndarray:
    """``numerator / denominator`` rounded half up to ``places`` decimals, exactly, from
    non-negative integers (NaN where the denominator is 0)."""
    num = np.asarray(numerator, dtype="int64")
    den = np.asarray(denominator, dtype="int64")
    scale = 10 ** places
    safe = np.where(den > 0, den, 1)
    units = (2 * num * scale + safe) // (2 * safe)
    return np.where(den > 0, units / scale, np.nan)


def rounded_table1(t1: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as shown: factors and yearly figures to 2 decimals, the rate to 1."""
    out = t1.copy()
    weeks = out[WEEKS].to_numpy()
    out["Faktor"] = round_ratio(np.full(len(out), WEEKS_PER_YEAR), weeks, 2)
    for category in (ANALOG, DIGITAL, INFORMATION):
        out[_YEARLY[category]] = round_ratio(out[_COUNTS[category]] * WEEKS_PER_YEAR, weeks, 2)
    tx = out[_COUNTS[ANALOG]] + out[_COUNTS[DIGITAL]]
    out[YEARLY_TRANSACTIONS] = round_ratio(tx * WEEKS_PER_YEAR, weeks, 2)
    out["Selvbetjeningsgrad"] = round_ratio(out[_COUNTS[DIGITAL]] * 100, tx, 1)
    return out


# -- deep dives -------------------------------------------------------------------------------

def _with_factor(facts: pd.DataFrame, t1: pd.DataFrame) -> pd.DataFrame:
    factor = t1.set_index("KLE")["Faktor"]
    return facts.assign(factor=facts["opgave"].map(factor)).assign(
        yearly=lambda f: f["n"] * f["factor"])


def _channel_info(config: Config) -> tuple[dict[str, str], dict[str, str]]:
    channels = config.codebook.channels
    return ({c: ch.name for c, ch in channels.items()}, {c: ch.klass for c, ch in channels.items()})


def channel_choice(facts: pd.DataFrame, t1: pd.DataFrame, config: Config,
                   tasks: list[str] | None = None) -> pd.DataFrame:
    """Deep dive 1: per task (default: the D tasks) and transaction type, the channels used,
    with count, yearly count and share of that task's transactions of that type."""
    cols = ["KLE", "Opgave", "Type", "Kanal", "Kanalnavn", "Kanalklasse", "Antal",
            "Årligt antal", "Andel (%)"]
    if tasks is None:
        tasks = t1.loc[t1["Kvadrant"] == "D", "KLE"].tolist()
    if "category" not in facts:
        facts, _ = classify(facts, config)
    tx = facts[facts["opgave"].isin(tasks) & facts["category"].isin([ANALOG, DIGITAL])]
    if tx.empty:
        return pd.DataFrame(columns=cols)
    tx = _with_factor(tx, t1)
    g = (tx.groupby(["opgave", "type", "kanal"], as_index=False)
         .agg(Antal=("n", "sum"), yearly=("yearly", "sum")))
    g["Andel (%)"] = g["Antal"] * 100 / g.groupby(["opgave", "type"])["Antal"].transform("sum")
    names, klass = _channel_info(config)
    type_order = {code: i for i, code in enumerate(config.codebook.types)}
    g["_order"] = g["type"].map(type_order).fillna(len(type_order))
    g = g.sort_values(["opgave", "_order", "type", "Antal", "kanal"],
                      ascending=[True, True, True, False, True])
    out = pd.DataFrame({
        "KLE": g["opgave"],
        "Opgave": g["opgave"].map(t1.set_index("KLE")["Opgave"]),
        "Type": g["type"].replace(NO_TYPE, NO_TYPE_LABEL),
        "Kanal": g["kanal"],
        "Kanalnavn": g["kanal"].map(names).fillna(""),
        "Kanalklasse": g["kanal"].map(klass).fillna("ukendt"),
        "Antal": g["Antal"].astype("int64"),
        "Årligt antal": g["yearly"],
        "Andel (%)": g["Andel (%)"],
    })
    return out.reset_index(drop=True)


def _price(config: Config, channel: str, klass: str) -> float:
    return config.prices.get((channel, klass), np.nan)


def paper(facts: pd.DataFrame, t1: pd.DataFrame, config: Config,
          channel: str = PAPER_CHANNEL) -> pd.DataFrame:
    """Deep dive 2: paper letters per task, yearly count and yearly cost (most paper first).
    The cost is empty when a price for a class the task has is not configured."""
    cols = ["KLE", "Opgave", "Transaktioner", "Informationshenvendelser", "Antal i alt", "Faktor",
            "Årligt antal", "Pris transaktion (kr.)", "Pris information (kr.)",
            "Årlig omkostning (kr.)"]
    if "category" not in facts:
        facts, _ = classify(facts, config)
    rows = facts[facts["kanal"] == channel]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    counts = (rows.pivot_table(index="opgave", columns="type_class", values="n", aggfunc="sum",
                               fill_value=0)
              .reindex(columns=[TRANSACTION, INFORMATION], fill_value=0))
    base = t1.set_index("KLE").loc[counts.index]
    price_t, price_i = _price(config, channel, TRANSACTION), _price(config, channel, INFORMATION)
    yearly_t = counts[TRANSACTION] * base["Faktor"]
    yearly_i = counts[INFORMATION] * base["Faktor"]
    cost = (np.where(counts[TRANSACTION] > 0, yearly_t * price_t, 0.0)
            + np.where(counts[INFORMATION] > 0, yearly_i * price_i, 0.0))
    out = pd.DataFrame({
        "KLE": counts.index,
        "Opgave": base["Opgave"].to_numpy(),
        "Transaktioner": counts[TRANSACTION].astype("int64").to_numpy(),
        "Informationshenvendelser": counts[INFORMATION].astype("int64").to_numpy(),
        "Antal i alt": (counts[TRANSACTION] + counts[INFORMATION]).astype("int64").to_numpy(),
        "Faktor": base["Faktor"].to_numpy(),
        "Årligt antal": (yearly_t + yearly_i).to_numpy(),
        "Pris transaktion (kr.)": price_t,
        "Pris information (kr.)": price_i,
        "Årlig omkostning (kr.)": cost,
    })
    return out.sort_values(["Årligt antal", "KLE"], ascending=[False, True]).reset_index(drop=True)


def information(facts: pd.DataFrame, t1: pd.DataFrame, config: Config,
                types: tuple[str, ...] = INFORMATION_TYPES) -> pd.DataFrame:
    """Deep dive 4: the given information types per task and inbound channel, with the channel's
    share of the task's contacts of those types."""
    type_cols = [c for t in types for c in (t, f"{t} årligt")]
    cols = ["KLE", "Opgave", "Kanal", "Kanalnavn", *type_cols, "I alt", "I alt årligt",
            "Andel af opgavens (%)"]
    inbound = [c for c, ch in config.codebook.channels.items() if ch.direction == "ind"]
    rows = facts[facts["type"].isin(types) & facts["kanal"].isin(inbound)]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    counts = (rows.pivot_table(index=["opgave", "kanal"], columns="type", values="n",
                               aggfunc="sum", fill_value=0)
              .reindex(columns=list(types), fill_value=0).reset_index())
    factor = counts["opgave"].map(t1.set_index("KLE")["Faktor"])
    names, _ = _channel_info(config)
    out = pd.DataFrame({
        "KLE": counts["opgave"],
        "Opgave": counts["opgave"].map(t1.set_index("KLE")["Opgave"]),
        "Kanal": counts["kanal"],
        "Kanalnavn": counts["kanal"].map(names).fillna(""),
    })
    for t in types:
        out[t] = counts[t].astype("int64")
        out[f"{t} årligt"] = counts[t] * factor
    out["I alt"] = counts[list(types)].sum(axis=1).astype("int64")
    out["I alt årligt"] = out["I alt"] * factor
    out["Andel af opgavens (%)"] = out["I alt"] * 100 / out.groupby("KLE")["I alt"].transform("sum")
    return (out.sort_values(["KLE", "I alt", "Kanal"], ascending=[True, False, True])
            .reset_index(drop=True)[cols])


def costs(facts: pd.DataFrame, t1: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Yearly count × configured price per channel and type class, and an ``I alt`` row.
    Rows without a configured price have an empty price and cost (see :func:`missing_prices`)."""
    cols = ["Kanal", "Kanalnavn", "Kanalklasse", "Typeklasse", "Antal", "Årligt antal",
            "Pris (kr.)", "Årlig omkostning (kr.)"]
    if "category" not in facts:
        facts, _ = classify(facts, config)
    f = _with_factor(facts, t1)
    g = (f.groupby(["kanal", "type_class"], as_index=False)
         .agg(Antal=("n", "sum"), yearly=("yearly", "sum"))
         .sort_values(["kanal", "type_class"]))
    names, klass = _channel_info(config)
    price = np.array([_price(config, k, c) for k, c in zip(g["kanal"], g["type_class"])],
                     dtype=float)
    out = pd.DataFrame({
        "Kanal": g["kanal"], "Kanalnavn": g["kanal"].map(names).fillna(""),
        "Kanalklasse": g["kanal"].map(klass).fillna("ukendt"), "Typeklasse": g["type_class"],
        "Antal": g["Antal"].astype("int64"), "Årligt antal": g["yearly"],
        "Pris (kr.)": price, "Årlig omkostning (kr.)": g["yearly"].to_numpy() * price,
    })
    total = pd.DataFrame([{
        "Kanal": "I alt", "Kanalnavn": "", "Kanalklasse": "", "Typeklasse": "",
        "Antal": int(out["Antal"].sum()), "Årligt antal": float(out["Årligt antal"].sum()),
        "Pris (kr.)": np.nan,
        "Årlig omkostning (kr.)": float(out["Årlig omkostning (kr.)"].sum(min_count=1))
        if out["Årlig omkostning (kr.)"].notna().any() else np.nan,
    }])
    return pd.concat([out, total], ignore_index=True)[cols]


def missing_prices(cost_frame: pd.DataFrame) -> list[str]:
    """``KANAL/typeklasse (N årligt)`` for the rows of :func:`costs` without a price."""
    rows = cost_frame[(cost_frame["Kanal"] != "I alt") & cost_frame["Pris (kr.)"].isna()]
    return [f"{k}/{c} ({_num(y, 2)} årligt)"
            for k, c, y in zip(rows["Kanal"], rows["Typeklasse"], rows["Årligt antal"])]


COMPARED = ["Årlige analoge transaktioner", "Årlige digitale transaktioner",
            "Årlige informationshenvendelser", YEARLY_TRANSACTIONS, "Selvbetjeningsgrad"]


def comparison(t1: pd.DataFrame, other: pd.DataFrame, label: str, other_label: str) -> pd.DataFrame:
    """The same figures for two selections side by side, as shown (rounded), with the change
    ``label − other_label`` (percentage points for the rate). A task missing on one side counts
    0 there (its rate and quadrant stay empty)."""
    a, b = rounded_table1(t1).set_index("KLE"), rounded_table1(other).set_index("KLE")
    index = a.index.union(b.index).sort_values()
    a, b = a.reindex(index), b.reindex(index)
    out = pd.DataFrame({"KLE": index,
                        "Opgave": a["Opgave"].fillna(b["Opgave"]).fillna("").to_numpy()})
    for col in COMPARED:
        left, right = a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float)
        if col != "Selvbetjeningsgrad":
            left, right = np.nan_to_num(left), np.nan_to_num(right)
        change_label = (f"{col}, ændring (procentpoint)" if col == "Selvbetjeningsgrad"
                        else f"{col}, ændring")
        out[f"{col} ({label})"] = left
        out[f"{col} ({other_label})"] = right
        out[change_label] = np.round(left - right, 1 if col == "Selvbetjeningsgrad" else 2)
    qa, qb = a["Kvadrant"].fillna("").to_numpy(), b["Kvadrant"].fillna("").to_numpy()
    out[f"Kvadrant ({label})"] = qa
    out[f"Kvadrant ({other_label})"] = qb
    out["Kvadrant, ændring"] = [f"{y or '-'} → {x or '-'}" if x != y else "" for x, y in zip(qa, qb)]
    return out


# -- the whole report -------------------------------------------------------------------------

@dataclass
class Report:
    selection: Selection
    thresholds: Thresholds
    table1: pd.DataFrame
    channel_choice: pd.DataFrame
    paper: pd.DataFrame
    information: pd.DataFrame
    costs: pd.DataFrame
    kommune: str = ""
    compare_selection: Selection | None = None
    comparison: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def build_report(
    conn: sqlite3.Connection,
    config: Config,
    selection: Selection,
    *,
    compare: Selection | None = None,
    rate_threshold: float = DEFAULT_RATE_THRESHOLD,
    volume_threshold: float | None = None,
) -> Report:
    """Every analysis of ``selection`` (and the comparison) from one read transaction.

    Refuses a selection without live registrations: an empty report helps nobody.
    """
    rows, other_rows = read_selections(conn, config.zone, selection, compare)
    return report_from_rows(config, selection, rows, compare=compare, compare_rows=other_rows,
                            rate_threshold=rate_threshold, volume_threshold=volume_threshold)


def report_from_rows(
    config: Config,
    selection: Selection,
    rows: list[tuple],
    *,
    compare: Selection | None = None,
    compare_rows: list[tuple] | None = None,
    rate_threshold: float = DEFAULT_RATE_THRESHOLD,
    volume_threshold: float | None = None,
) -> Report:
    """:func:`build_report` from rows already read with ``read_selections``."""
    for sel, fact_rows in ((selection, rows), (compare, compare_rows)):
        if sel is not None and not fact_rows:
            raise Refusal(f"Ingen registreringer i {sel.describe()}. Prøveregistreringer og "
                          "annullerede registreringer tæller ikke med.", "uge")
    facts, notes = classify(facts_frame(rows), config)
    other = facts_frame(compare_rows) if compare is not None else None
    all_tasks = set(facts["opgave"]) | (set(other["opgave"]) if other is not None else set())
    names, name_notes = task_names(config, sorted(all_tasks))
    notes += name_notes
    t1 = table1(facts, config, rate_threshold=rate_threshold, volume_threshold=volume_threshold,
                names=names)
    th = thresholds(t1, rate_threshold, volume_threshold)
    report = Report(
        selection=selection, thresholds=th, table1=t1,
        channel_choice=channel_choice(facts, t1, config), paper=paper(facts, t1, config),
        information=information(facts, t1, config), costs=costs(facts, t1, config),
        kommune=f"{config.kommune_nr} {config.kommune_navn}",
    )
    no_tx = t1.loc[t1["Selvbetjeningsgrad"].isna(), "KLE"].tolist()
    if no_tx:
        notes.append("Uden transaktioner (ingen selvbetjeningsgrad og kvadrant): "
                     f"{', '.join(no_tx)}.")
    missing = missing_prices(report.costs)
    if missing:
        notes.append("Ingen pris i konfigurationen ([[pris]]), så ingen omkostning for: "
                     f"{', '.join(missing)}.")
    if other is not None:
        other, other_notes = classify(other, config)
        notes += [f"Sammenligningen ({compare.label}): {n}" for n in other_notes]
        # The comparison uses the selection's thresholds, so a move between quadrants is real.
        t1_other = table1(other, config, rate_threshold=th.rate, volume_threshold=th.volume,
                          names=names)
        report.compare_selection = compare
        report.comparison = comparison(t1, t1_other, selection.label, compare.label)
    report.notes = notes
    return report
