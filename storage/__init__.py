"""Tælleuge's storage: config, codebook, the record model and the store interface with its two
engines (storage.sqlite, the default; storage.postgres).

Never imports textual (a test proves it) and keeps ``sqlite_utils`` off the registration path.
The engines load only through ``storage.open.open_store``.
"""

from .config import Config, CountWeek, Group, Question, Task, Unit
from .errors import ConfigError, NotInitialised, Refusal, TaelleugeError
from .interface import Store
from .model import Registration
from .open import open_store
from .registration import DATAKILDE, VOID_REASONS, Entry, new_entry

__all__ = [
    "Config", "ConfigError", "CountWeek", "DATAKILDE", "Entry", "Group", "NotInitialised",
    "Question", "Refusal", "Registration", "Store", "TaelleugeError", "Task", "Unit",
    "VOID_REASONS", "new_entry", "open_store",
]
