"""The coordinator's analyses from "KOMHEN i spil" as pandas frames: Table 1, the A–D quadrant,
channel choice on D tasks, paper, information contacts, costs and a comparison of two selections.

One implementation for the files (``exports.report_files``), the terminal and the coordinator
screen. Frames hold exact values; :func:`rounded_table1` gives the figures as shown, rounded half
up from the integer counts (so 6.25 shows as 6.3 everywhere, not 6.2 as float rounding would).
Column names are the Danish headers of the files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo

import numpy as np
import pandas as pd

from storage.config import Config
from storage.errors import Refusal
from storage.interface import Store

from .analysis_data import (
    NO_TYPE, Selection, facts_frame, read_selections, task_names,
)
from .definitions import (
    DEFAULT_RATE_THRESHOLD, INFORMATION_TYPES, PAPER_CHANNEL, WEEKS_PER_YEAR,
)
from storage.wording import contacts, plural

ANALOG, DIGITAL, INFORMATION, OUTBOUND = "analog", "digital", "information", "udgaaende"
CATEGORIES = [ANALOG, DIGITAL, INFORMATION, OUTBOUND]
INBOUND, ALL_DIRECTIONS, OUTBOUND_DIR = "ind", "alle", "ud"
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
           INFORMATION: "Informationshenvendelser", OUTBOUND: "Udgående transaktioner"}
_YEARLY = {ANALOG: "Årlige analoge transaktioner", DIGITAL: "Årlige digitale transaktioner",
           INFORMATION: "Årlige informationshenvendelser",
           OUTBOUND: "Årlige udgående transaktioner"}
MIXED = "blandet"  # Table 1's factor when the task's units have different factors
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

def channel_names(config: Config) -> dict[str, str]:
    """Display names that tell inbound from outbound: ``Telefon (ind)``, ``Telefon (ud)``."""
    return {c: f"{ch.name} ({ch.direction})" for c, ch in config.codebook.channels.items()}


def classify(facts: pd.DataFrame, config: Config, direction: str = INBOUND
             ) -> tuple[pd.DataFrame, list[str]]:
    """Add ``chan_class``, ``chan_dir``, ``type_class`` and ``category``
    (analog/digital/information/outbound).

    Rows without a type count as transactions on a self-service channel (an imported self-service
    row carries no type) and as information elsewhere; unknown channels are not self-service and
    count as inbound; unknown types are information. With ``direction`` "ind" (the playbook's
    "kun de relevante indgående kanaler") transactions on outbound channels are ``outbound``, not
    part of the rate; with "alle" they are analog transactions as before. Each case is in the notes.
    """
    book = config.codebook
    out = facts.copy()
    out["chan_class"] = out["kanal"].map({c: ch.klass for c, ch in book.channels.items()})
    out["chan_dir"] = out["kanal"].map({c: ch.direction for c, ch in book.channels.items()})
    out["type_class"] = out["type"].map({c: t.klass for c, t in book.types.items()})
    untyped = out["type"] == NO_TYPE
    self_service = out["chan_class"] == SELF_SERVICE
    out.loc[untyped, "type_class"] = np.where(self_service[untyped], TRANSACTION, INFORMATION)
    notes = classification_notes(out, config)
    out["chan_class"] = out["chan_class"].fillna("ukendt")
    out["chan_dir"] = out["chan_dir"].fillna(INBOUND)
    out["type_class"] = out["type_class"].fillna(INFORMATION)
    is_tx = (out["type_class"] == TRANSACTION).to_numpy()
    outbound = (out["chan_dir"] == OUTBOUND_DIR).to_numpy() & (direction == INBOUND)
    out["category"] = np.select(
        [is_tx & outbound, is_tx & self_service.to_numpy(), is_tx],
        [OUTBOUND, DIGITAL, ANALOG], INFORMATION)
    return out, notes


def classification_notes(classified: pd.DataFrame, config: Config) -> list[str]:
    """The notes on unknown channels and types and on untyped rows, for these rows."""
    book = config.codebook
    notes = []
    unknown_channels = classified.loc[~classified["kanal"].isin(list(book.channels))]
    unknown_channels = unknown_channels.groupby("kanal")["n"].sum()
    if len(unknown_channels):
        listed = ", ".join(f"{k} ({n})" for k, n in unknown_channels.items())
        notes.append(f"Ukendte kanaler, regnet som indgående og ikke-selvbetjening: {listed}.")
    untyped = classified["type"] == NO_TYPE
    unknown_types = classified.loc[~untyped & ~classified["type"].isin(list(book.types))]
    unknown_types = unknown_types.groupby("type")["n"].sum()
    if len(unknown_types):
        listed = ", ".join(f"{k} ({n})" for k, n in unknown_types.items())
        notes.append(f"Ukendte typer, regnet som information: {listed}.")
    self_service = classified["chan_class"] == SELF_SERVICE
    as_tx = int(classified.loc[untyped & self_service, "n"].sum())
    as_info = int(classified.loc[untyped & ~self_service, "n"].sum())
    if as_tx:
        notes.append(f"{plural(as_tx, 'henvendelse', 'henvendelser')} uden type på selvbetjeningskanaler er regnet som "
                     "digitale transaktioner.")
    if as_info:
        notes.append(f"{plural(as_info, 'henvendelse', 'henvendelser')} uden type på andre kanaler end selvbetjening er "
                     "regnet som information.")
    return notes


def without_days(facts: pd.DataFrame) -> pd.DataFrame:
    """The daily facts summed over days (``n`` and ``ynum``): the same figures for every measure
    that does not look at dates, on a frame a twentieth of the size."""
    keys = [c for c in facts.columns if c not in ("day", "n", "ynum")]
    return (facts.groupby(keys, sort=False, dropna=False, observed=True)[["n", "ynum"]].sum()
            .reset_index())


# -- Table 1 and the quadrant -----------------------------------------------------------------

def _prepare(facts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Facts with ``category`` and the annualisation columns (``factor``, ``ynum``, ``lcm``):
    as from :func:`classify` after ``annualise.annualise``; plain facts are taken as counted
    in ISO weeks the old way (for callers and tests that pass raw facts)."""
    if "category" not in facts:
        facts, _ = classify(facts, config)
    if "ynum" not in facts:
        iso = facts["day"].dt.isocalendar()
        week = iso["year"].astype("int64") * 100 + iso["week"].astype("int64")
        per_task = week.groupby(facts["opgave"]).transform("nunique")
        lcm = math.lcm(*set(per_task.tolist())) if len(per_task) else 1
        facts = facts.assign(factor=WEEKS_PER_YEAR / per_task,
                             ynum=facts["n"] * (WEEKS_PER_YEAR * lcm // per_task), lcm=lcm)
    elif "lcm" not in facts:
        raise ValueError("annualised facts need an lcm column")
    return facts


def task_table(facts: pd.DataFrame, config: Config, keys: list[str],
               names: dict[str, str] | None = None, dates: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """Table 1's figures per ``keys`` (``["opgave"]``, or ``["enhed", "opgave"]`` …): dates,
    days, counts per category, exact yearly figures (``_num_*`` over ``_lcm``), the factor (NaN
    when the rows' units have different factors: "blandet") and the rate. No quadrant.
    ``dates``: the daily rows (``keys`` and ``day``) when ``facts`` is summed over days."""
    facts = _prepare(facts, config)
    lcm = int(facts["lcm"].iloc[0]) if len(facts) else 1
    groups = facts.groupby(keys, sort=True)
    days = (facts if dates is None else dates).groupby(keys, sort=True)["day"]
    out = pd.DataFrame({
        "Startdato": days.min(),
        "Slutdato": days.max(),
        "Antal dage": days.nunique(),
    })
    fmin, fmax = groups["factor"].min(), groups["factor"].max()
    out["Faktor"] = fmin.where(np.isclose(fmin, fmax))
    out[WEEKS] = (WEEKS_PER_YEAR / out["Faktor"]).round()
    counts = (facts.pivot_table(index=keys, columns="category", values="n", aggfunc="sum",
                                fill_value=0)
              .reindex(index=out.index, columns=CATEGORIES, fill_value=0))
    nums = (facts.pivot_table(index=keys, columns="category", values="ynum", aggfunc="sum",
                              fill_value=0)
            .reindex(index=out.index, columns=CATEGORIES, fill_value=0))
    for category in CATEGORIES:
        out[_COUNTS[category]] = counts[category].astype("int64")
        out[_YEARLY[category]] = nums[category] / lcm
        out[f"_num_{category}"] = nums[category].astype("int64")
    out["_lcm"] = lcm
    transactions = counts[ANALOG] + counts[DIGITAL]
    out[YEARLY_TRANSACTIONS] = (nums[ANALOG] + nums[DIGITAL]) / lcm
    out["Selvbetjeningsgrad"] = (counts[DIGITAL] * 100 / transactions).where(transactions > 0)
    out = out.reset_index().rename(columns={"opgave": "KLE", "enhed": "Enhed"})
    if names is None:
        names, _ = task_names(config, out["KLE"].unique())
    out.insert(out.columns.get_loc("KLE") + 1, "Opgave", out["KLE"].map(names).fillna(""))
    return out


def table1(
    facts: pd.DataFrame,
    config: Config,
    *,
    rate_threshold: float = DEFAULT_RATE_THRESHOLD,
    volume_threshold: float | None = None,
    names: dict[str, str] | None = None,
    dates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per KLE task (sorted by KLE): ``TABLE1_COLUMNS`` (Faktor NaN = "blandet") plus
    ``Antal uger``, ``Årlige transaktioner``, the outbound transactions and the exact numerators.
    ``facts`` as from :func:`classify`, annualised (``annualise.annualise``) or not; ``dates``
    as for :func:`task_table`."""
    out = task_table(facts, config, ["opgave"], names, dates)
    th = thresholds(out, rate_threshold, volume_threshold)
    out["Kvadrant"] = quadrant(out, th)
    hidden = [c for c in out.columns if c.startswith("_")]
    return out[[*TABLE1_COLUMNS[:-1], WEEKS, YEARLY_TRANSACTIONS, _COUNTS[OUTBOUND],
                _YEARLY[OUTBOUND], *hidden, "Kvadrant"]]


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
    weeks = out[WEEKS].fillna(0).to_numpy(dtype="int64")  # 0: mixed factors, shown "blandet"
    out["Faktor"] = round_ratio(np.full(len(out), WEEKS_PER_YEAR), weeks, 2)
    lcm = out["_lcm"].to_numpy(dtype="int64")
    for category in CATEGORIES:
        if _YEARLY[category] in out:
            out[_YEARLY[category]] = round_ratio(out[f"_num_{category}"], lcm, 2)
    tx = out[_COUNTS[ANALOG]] + out[_COUNTS[DIGITAL]]
    out[YEARLY_TRANSACTIONS] = round_ratio(out[f"_num_{ANALOG}"] + out[f"_num_{DIGITAL}"], lcm, 2)
    out["Selvbetjeningsgrad"] = round_ratio(out[_COUNTS[DIGITAL]] * 100, tx, 1)
    return out


# -- deep dives -------------------------------------------------------------------------------

def _with_yearly(facts: pd.DataFrame, config: Config) -> pd.DataFrame:
    facts = _prepare(facts, config)
    return facts.assign(yearly=facts["n"] * facts["factor"])


def _channel_info(config: Config) -> tuple[dict[str, str], dict[str, str]]:
    channels = config.codebook.channels
    return channel_names(config), {c: ch.klass for c, ch in channels.items()}


def _task_names(t1: pd.DataFrame) -> pd.Series:
    return t1.set_index("KLE")["Opgave"]


CHOICE_TYPES = ("OPRET", "STATUS")  # the playbook's deep dive 1: new cases and status changes
MEASURE_COUNT, MEASURE_SHARE, MEASURE_COST = "Antal", "Andel (%)", "Årlig omkostning (kr.)"


def channel_choice(facts: pd.DataFrame, t1: pd.DataFrame, config: Config,
                   tasks: list[str] | None = None, direction: str = INBOUND) -> pd.DataFrame:
    """Deep dive 1 as a task × channel pivot: for each chosen task (default: the D tasks) and
    for OPRET and STATUS, a row of counts per channel, a row of shares of the task's contacts
    of that type, and a row of yearly cost (count × factor × the channel's transaction price;
    empty without a price). Inbound channels only unless ``direction`` is "alle"."""
    if tasks is None:
        tasks = t1.loc[t1["Kvadrant"] == "D", "KLE"].tolist()
    facts = _with_yearly(facts, config)
    rows = facts[facts["opgave"].isin(tasks) & facts["type"].isin(CHOICE_TYPES)]
    if direction == INBOUND:
        rows = rows[rows["chan_dir"] != OUTBOUND_DIR]
    names, _ = _channel_info(config)
    base = ["KLE", "Opgave", "Type", "Måling"]
    if rows.empty:
        return pd.DataFrame(columns=[*base, "I alt"])
    order = {code: i for i, code in enumerate(config.codebook.channels)}
    channels = sorted(rows["kanal"].unique(), key=lambda k: (order.get(k, len(order)), k))
    counts = (rows.pivot_table(index=["opgave", "type"], columns="kanal", values="n",
                               aggfunc="sum", fill_value=0).reindex(columns=channels, fill_value=0))
    yearly = (rows.pivot_table(index=["opgave", "type"], columns="kanal", values="yearly",
                               aggfunc="sum", fill_value=0.0).reindex(columns=channels, fill_value=0))
    prices = np.array([_price(config, k, TRANSACTION) for k in channels])
    cost = yearly * prices
    total = counts.sum(axis=1)
    shares = counts.div(total, axis=0) * 100
    label = {k: names.get(k, k) for k in channels}
    task_name = _task_names(t1)
    type_order = {code: i for i, code in enumerate(CHOICE_TYPES)}
    out = []
    for (task, typ) in sorted(counts.index, key=lambda i: (i[0], type_order.get(i[1], 9))):
        head = {"KLE": task, "Opgave": task_name.get(task, ""), "Type": typ}
        c, sh, co = counts.loc[(task, typ)], shares.loc[(task, typ)], cost.loc[(task, typ)]
        out.append({**head, "Måling": MEASURE_COUNT, **{label[k]: int(c[k]) for k in channels},
                    "I alt": int(total[(task, typ)])})
        out.append({**head, "Måling": MEASURE_SHARE, **{label[k]: float(sh[k]) for k in channels},
                    "I alt": 100.0})
        # The total is empty when a channel with contacts has no price: never a partial sum.
        complete = not ((c.to_numpy() > 0) & np.isnan(prices)).any()
        out.append({**head, "Måling": MEASURE_COST,
                    **{label[k]: float(co[k]) for k in channels},
                    "I alt": float(np.nansum(co.to_numpy())) if complete else np.nan})
    return pd.DataFrame(out, columns=[*base, *(label[k] for k in channels), "I alt"])


def _price(config: Config, channel: str, klass: str) -> float:
    return config.prices.get((channel, klass), np.nan)


def paper(facts: pd.DataFrame, t1: pd.DataFrame, config: Config,
          channel: str = PAPER_CHANNEL) -> pd.DataFrame:
    """Deep dive 2: paper letters per task, yearly count and yearly cost (most paper first).
    The cost is empty when a price for a class the task has is not configured."""
    cols = ["KLE", "Opgave", "Transaktioner", "Informationshenvendelser", "Antal i alt", "Faktor",
            "Årligt antal", "Pris transaktion (kr.)", "Pris information (kr.)",
            "Årlig omkostning (kr.)"]
    facts = _with_yearly(facts, config)
    rows = facts[facts["kanal"] == channel]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    counts = (rows.pivot_table(index="opgave", columns="type_class", values="n", aggfunc="sum",
                               fill_value=0)
              .reindex(columns=[TRANSACTION, INFORMATION], fill_value=0))
    yearly = (rows.pivot_table(index="opgave", columns="type_class", values="yearly",
                               aggfunc="sum", fill_value=0.0)
              .reindex(index=counts.index, columns=[TRANSACTION, INFORMATION], fill_value=0.0))
    base = t1.set_index("KLE").loc[counts.index]
    price_t, price_i = _price(config, channel, TRANSACTION), _price(config, channel, INFORMATION)
    cost = (np.where(counts[TRANSACTION] > 0, yearly[TRANSACTION] * price_t, 0.0)
            + np.where(counts[INFORMATION] > 0, yearly[INFORMATION] * price_i, 0.0))
    out = pd.DataFrame({
        "KLE": counts.index,
        "Opgave": base["Opgave"].to_numpy(),
        "Transaktioner": counts[TRANSACTION].astype("int64").to_numpy(),
        "Informationshenvendelser": counts[INFORMATION].astype("int64").to_numpy(),
        "Antal i alt": (counts[TRANSACTION] + counts[INFORMATION]).astype("int64").to_numpy(),
        "Faktor": base["Faktor"].to_numpy(),
        "Årligt antal": (yearly[TRANSACTION] + yearly[INFORMATION]).to_numpy(),
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
    facts = _with_yearly(facts, config)
    rows = facts[facts["type"].isin(types) & facts["kanal"].isin(inbound)]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    counts = (rows.pivot_table(index=["opgave", "kanal"], columns="type", values="n",
                               aggfunc="sum", fill_value=0)
              .reindex(columns=list(types), fill_value=0))
    yearly = (rows.pivot_table(index=["opgave", "kanal"], columns="type", values="yearly",
                               aggfunc="sum", fill_value=0.0)
              .reindex(index=counts.index, columns=list(types), fill_value=0.0))
    keys = counts.index.to_frame(index=False)
    names, _ = _channel_info(config)
    out = pd.DataFrame({
        "KLE": keys["opgave"],
        "Opgave": keys["opgave"].map(_task_names(t1)),
        "Kanal": keys["kanal"],
        "Kanalnavn": keys["kanal"].map(names).fillna(""),
    })
    for t in types:
        out[t] = counts[t].to_numpy().astype("int64")
        out[f"{t} årligt"] = yearly[t].to_numpy()
    out["I alt"] = counts[list(types)].sum(axis=1).to_numpy().astype("int64")
    out["I alt årligt"] = yearly[list(types)].sum(axis=1).to_numpy()
    out["Andel af opgavens (%)"] = out["I alt"] * 100 / out.groupby("KLE")["I alt"].transform("sum")
    return (out.sort_values(["KLE", "I alt", "Kanal"], ascending=[True, False, True])
            .reset_index(drop=True)[cols])


TOTAL = "I alt"


def costs(facts: pd.DataFrame, t1: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Yearly count × configured price per channel and type class, and an ``I alt`` row.
    Rows without a configured price have an empty price and cost; the total then says
    "ufuldstændig: N kontakter uden pris" in ``Kanalnavn`` (see :func:`missing_prices`)."""
    cols = ["Kanal", "Kanalnavn", "Kanalklasse", "Typeklasse", "Antal", "Årligt antal",
            "Pris (kr.)", "Årlig omkostning (kr.)"]
    f = _with_yearly(facts, config)
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
    unpriced = int(out.loc[out["Pris (kr.)"].isna(), "Antal"].sum())
    total = pd.DataFrame([{
        "Kanal": TOTAL,
        "Kanalnavn": f"ufuldstændig: {contacts(unpriced)} uden pris" if unpriced else "",
        "Kanalklasse": "", "Typeklasse": "",
        "Antal": int(out["Antal"].sum()), "Årligt antal": float(out["Årligt antal"].sum()),
        "Pris (kr.)": np.nan,
        "Årlig omkostning (kr.)": float(out["Årlig omkostning (kr.)"].sum(min_count=1))
        if out["Årlig omkostning (kr.)"].notna().any() else np.nan,
    }])
    return pd.concat([out, total], ignore_index=True)[cols]


def missing_prices(cost_frame: pd.DataFrame) -> list[str]:
    """``KANAL/typeklasse (N kontakter, M årligt)`` for the rows of :func:`costs` without a price."""
    rows = cost_frame[(cost_frame["Kanal"] != TOTAL) & cost_frame["Pris (kr.)"].isna()]
    return [f"{k}/{c} ({contacts(n)}, {_num(y, 2)} årligt)"
            for k, c, n, y in zip(rows["Kanal"], rows["Typeklasse"], rows["Antal"],
                                  rows["Årligt antal"])]


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
    zone: tzinfo = timezone.utc  # the config's: "Dannet" is shown in it, never in the host's zone
    direction: str = INBOUND
    filter_label: str = ""  # "afdeling X" / "enheder a, b": in titles
    channel_policy: pd.DataFrame | None = None
    policy_text: list[str] = field(default_factory=list)
    handling: pd.DataFrame | None = None
    straks: pd.DataFrame | None = None
    outbound_post: pd.DataFrame | None = None
    channel_mix: pd.DataFrame | None = None
    units: pd.DataFrame | None = None  # per department and unit
    table1_units: pd.DataFrame | None = None  # Table 1 per unit × task
    unit_factors: pd.DataFrame | None = None  # per unit: count weeks in the selection, factor
    quality: pd.DataFrame | None = None
    chosen_tasks: list[str] | None = None  # --opgaver; None: the D tasks


def build_report(
    store: Store,
    config: Config,
    selection: Selection,
    *,
    compare: Selection | None = None,
    **options,
) -> Report:
    """Every analysis of ``selection`` (and the comparison) from one moment of the store.

    Refuses a selection without live registrations: an empty report helps nobody. ``options``
    as for :func:`report_from_rows`.
    """
    from .count_weeks import counting_units

    outside = options.get("include_outside", False)
    rows, other_rows = read_selections(
        store, config.zone, selection, compare, config.kommune_nr,
        counting_units(config, selection, include_outside=outside))
    return report_from_rows(config, selection, rows, compare=compare, compare_rows=other_rows,
                            **options)


def report_from_rows(
    config: Config,
    selection: Selection,
    rows,
    *,
    compare: Selection | None = None,
    compare_rows=None,
    rate_threshold: float = DEFAULT_RATE_THRESHOLD,
    volume_threshold: float | None = None,
    direction: str = INBOUND,
    tasks: list[str] | None = None,
    include_outside: bool = False,
    filter_label: str = "",
) -> Report:
    """:func:`build_report` from rows already read with ``read_selections`` (FactRows, with
    ``counting`` from ``annualise.counting_units`` for the same ``include_outside``)."""
    from . import measures, quality
    from .analysis_data import duplicates_frame
    from .annualise import annualise

    for sel, fact_rows in ((selection, rows), (compare, compare_rows)):
        if sel is not None and not fact_rows:
            raise Refusal(f"Ingen registreringer i {sel.describe()}. Prøveregistreringer og "
                          "annullerede registreringer tæller ikke med.", "uge")
    everything = facts_frame(rows)
    annual = annualise(everything, config, selection, include_outside=include_outside)
    daily = annual.counted  # dates for Table 1; every figure from the facts summed over days
    facts, _ = classify(without_days(daily.assign(lcm=annual.lcm)), config, direction)
    # The notes on unknown codes and untyped rows are about what is counted.
    notes = classification_notes(facts, config) + annual.notes
    if daily.empty:
        raise Refusal(f"Ingen registreringer i {selection.describe()} ligger i enhedernes "
                      "tælleuger. Se tælleugerne i konfigurationen, eller tag rækkerne med: "
                      "--medtag-udenfor.", "uge")
    other = facts_frame(compare_rows) if compare is not None else None
    all_tasks = set(facts["opgave"]) | (set(other["opgave"]) if other is not None else set())
    names, name_notes = task_names(config, sorted(all_tasks))
    notes += name_notes
    t1 = table1(facts, config, rate_threshold=rate_threshold, volume_threshold=volume_threshold,
                names=names, dates=daily)
    th = thresholds(t1, rate_threshold, volume_threshold)
    if tasks is not None:
        unknown = [t for t in tasks if t not in set(t1["KLE"])]
        if unknown:
            notes.append(f"--opgaver: ingen talte registreringer på {', '.join(unknown)}.")
    report = Report(
        selection=selection, thresholds=th, table1=t1,
        channel_choice=channel_choice(facts, t1, config, tasks, direction),
        paper=paper(facts, t1, config), information=information(facts, t1, config),
        costs=costs(facts, t1, config),
        kommune=f"{config.kommune_nr} {config.kommune_navn}", zone=config.zone,
        direction=direction, filter_label=filter_label, chosen_tasks=tasks,
        channel_policy=measures.channel_policy(facts, t1, config),
        policy_text=measures.policy_text(config),
        handling=measures.handling_times(getattr(rows, "durations", {}), facts, t1, config),
        straks=measures.straks_rate(facts, config),
        outbound_post=measures.outbound_post(facts, config),
        units=measures.unit_summary(facts, config),
        table1_units=measures.table1_by_unit(facts, config, names, daily),
        unit_factors=annual.unit_table(config),
        quality=quality.data_quality(everything, duplicates_frame(rows), annual, config,
                                     selection),
    )
    mixed = t1.loc[t1["Faktor"].isna(), "KLE"].tolist()
    if mixed:
        notes.append(f"Faktor \"{MIXED}\" (enhederne har forskellige faktorer): "
                     f"{', '.join(mixed)}; se enhedernes faktorer i Definitioner.")
    no_tx = t1.loc[t1["Selvbetjeningsgrad"].isna(), "KLE"].tolist()
    if no_tx:
        notes.append("Uden transaktioner (ingen selvbetjeningsgrad og kvadrant): "
                     f"{', '.join(no_tx)}.")
    outbound = int(t1[_COUNTS[OUTBOUND]].sum())
    if outbound:
        notes.append(f"{outbound} transaktioner på udgående kanaler indgår ikke i "
                     "selvbetjeningsgraden (--retning alle tager dem med).")
    missing = missing_prices(report.costs)
    if missing and config.prices:  # [[pris]] is there, but not for these channels
        notes.append("Ingen pris i [[pris]] for disse kanaler, så deres omkostning mangler, og "
                     f"summer med dem er ufuldstændige: {', '.join(missing)}.")
    elif missing:
        notes.append("Ingen pris i konfigurationen ([[pris]]), så ingen omkostning for: "
                     f"{', '.join(missing)}.")
    if other is not None:
        other_annual = annualise(other, config, compare, include_outside=include_outside)
        other_daily = other_annual.counted
        other_facts, _ = classify(without_days(other_daily.assign(lcm=other_annual.lcm)), config,
                                  direction)
        other_notes = classification_notes(other_facts, config)
        notes += [f"Sammenligningen ({compare.label}): {n}" for n in other_notes + other_annual.notes]
        if other_facts.empty:
            raise Refusal(f"Ingen registreringer i sammenligningen {compare.describe()} ligger i "
                          "enhedernes tælleuger (--medtag-udenfor tager dem med).", "sammenlign")
        # The comparison uses the selection's thresholds, so a move between quadrants is real.
        t1_other = table1(other_facts, config, rate_threshold=th.rate, volume_threshold=th.volume,
                          names=names, dates=other_daily)
        report.compare_selection = compare
        report.comparison = comparison(t1, t1_other, selection.label, compare.label)
        report.channel_mix = measures.channel_mix(facts, other_facts, config, selection.label,
                                                  compare.label)
    report.notes = notes
    return report
