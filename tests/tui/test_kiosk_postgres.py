"""The kiosk on a PostgreSQL database (Pilot): a registration is saved on the server; with the
server stopped the entry stays on screen IKKE GEMT with a Danish reason, and once the server is
back, Enter saves it exactly once on a connection the store opened by itself."""

from __future__ import annotations

import psycopg
import pytest

import dbrows
import pg_server as pgs
from storage.open import open_store
from tui.app import make_app

from support import screen_text, settle

pytestmark = pytest.mark.postgresql

SIZE = (80, 24)


async def press(app, pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(app, pilot)


@pytest.fixture(scope="module")
def own_server(pg_server):
    server = pgs.start_server("taelleuge-pgkiosk")
    try:
        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE kiosk")
        yield server
    finally:
        server.destroy()


async def test_a_kiosk_registers_on_the_server(config, clock, pg_database):
    with open_store(pg_database, station="test-station", operator="tester", clock=clock) as store:
        app = make_app(config, store, clock=clock, enhed="999borgerservice")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await press(app, pilot, "1", "o")
            assert "Gemt" in screen_text(app, "#message")
    [(station, opgave)] = dbrows.query(pg_database, "SELECT station, opgave FROM registrations")
    assert (station, opgave) == ("test-station", "23.05.10")


async def test_server_down_keeps_the_entry_and_enter_saves_it_once_when_back(config, clock, own_server):
    url = own_server.url("kiosk")
    with open_store(url, station="test-station", operator="tester", clock=clock, create=True) as store:
        app = make_app(config, store, clock=clock, enhed="999borgerservice")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            own_server.stop()
            try:
                await press(app, pilot, "1", "o")
                message = screen_text(app, "#message")
                assert "IKKE GEMT" in message and "23.05.10" in message
                assert "databaseserveren" in message.lower()
            finally:
                own_server.start()
            await press(app, pilot, "enter")
            assert "Gemt" in screen_text(app, "#message")
    assert dbrows.count(url) == 1


async def test_a_server_restart_between_entries_goes_unnoticed(config, clock, own_server):
    """The restart kills the kiosk's idle connection; the next entry is saved on a new one the
    store opened by itself, with no IKKE GEMT on screen."""
    with psycopg.connect(own_server.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE kiosk_restart")
    url = own_server.url("kiosk_restart")
    with open_store(url, station="test-station", operator="tester", clock=clock, create=True) as store:
        app = make_app(config, store, clock=clock, enhed="999borgerservice")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await press(app, pilot, "1", "o")
            assert "Gemt" in screen_text(app, "#message")
            generation = store.generation
            own_server.restart()
            clock.advance(seconds=30)
            await press(app, pilot, "1", "o")
            message = screen_text(app, "#message")
            assert "Gemt" in message and "IKKE GEMT" not in message
            assert store.generation == generation + 1
    assert dbrows.count(url) == 2


async def test_a_commit_whose_answer_is_lost_is_shown_saved_and_stored_once(config, clock, own_server):
    """The server commits, the answer never arrives (tests/cutting_proxy.py): the store's retry on
    a new connection finds the row, the screen says Gemt, and the row is there once."""
    from cutting_proxy import CuttingProxy

    with psycopg.connect(own_server.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE kiosk_cut")
    proxy = CuttingProxy(own_server.port)
    url = proxy.url("kiosk_cut", pgs.SUPERUSER, pgs.SUPERUSER_PASSWORD)
    try:
        with open_store(url, station="test-station", operator="tester", clock=clock, create=True) as store:
            app = make_app(config, store, clock=clock, enhed="999borgerservice")
            async with app.run_test(size=SIZE) as pilot:
                await settle(app, pilot)
                proxy.arm(1)
                await press(app, pilot, "1", "o")
                message = screen_text(app, "#message")
                assert "Gemt" in message and "IKKE GEMT" not in message
                assert proxy.cuts == 1
    finally:
        proxy.close()
    assert dbrows.count(own_server.url("kiosk_cut")) == 1


async def test_giving_up_an_entry_that_was_stored_after_all_keeps_it_counted(config, clock, own_server, monkeypatch):
    """The COMMIT lands, its answer is lost and the server cannot be asked (the proxy refuses new
    connections): IKKE GEMT. Back online, Esc asks the database before giving up: the entry is
    there, so the desk says so and counts it, instead of "Opgivet, IKKE gemt" (which made staff
    type it again: counted twice)."""
    from cutting_proxy import CuttingProxy
    from tui.screens import register
    from tui.screens.dialogs import Confirm

    monkeypatch.setattr(register, "RETRY_AFTER", 3600.0)  # Esc, not the automatic retry, decides
    with psycopg.connect(own_server.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE kiosk_give_up")
    proxy = CuttingProxy(own_server.port)
    url = proxy.url("kiosk_give_up", pgs.SUPERUSER, pgs.SUPERUSER_PASSWORD)
    try:
        with open_store(url, station="test-station", operator="tester", clock=clock, create=True) as store:
            app = make_app(config, store, clock=clock, enhed="999borgerservice")
            async with app.run_test(size=SIZE) as pilot:
                await settle(app, pilot)
                proxy.arm(1, refuse_after=True)
                await press(app, pilot, "1", "o")
                message = screen_text(app, "#message")
                assert "IKKE GEMT" in message and "uvist" in message
                await press(app, pilot, "escape")  # the server still cannot be asked: say so
                assert isinstance(app.screen, Confirm)
                shown = "\n".join(str(w.render()) for w in app.screen.query("Static"))
                assert "Det kan ikke ses, om den blev gemt" in shown and "IKKE gemt" not in shown
                clock.advance(seconds=2)
                await press(app, pilot, "n")  # keep it
                assert app.screen.failed
                proxy.allow()
                clock.advance(seconds=2)
                await press(app, pilot, "escape")
                assert not isinstance(app.screen, Confirm)
                message = screen_text(app, "#message")
                assert "Den blev alligevel gemt" in message and "Opgivet" not in message
                assert app.screen.failed == [] and app.screen.unsaved() == 0
    finally:
        proxy.close()
    assert dbrows.count(own_server.url("kiosk_give_up")) == 1


async def test_giving_up_an_entry_that_is_not_stored_still_asks(config, clock, pg_database):
    """The check finds nothing (a table lock made the write fail as busy): the usual question."""
    from tui.screens import register
    from tui.screens.dialogs import Confirm

    url = pg_database + "&options=" + "-c%20lock_timeout%3D100"
    with open_store(url, station="test-station", operator="tester", clock=clock) as store:
        app = make_app(config, store, clock=clock, enhed="999borgerservice")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            holder = psycopg.connect(pg_database)
            try:
                holder.execute("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE")
                register.RETRY_AFTER, kept = 3600.0, register.RETRY_AFTER
                try:
                    await press(app, pilot, "1", "o")
                finally:
                    register.RETRY_AFTER = kept
                message = screen_text(app, "#message")
                assert "IKKE GEMT" in message and "optaget" in message
            finally:
                holder.rollback()
                holder.close()
            await press(app, pilot, "escape")
            assert isinstance(app.screen, Confirm)
            clock.advance(seconds=2)  # a key, not a bounce of Esc
            await press(app, pilot, "j")
            assert "Opgivet, IKKE gemt" in screen_text(app, "#message")
    assert dbrows.count(pg_database) == 0


async def test_a_locked_table_shows_ikke_gemt_busy_and_the_retry_saves_once(config, clock, pg_database):
    """LOCK TABLE held by another session: the write ends at lock_timeout as DatabaseBusy (IKKE
    GEMT, "optaget", retried), not an endless "Gemmer … venter på databasen"; once the lock is
    released, Enter saves it once."""
    url = pg_database + "&options=" + "-c%20lock_timeout%3D100"
    with open_store(url, station="test-station", operator="tester", clock=clock) as store:
        app = make_app(config, store, clock=clock, enhed="999borgerservice")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            holder = psycopg.connect(pg_database)
            try:
                holder.execute("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE")
                await press(app, pilot, "1", "o")
                message = screen_text(app, "#message")
                assert "IKKE GEMT" in message and "optaget" in message
                assert "venter på databasen" not in message
            finally:
                holder.rollback()
                holder.close()
            clock.advance(seconds=2)
            await press(app, pilot, "enter")
            assert "Gemt" in screen_text(app, "#message")
    assert dbrows.count(pg_database) == 1
