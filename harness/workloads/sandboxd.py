"""The sandbox's own processes, run by the image's Python (never the plugin's environment).

``sandboxd.py init``
    The container's first process: it reaps the orphans a plugin leaves behind, so that they
    do not fill the container's PID limit, and exits on SIGTERM.
``sandboxd.py forward``
    Reads ``PORT HOST TARGET_PORT`` lines on stdin. For each it listens on 127.0.0.1:PORT
    inside the sandbox and relays every connection to HOST:TARGET_PORT on the run's network,
    then answers ``ok PORT`` (or ``error PORT WHY``). A service is published on the host's
    127.0.0.1:PORT, so its URIs are the same in the sandbox as on the host, while nothing else
    on the host's loopback can be reached. It exits when stdin closes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading


def init() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        signal.pause()
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(1 << 16):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _relay(client: socket.socket, host: str, port: int) -> None:
    try:
        upstream = socket.create_connection((host, port), timeout=30)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
    _pump(upstream, client)
    client.close()
    upstream.close()


def _serve(listener: socket.socket, host: str, port: int) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(client, host, port), daemon=True).start()


def forward() -> None:
    for line in sys.stdin:
        try:
            listen, host, target = line.split()
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", int(listen)))
            listener.listen(128)
        except (OSError, ValueError) as exc:
            print(f"error {line.split()[0] if line.split() else '?'} {exc}", flush=True)
            continue
        threading.Thread(target=_serve, args=(listener, host, int(target)), daemon=True).start()
        print(f"ok {listen}", flush=True)


if __name__ == "__main__":
    {"init": init, "forward": forward}[sys.argv[1]]()
