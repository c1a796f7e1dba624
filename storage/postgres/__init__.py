"""The PostgreSQL engine (psycopg 3), selected by a ``postgresql://`` or ``postgres://`` location.

Imported only through ``storage.open`` when the configured database is a server: the kiosk path
on SQLite never loads psycopg.
"""
