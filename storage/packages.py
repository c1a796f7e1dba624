"""Shared task packages: ``[[pakke]]`` tables that units name in ``pakker``, so 23 units do not
repeat the same 40 tasks.

A unit's task list is its packages' items in the order named, then the unit's own ``opgaver``:
an own task whose KLE number a package already has replaces that task in its place (its name,
e.g. a local wording); an own group named as a package group adds its tasks to that group (or
replaces them, by KLE number); anything else is added at the end. Everything downstream (the
desk, the exports, the report, ``opsaetning``) sees only the merged list in ``Unit.package``.

Called from ``storage.config`` (which defines Task and Group and reads the items): the errors
name the unit and the package, in Danish, because the coordinator edits this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .config import Group, PackageItem, Task
from .wording import plural

PACKAGE_KEYS = {"navn", "opgave", "opgaver"}


def parse_packages(r, raw: Any, read_items: Callable[..., tuple[PackageItem, ...]]
                   ) -> dict[str, tuple[PackageItem, ...]]:
    """``[[pakke]]`` with ``navn`` and its tasks (``[[pakke.opgave]]`` or ``opgaver = [...]``,
    the same fields as a unit's tasks): name → items, in file order."""
    packages: dict[str, tuple[PackageItem, ...]] = {}
    for i, entry in enumerate(r.list_of_tables(raw if raw is not None else [], "pakke")):
        key = f"pakke[{i}]"
        r.no_unknown(entry, PACKAGE_KEYS, key)
        name = r.text(entry, "navn", key)
        if name in packages:
            raise r.fail(f"{key}.navn", f'pakken "{name}" står der to gange; giv hver pakke sit eget navn')
        if "opgave" in entry and "opgaver" in entry:
            raise r.fail(key, f'pakken "{name}" har både opgave og opgaver; brug én af dem')
        field = "opgaver" if "opgaver" in entry else "opgave"
        packages[name] = read_items(r, entry.get(field), f"{key}.{field}", nested=False)
    return packages


def package_names(r, entry: dict[str, Any], key: str, unit: str,
                  packages: dict[str, tuple[PackageItem, ...]]) -> tuple[str, ...]:
    """A unit's ``pakker``: known package names, each once."""
    if "pakker" not in entry:
        return ()
    names = r.texts(entry, "pakker", key)
    for j, name in enumerate(names):
        if name not in packages:
            known = ", ".join(f'"{n}"' for n in packages) or "ingen ([[pakke]] mangler)"
            raise r.fail(f"{key}.pakker[{j}]", f'enheden "{unit}" bruger pakken "{name}", som ikke '
                                               f"findes (kendte pakker: {known})")
        if name in names[:j]:
            raise r.fail(f"{key}.pakker[{j}]", f'enheden "{unit}" nævner pakken "{name}" to gange')
    return names


def _tasks(item: PackageItem) -> tuple[Task, ...]:
    return item.tasks if isinstance(item, Group) else (item,)


def merge(r, key: str, unit: str, names: tuple[str, ...],
          packages: dict[str, tuple[PackageItem, ...]], own: tuple[PackageItem, ...], task_keys: str
          ) -> tuple[PackageItem, ...]:
    """The unit's task list: its packages' items, then its own (see the module's docstring).
    ``task_keys``: step 1's keys (storage.keys.task_keys), one per item on each level."""
    items: list[PackageItem] = []
    origin: dict[str, str] = {}  # KLE number → the package that brought it
    for name in names:
        for item in packages[name]:
            for task in _tasks(item):
                if task.kle in origin:
                    raise r.fail(f"{key}.pakker", f'enheden "{unit}": KLE-nummeret {task.kle} står i både '
                                                  f'pakken "{origin[task.kle]}" og pakken "{name}"; '
                                                  "fjern det fra den ene")
                origin[task.kle] = name
            items.append(item)
    for i, item in enumerate(own):
        where = f"{key}.opgaver[{i}]"
        if isinstance(item, Task) and item.kle in origin:
            items = [_replaced(x, item) for x in items]
            continue
        same = next((j for j, x in enumerate(items) if isinstance(x, Group) and isinstance(item, Group)
                     and x.name == item.name), None)
        if same is not None:
            items[same] = _extended(items[same], item)
            continue
        for task in _tasks(item):
            if task.kle in origin:
                raise r.fail(where, f'enheden "{unit}": KLE-nummeret {task.kle} står allerede i pakken '
                                    f'"{origin[task.kle]}"; skriv det som en enkelt opgave (ikke i en '
                                    "ny gruppe) for at give det et andet navn")
        items.append(item)
    _check_keys(r, key, unit, names, items, task_keys)
    return tuple(items)


def _replaced(item: PackageItem, own: Task) -> PackageItem:
    """``item`` with the task of ``own``'s KLE number renamed as the unit wants it."""
    if isinstance(item, Group):
        return replace(item, tasks=tuple(own if t.kle == own.kle else t for t in item.tasks))
    return own if item.kle == own.kle else item


def _extended(group: Group, own: Group) -> Group:
    """A package group with the unit's group of the same name: same KLE replaced, new added."""
    tasks = list(group.tasks)
    for task in own.tasks:
        at = next((j for j, t in enumerate(tasks) if t.kle == task.kle), None)
        if at is None:
            tasks.append(task)
        else:
            tasks[at] = task
    return replace(group, tasks=tuple(tasks))


def _check_keys(r, key: str, unit: str, names: tuple[str, ...], items: list[PackageItem],
                task_keys: str) -> None:
    """After merging, every task is there once and every item still has a key of its own (1-9
    then the letters no type, HOLD or blanket uses, per level). Called for units with packages
    only: an own list is checked as read."""
    packs = ", ".join(f'"{n}"' for n in names)
    seen: set[str] = set()
    for item in items:
        for task in _tasks(item):
            if task.kle in seen:  # a task of the unit's own list that a package group also has
                raise r.fail(key, f'enheden "{unit}": KLE-nummeret {task.kle} står to gange, når pakkerne '
                                  f"{packs} lægges sammen med enhedens egne opgaver")
            seen.add(task.kle)
    room = (f"{len(task_keys)} taster (1-9 og de bogstaver, som typerne, HOLD, blanket og svarene "
            "j/y/n ikke bruger)")
    if len(items) > len(task_keys):
        raise r.fail(key, f'enheden "{unit}" får {len(items)} punkter med pakkerne {packs} og sine egne '
                          f"opgaver; der er kun {room}: saml nogle i grupper")
    for item in items:
        if isinstance(item, Group) and len(item.tasks) > len(task_keys):
            raise r.fail(key, f'enheden "{unit}": gruppen "{item.name}" får '
                              f'{plural(len(item.tasks), "opgave", "opgaver")} med pakkerne {packs}; '
                              f"højst {room}")
