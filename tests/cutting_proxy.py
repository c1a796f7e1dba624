"""A TCP proxy in front of a PostgreSQL server that can lose a commit's answer on purpose.

``arm(n)``: the next ``n`` connections that send a COMMIT have it forwarded to the server, and
then, when the server's answer comes back (the commit is durable by then), the answer is dropped
and both sockets are closed. The client sees a dead connection and cannot know whether its
transaction committed: the case a retry must get right without counting twice.

``arm(n, refuse_after=True)``: after a cut, new connections are closed at once (the server seems
gone) until ``allow()``. ``arm(n, stall=True)``: the answer is swallowed but the sockets stay
open, so the client waits for an answer that never comes (a hung server)."""

from __future__ import annotations

import socket
import threading


class CuttingProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.listener = socket.create_server((host, 0))
        self.port = self.listener.getsockname()[1]
        self._armed = 0
        self.cuts = 0  # commits whose answer was dropped
        self._lock = threading.Lock()
        self._closed = False
        self.refusing = False
        self._refuse_after = False
        self._stall = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, times: int = 1, *, refuse_after: bool = False, stall: bool = False) -> None:
        with self._lock:
            self._armed = times
            self._refuse_after = refuse_after
            self._stall = stall

    def allow(self) -> None:
        """New connections reach the server again."""
        self.refusing = False

    def url(self, dbname: str, user: str, password: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def close(self) -> None:
        self._closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                _close(client)
                continue
            server = socket.create_connection(self.target)
            state = {"commit_sent": False}
            threading.Thread(target=self._upstream, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, state), daemon=True).start()

    def _take_arm(self) -> bool:
        with self._lock:
            if self._armed > 0:
                self._armed -= 1
                return True
            return False

    def _upstream(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        try:
            while data := client.recv(65536):
                # A simple-protocol Query message whose text is COMMIT (psycopg's transaction end).
                if not state["commit_sent"] and b"Q\x00\x00\x00\x0bCOMMIT\x00" in data and self._take_arm():
                    state["commit_sent"] = True
                server.sendall(data)
        except OSError:
            pass
        finally:
            _close(server)

    def _downstream(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        try:
            while data := server.recv(65536):
                if state["commit_sent"]:  # the COMMIT's answer: the commit happened; lose it
                    self.cuts += 1
                    if self._refuse_after:
                        self.refusing = True
                    if self._stall:
                        state["stalled"] = True
                        while not self._closed and server.recv(65536):
                            pass  # swallow everything; the client hears nothing
                    break
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(server)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
