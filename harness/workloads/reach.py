"""What a script's process tries to reach beyond what the harness gave it, seen by an audit hook
(``sys.addaudithook``) installed before anything else is imported.

The harness gives ``MLFLOW_PLUGIN_HARNESS_WATCH``: JSON with the directories the process may
write in (``write``) and read from (``read``, besides the operating system's own). Recorded,
once each, as JSON lines in ``LOG``: a file opened for writing or a directory made outside the
write roots, a file read outside the read roots, a Unix socket outside the write roots, and a
TCP connection to the loopback interface that no server of its own (or its children's) listens
on (which ports the run published is the harness's to judge); ``served`` once such a port turns
out to be its own (a server it started, polled before it listened). Recording only: in the
sandbox these attempts fail; without it, they succeed."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

VARIABLE = "MLFLOW_PLUGIN_HARNESS_WATCH"
SYSTEM = ("/usr/", "/lib/", "/lib64/", "/etc/", "/proc/", "/sys/", "/dev/", "/bin/", "/sbin/")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
LOOPBACK = ("127.", "localhost", "::1", "0.0.0.0")


def watch(log: str) -> None:
    """Install the hook, if the harness asked for it."""
    raw = os.environ.get(VARIABLE)
    if raw:
        sys.addaudithook(_Watcher(json.loads(raw), log).hook)


class _Watcher:
    def __init__(self, policy: dict[str, Any], log: str) -> None:
        temp = os.path.realpath(os.environ.get("TMPDIR") or "/tmp")
        here = os.path.dirname(os.path.abspath(__file__))  # the workloads, and their bytecode
        self.write = tuple(_root(p) for p in [*policy.get("write", []), temp, "/dev", here])
        read = [*policy.get("read", []), sys.prefix, sys.base_prefix]
        self.read = tuple(_root(p) for p in read) + self.write + SYSTEM
        self.sandboxed = bool(policy.get("sandboxed"))
        self.log = log
        self.seen: set[tuple[str, str]] = set()
        self.foreign: set[int] = set()  # loopback ports another process listens on
        self.busy = False  # its own opens (the log, /proc) are not the plugin's

    def record(self, what: str, target: str) -> None:
        if (what, target) in self.seen:
            return
        self.seen.add((what, target))
        self.busy = True
        try:
            with open(self.log, "a") as f:
                f.write(json.dumps({"what": what, "target": target}) + "\n")
        except OSError:
            pass
        finally:
            self.busy = False

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.busy:
            return
        if event == "open" and isinstance(args[0], str | bytes) and args[0]:
            self.opened(_absolute(args[0]), args[1], args[2])
        elif event == "os.mkdir" and isinstance(args[0], str | bytes) and args[0]:
            name = _absolute(args[0])
            if not name.startswith(self.write):
                self.record("write", name)
        elif event == "socket.connect":
            self.connected(args[1])

    def opened(self, name: str, mode: Any, flags: Any) -> None:
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing and not name.startswith(self.write):
            self.record("write", name)
        elif not writing and not name.startswith(self.read):
            self.record("read", name)

    def connected(self, address: Any) -> None:
        if isinstance(address, str | bytes) and address:
            name = _absolute(address)
            if not name.startswith(self.write):
                self.record("connect", name)
        elif isinstance(address, tuple) and len(address) >= 2:
            host, port = str(address[0]), address[1]
            if not host.startswith(LOOPBACK) or not isinstance(port, int) or port in self.foreign:
                return
            self.busy = True
            try:
                served = _served_here(port, anywhere=self.sandboxed)
            finally:
                self.busy = False
            target = f"{host}:{port}"
            if served is None:
                self.foreign.add(port)  # another's listener, for good: not checked again
            if not served:
                self.record("connect", target)
            elif ("connect", target) in self.seen:  # it polled a server of its own, now up
                self.record("served", target)


def _served_here(port: int, anywhere: bool) -> bool | None:
    """Whether a socket listening on ``port`` is this process's own or a descendant's (True),
    another's (None), or nobody's yet (False). ``anywhere``: any in this network namespace, which
    in the sandbox is the container's, not the host's."""
    inodes = _listening(port)
    if not inodes:
        return False
    if anywhere:
        return True
    parents = _parents()
    for pid in [p for p in parents if _descends(p, parents)]:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for name in names:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{name}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    return None


def _listening(port: int) -> set[str]:
    """The inodes of the sockets listening on ``port`` in this network namespace."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    return inodes


def _parents() -> dict[int, int]:
    """Every visible process's parent, by pid."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            parents[int(name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descends(pid: int, parents: dict[int, int]) -> bool:
    """Whether ``pid`` is this process or one of its descendants."""
    me = os.getpid()
    for _ in range(64):
        if pid == me:
            return True
        if pid <= 1 or pid not in parents:
            return False
        pid = parents[pid]
    return False


def _root(path: str) -> str:
    return os.path.realpath(path).rstrip("/") + "/"


def _absolute(path: str | bytes) -> str:
    text = os.fsdecode(path)
    if text.startswith("\0"):  # an abstract Unix socket
        return text
    return os.path.abspath(text)
