"""A TCP proxy on loopback that misbehaves on purpose, between a real client and a real server.

Modes: "pass" forwards; "cut" forwards the request, waits until the server has answered (so
the server has done the work) and then closes the client's connection without the answer;
"error" answers HTTP 500 itself; "slow" waits `delay` seconds before forwarding.
"""

from __future__ import annotations

import socket
import threading
import time


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.mode = "pass"
        self.delay = 0.0
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        mode = self.mode
        try:
            if mode == "error":
                client.recv(65536)
                client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            if mode == "slow":
                time.sleep(self.delay)
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        if mode == "cut":
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            try:
                upstream.recv(1)  # the server has finished the request and started answering
            except OSError:
                pass
            self.cuts += 1
            client.shutdown(socket.SHUT_RDWR)
            client.close()
            upstream.close()
            return
        threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
        self._pipe(upstream, client)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
