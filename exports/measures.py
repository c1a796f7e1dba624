"""The measures the municipalities' channel strategies ask for, beyond KL's Table 1: contacts on
channels the municipality's own policy calls unwanted, handling time (deep dive 3), the share
settled at once (straksafklaring), the digital share of outbound post, the channel mix against a
comparison, and Table 1 and the rate per unit and department.

Every function takes the classified, annualised facts (``analysis.classify`` after
``annualise.annualise``; columns ``enhed``, ``opgave``, ``kanal``, ``type``, ``afslutning``,
``chan_class``, ``chan_dir``, ``type_class``, ``category``, ``n``, ``factor``) and returns a frame
whose column names are the Danish headers of the workbook.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from storage.config import Config
from storage.config_report import POLICY_NAMES

from .analysis import (
    ANALOG, DIGITAL, INFORMATION, TOTAL, channel_names, round_ratio, task_table,
)
from .analysis_data import DURATION_KEY_SEP
from .annualise import NO_UNIT
from .definitions import DIGITAL_POST, PAPER_POST, STRAKS
from storage.wording import contacts

UNWANTED = "uoensket"


def _unit(code: str) -> str:
    return code or NO_UNIT


def _share(part, whole) -> np.ndarray:
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    return np.where(whole > 0, part * 100 / np.where(whole > 0, whole, 1), np.nan)


# -- the channel policy -----------------------------------------------------------------------

POLICY_COLUMNS = ["KLE", "Opgave", "Enhed", "Afdeling", "Ansvarlig", "Henvendelser",
                  "Heraf på uønsket kanal", "Andel uønsket (%)", "Årligt antal på uønsket kanal",
                  "Årlig omkostning på uønsket kanal (kr.)", "Uønskede kanaler"]


def policy_levels(facts: pd.DataFrame, config: Config) -> pd.Series:
    """Per fact row the policy's level of its channel for its type (``primaer``, ``sekundaer``,
    ``uoensket``), or ``""`` when no rule covers the row's type or names the channel."""
    policy = config.channel_policy
    combos = facts[["type", "type_class", "kanal"]].drop_duplicates()
    lookup = {(t, c, k): policy.level(t, c, k) or "" for t, c, k in combos.itertuples(index=False)}
    return pd.Series([lookup[key] for key in zip(facts["type"], facts["type_class"],
                                                  facts["kanal"])], index=facts.index, dtype=object)


def _covered(facts: pd.DataFrame, config: Config) -> pd.Series:
    """Rows whose type (or type class) has a rule at all: the denominator of the share."""
    rules = config.channel_policy.rules
    types = {r.applies_to for r in rules if r.by_type}
    classes = {r.applies_to for r in rules if not r.by_type}
    return facts["type"].isin(types) | facts["type_class"].isin(classes)


def channel_policy(facts: pd.DataFrame, t1: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per task and unit: the contacts the policy covers, how many arrived on a channel it calls
    unwanted (uønsket), their share, yearly count and yearly cost (the channel's price for the
    type class; a missing price leaves the cost incomplete, said in the total row). Most yearly
    unwanted contacts first, then a ``I alt`` row."""
    if not config.channel_policy or facts.empty:
        return pd.DataFrame(columns=POLICY_COLUMNS)
    rows = facts[_covered(facts, config)].copy()
    if rows.empty:
        return pd.DataFrame(columns=POLICY_COLUMNS)
    rows["level"] = policy_levels(rows, config)
    unwanted = rows["level"] == UNWANTED
    rows["u_n"] = np.where(unwanted, rows["n"], 0)
    rows["u_yearly"] = np.where(unwanted, rows["n"] * rows["factor"], 0.0)
    price = np.array([config.prices.get((k, c), np.nan)
                      for k, c in zip(rows["kanal"], rows["type_class"])], dtype=float)
    rows["u_cost"] = np.where(unwanted, rows["u_yearly"] * price, 0.0)
    rows["u_unpriced"] = np.where(unwanted & np.isnan(price), rows["n"], 0)
    rows["u_cost"] = rows["u_cost"].fillna(0.0)
    keys = ["opgave", "enhed"]
    g = rows.groupby(keys).agg(n=("n", "sum"), u_n=("u_n", "sum"), u_yearly=("u_yearly", "sum"),
                               u_cost=("u_cost", "sum"), u_unpriced=("u_unpriced", "sum"))
    which = (rows[unwanted].groupby([*keys, "kanal"])["n"].sum().reset_index()
             .sort_values([*keys, "n", "kanal"], ascending=[True, True, False, True]))
    listed = which.groupby(keys).apply(
        lambda f: ", ".join(f"{k} {n}" for k, n in zip(f["kanal"], f["n"])), include_groups=False)
    # The unwanted channels without a price, per task and unit: a cost summed from the priced
    # ones only is marked incomplete and says which channels it leaves out.
    no_price = rows[rows["u_unpriced"] > 0]
    unpriced_of = {key: sorted(set(f["kanal"])) for key, f in no_price.groupby(keys)}
    all_unpriced = sorted(set(no_price["kanal"]))
    g = g.reset_index()
    names = t1.set_index("KLE")["Opgave"]
    out = pd.DataFrame({
        "KLE": g["opgave"], "Opgave": g["opgave"].map(names).fillna(""),
        "Enhed": g["enhed"].map(_unit),
        "Afdeling": g["enhed"].map(lambda u: config.department_of(u) or ""),
        "Ansvarlig": g["enhed"].map(lambda u: (config.units[u].responsible or "")
                                    if u in config.units else ""),
        "Henvendelser": g["n"].astype("int64"),
        "Heraf på uønsket kanal": g["u_n"].astype("int64"),
        "Andel uønsket (%)": _share(g["u_n"], g["n"]),
        "Årligt antal på uønsket kanal": g["u_yearly"],
        # empty only when every unwanted contact lacks a price; a partial sum is said below
        "Årlig omkostning på uønsket kanal (kr.)": np.where(
            (g["u_n"] > 0) & (g["u_n"] == g["u_unpriced"]), np.nan, g["u_cost"]),
        "Uønskede kanaler": [_with_unpriced(listed.get((t, u), ""), unpriced_of.get((t, u), []),
                                            partial=bool(un < n))
                             for t, u, un, n in zip(g["opgave"], g["enhed"], g["u_unpriced"],
                                                    g["u_n"])],
    })
    out = out.sort_values(["Årligt antal på uønsket kanal", "KLE", "Enhed"],
                          ascending=[False, True, True]).reset_index(drop=True)
    unpriced = int(g["u_unpriced"].sum())
    total = {
        "KLE": TOTAL, "Opgave": "", "Enhed": "", "Afdeling": "", "Ansvarlig": "",
        "Henvendelser": int(g["n"].sum()), "Heraf på uønsket kanal": int(g["u_n"].sum()),
        "Andel uønsket (%)": _share(g["u_n"].sum(), g["n"].sum()).item(),
        "Årligt antal på uønsket kanal": float(g["u_yearly"].sum()),
        "Årlig omkostning på uønsket kanal (kr.)": float(g["u_cost"].sum())
        if not (unpriced and g["u_n"].sum() == unpriced) else np.nan,
        "Uønskede kanaler": (f"ufuldstændig: {contacts(unpriced)} uden pris "
                             f"({', '.join(all_unpriced)})") if unpriced else "",
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)[POLICY_COLUMNS]


INCOMPLETE = "ufuldstændig"


def _with_unpriced(listed: str, unpriced: list[str], *, partial: bool) -> str:
    """The unwanted channels of a row, and those without a price: a cost built from only some of
    them is "ufuldstændig" (a cost with none priced is left empty)."""
    if not unpriced:
        return listed
    which = ", ".join(unpriced)
    return f"{listed}; {INCOMPLETE}: {which} uden pris" if partial else f"{listed}; {which} uden pris"


def policy_text(config: Config) -> list[str]:
    """The configured policy in words, for the Definitioner sheet and the terminal."""
    names = channel_names(config)
    lines = []
    for rule in config.channel_policy.rules:
        what = f"type {rule.applies_to}" if rule.by_type else f"typeklasse {rule.applies_to}"
        parts = []
        for level in ("primaer", "sekundaer", "uoensket"):
            chans = [k for k, lv in rule.levels.items() if lv == level]
            if chans:
                parts.append(f"{POLICY_NAMES[level]}: " + ", ".join(
                    f"{k} ({names.get(k, k)})" for k in chans))
        lines.append(f"{what}: " + "; ".join(parts))
    return lines


# -- deep dive 3: handling time ---------------------------------------------------------------

HANDLING_COLUMNS = ["KLE", "Opgave", "Kanal", "Kanalnavn", "Type", "Med tid (n)",
                    "Median (sek.)", "90 %-fraktil (sek.)", "Uden starttid"]


def _nearest_rank(ordered: np.ndarray, q: float) -> int:
    """The q-quantile of sorted values by the nearest-rank rule: the ``ceil(q × N)``-th value."""
    return int(ordered[max(1, math.ceil(q * len(ordered))) - 1])


def handling_times(durations: dict, facts: pd.DataFrame, t1: pd.DataFrame,
                   config: Config) -> pd.DataFrame:
    """Per task, channel and type: the number of counted rows with a start time, the median and
    the 90 % fraktil of end − start in whole seconds (nearest rank, exact), and the counted rows
    without a start time, left out. ``durations``: ``"opgave|kanal|type"`` → the seconds of
    each counted row (``FactRows.durations``)."""
    keys = ["opgave", "kanal", "type"]
    totals = facts.groupby(keys)["n"].sum()
    stats = {}
    for key, seconds in durations.items():
        ordered = np.sort(np.frombuffer(seconds, dtype=f"i{seconds.itemsize}"))
        if len(ordered):
            stats[tuple(key.split(DURATION_KEY_SEP, 2))] = (
                len(ordered), _nearest_rank(ordered, 0.5), _nearest_rank(ordered, 0.9))
    index = totals.index.union(pd.MultiIndex.from_tuples(list(stats), names=keys)
                               if stats else totals.index[:0])
    names, tasks = channel_names(config), t1.set_index("KLE")["Opgave"]
    rows = []
    for task, channel, typ in index:
        timed, median, p90 = stats.get((task, channel, typ), (0, np.nan, np.nan))
        rows.append({"KLE": task, "Opgave": tasks.get(task, ""), "Kanal": channel,
                     "Kanalnavn": names.get(channel, ""), "Type": typ or "(ingen type)",
                     "Med tid (n)": timed, "Median (sek.)": median, "90 %-fraktil (sek.)": p90,
                     "Uden starttid": max(0, int(totals.get((task, channel, typ), 0)) - timed)})
    return pd.DataFrame(rows, columns=HANDLING_COLUMNS)


# -- the municipalities' own targets ----------------------------------------------------------

STRAKS_COLUMNS = ["Enhed", "Kanal", "Kanalnavn", "STRAKS", "HOLD", "Uden afslutning",
                  "Straksafklaringsgrad (%)"]


def straks_rate(facts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Straksafklaringsgrad: STRAKS / (STRAKS + HOLD) × 100 per unit and channel, then per
    channel for all units (``I alt``). Rows without an afslutning are counted apart."""
    if facts.empty:
        return pd.DataFrame(columns=STRAKS_COLUMNS)
    f = facts.assign(straks=np.where(facts["afslutning"] == STRAKS, facts["n"], 0),
                     hold=np.where(facts["afslutning"].isin(["", STRAKS]), 0, facts["n"]),
                     none=np.where(facts["afslutning"] == "", facts["n"], 0))
    names = channel_names(config)

    def frame(g: pd.DataFrame, unit) -> pd.DataFrame:
        return pd.DataFrame({
            "Enhed": unit, "Kanal": g["kanal"], "Kanalnavn": g["kanal"].map(names).fillna(""),
            "STRAKS": g["straks"].astype("int64"), "HOLD": g["hold"].astype("int64"),
            "Uden afslutning": g["none"].astype("int64"),
            "Straksafklaringsgrad (%)": _share(g["straks"], g["straks"] + g["hold"]),
        })

    per_unit = f.groupby(["enhed", "kanal"], as_index=False)[["straks", "hold", "none"]].sum()
    per_channel = f.groupby("kanal", as_index=False)[["straks", "hold", "none"]].sum()
    return pd.concat([frame(per_unit, per_unit["enhed"].map(_unit)),
                      frame(per_channel, TOTAL)], ignore_index=True)[STRAKS_COLUMNS]


def outbound_post(facts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Digital share of outbound post per unit and in all: (Digital Post + Output Manager) /
    (those + paper letters + remote print) × 100; the channel lists are in ``definitions``."""
    channels = [*DIGITAL_POST, *PAPER_POST]
    names = channel_names(config)
    cols = ["Enhed", *(f"{k} {names.get(k, k)}" for k in channels), "Digitalt", "Papir",
            "Digital andel (%)"]
    rows = facts[facts["kanal"].isin(channels)]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    pivot = (rows.pivot_table(index="enhed", columns="kanal", values="n", aggfunc="sum",
                              fill_value=0).reindex(columns=channels, fill_value=0))
    pivot.loc[TOTAL] = pivot.sum()
    digital, paper = pivot[list(DIGITAL_POST)].sum(axis=1), pivot[list(PAPER_POST)].sum(axis=1)
    out = pd.DataFrame({"Enhed": [u if u == TOTAL else _unit(u) for u in pivot.index]})
    for k in channels:
        out[f"{k} {names.get(k, k)}"] = pivot[k].to_numpy().astype("int64")
    out["Digitalt"] = digital.to_numpy().astype("int64")
    out["Papir"] = paper.to_numpy().astype("int64")
    out["Digital andel (%)"] = _share(digital, digital + paper)
    return out[cols]


def channel_mix(facts: pd.DataFrame, other: pd.DataFrame, config: Config, label: str,
                other_label: str) -> pd.DataFrame:
    """Per channel: count, share of all contacts and yearly count in both selections, the change
    of the share (percentage points) and of the yearly count (%), e.g. for "30 % fewer personal
    visits" against a baseline count."""
    names = channel_names(config)
    a = facts.assign(y=facts["n"] * facts["factor"]).groupby("kanal")[["n", "y"]].sum()
    b = other.assign(y=other["n"] * other["factor"]).groupby("kanal")[["n", "y"]].sum()
    order = {code: i for i, code in enumerate(config.codebook.channels)}
    index = sorted(a.index.union(b.index), key=lambda k: (order.get(k, len(order)), k))
    a, b = a.reindex(index, fill_value=0), b.reindex(index, fill_value=0)
    share_a = _share(a["n"], a["n"].sum())
    share_b = _share(b["n"], b["n"].sum())
    return pd.DataFrame({
        "Kanal": index, "Kanalnavn": [names.get(k, "") for k in index],
        f"Antal ({label})": a["n"].to_numpy().astype("int64"),
        f"Andel ({label}) (%)": share_a, f"Årligt antal ({label})": a["y"].to_numpy(),
        f"Antal ({other_label})": b["n"].to_numpy().astype("int64"),
        f"Andel ({other_label}) (%)": share_b, f"Årligt antal ({other_label})": b["y"].to_numpy(),
        "Ændring af andel (procentpoint)": share_a - share_b,
        "Ændring af årligt antal (%)": np.where(b["y"].to_numpy() > 0,
                                                 (a["y"].to_numpy() - b["y"].to_numpy()) * 100
                                                 / np.where(b["y"] > 0, b["y"], 1), np.nan),
    })


# -- per unit and department ------------------------------------------------------------------

UNIT_SUMMARY_COLUMNS = ["Afdeling", "Enhed", "Enhedsnavn", "Ansvarlig", "Faktor",
                        "Analoge transaktioner", "Digitale transaktioner",
                        "Informationshenvendelser", "Årlige analoge transaktioner",
                        "Årlige digitale transaktioner", "Årlige informationshenvendelser",
                        "Selvbetjeningsgrad"]


def _with_department(facts: pd.DataFrame, config: Config) -> pd.DataFrame:
    departments = {u: d.name for d in config.departments for u in d.units}
    # object dtype first: with no departments the mapped column is all-NaN float, and filling a
    # float column with "" is deprecated in pandas.
    mapped = facts["enhed"].map(departments).astype(object)
    return facts.assign(afdeling=mapped.where(mapped.notna(), ""))


def table1_by_unit(facts: pd.DataFrame, config: Config, names: dict[str, str],
                   dates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 1 per unit (and its department): the same figures, one row per unit × task.
    ``dates``: the daily rows when ``facts`` is summed over days."""
    shown = task_table(facts, config, ["enhed", "opgave"], names, dates)
    shown.insert(0, "Afdeling", shown["Enhed"].map(lambda u: config.department_of(u) or ""))
    shown["Enhed"] = shown["Enhed"].map(_unit)
    return shown


def unit_summary(facts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per department (when configured) and per unit: the transactions, information contacts,
    yearly figures and self-service rate, with the unit's responsible role; one row per
    department (``Enhed`` = ``I alt``) after its units."""
    f = _with_department(facts, config)
    rows = []
    lcm = int(f["lcm"].iloc[0]) if len(f) else 1

    def figures(g: pd.DataFrame) -> dict:
        by_cat = g.groupby("category")["n"].sum()
        num = g.groupby("category")["ynum"].sum()
        a, d, i = (int(by_cat.get(c, 0)) for c in (ANALOG, DIGITAL, INFORMATION))
        factors = g["factor"].unique()
        return {
            "Faktor": float(factors[0]) if len(factors) == 1 else np.nan,
            "Analoge transaktioner": a, "Digitale transaktioner": d,
            "Informationshenvendelser": i,
            "Årlige analoge transaktioner": round_ratio([num.get(ANALOG, 0)], [lcm], 2)[0],
            "Årlige digitale transaktioner": round_ratio([num.get(DIGITAL, 0)], [lcm], 2)[0],
            "Årlige informationshenvendelser": round_ratio([num.get(INFORMATION, 0)], [lcm], 2)[0],
            "Selvbetjeningsgrad": round_ratio([d * 100], [a + d], 1)[0],
        }

    department_order = {d.name: i for i, d in enumerate(config.departments)}
    for dept, units in sorted(f.groupby("afdeling"),
                              key=lambda kv: (kv[0] == "", department_order.get(kv[0], 0), kv[0])):
        for unit, g in units.groupby("enhed"):
            known = config.units.get(unit)
            rows.append({"Afdeling": dept, "Enhed": _unit(unit),
                         "Enhedsnavn": known.name if known else "",
                         "Ansvarlig": (known.responsible or "") if known else "", **figures(g)})
        if dept:
            rows.append({"Afdeling": dept, "Enhed": TOTAL, "Enhedsnavn": "", "Ansvarlig": "",
                         **figures(units)})
    return pd.DataFrame(rows, columns=UNIT_SUMMARY_COLUMNS)
