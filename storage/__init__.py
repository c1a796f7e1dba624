"""Tælleuge's storage: config, codebook and the append-only registration store.

Never imports textual (a test proves it) and keeps ``sqlite_utils`` off the registration path.
"""

from .config import Config, CountWeek, Group, Question, Task, Unit
from .errors import ConfigError, NotInitialised, Refusal, TaelleugeError
from .registration import DATAKILDE, VOID_REASONS, Entry, Registration, new_entry
from .sqlite.store import Store, schema_status

__all__ = [
    "Config", "ConfigError", "CountWeek", "DATAKILDE", "Entry", "Group", "NotInitialised",
    "Question", "Refusal", "Registration", "Store", "TaelleugeError", "Task", "Unit",
    "VOID_REASONS", "new_entry", "schema_status",
]
