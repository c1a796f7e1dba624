"""The SQLite engine (the default): one database file shared by every process on the host.

Imported through ``storage.open`` for a file location. Plain ``sqlite3`` on the registration path;
sqlite-utils only for migrations.
"""
