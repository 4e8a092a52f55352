"""The fork server, inside the plugin environment: preload third-party modules once, then fork
one child per script, each running ``main.py`` exactly as a new interpreter would.

``forkserver.py plan PLUGIN_DIST OUT.json``
    Import MLflow (and the stores the workloads use) in this throwaway process and write the
    modules it loaded that belong to MLflow's dependencies (or the harness's database drivers):
    never ``mlflow`` itself, never the plugin's distribution, never a module of no distribution.
``forkserver.py serve SOCKET PLAN.json``
    Import the plan's modules, one by one. A module whose import starts a thread or opens a
    socket is not fork-safe: say so (``{"unsafe": name}``) and exit 3, so the harness can leave
    it out and start again. Then print ``{"ready": ...}`` and serve on the Unix socket SOCKET:
    each connection sends ``LENGTH JSON`` (argv, cwd, env, and ``exec`` for a new interpreter)
    with one file descriptor for the child's output; the answer is ``{"pid": N}`` then
    ``{"status": RETURNCODE}``. Meanwhile the harness may send ``{"signal": N, "group": BOOL}``
    lines on the connection: the server signals the child (or its process group), which is how
    a child in a sandbox, another PID namespace, is stopped. A plan file ``-`` preloads nothing:
    a supervisor of ``exec`` children only.

The child runs ``import mlflow`` and the plugin's entry points itself: it shares no state the
plugin created with any other process. The server exits when its stdin closes (the harness has
gone), killing the children it forked."""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.metadata
import json
import os
import re
import runpy
import selectors
import signal
import socket
import struct
import sys
import threading
import time
from typing import Any

# The MLflow modules the workloads and MLflow's own stores import; the plan keeps the
# third-party modules they pull in.
MLFLOW_MODULES = (
    "mlflow",
    "mlflow.tracking",
    "mlflow.pyfunc",
    "mlflow.sklearn",
    "mlflow.data",
    "mlflow.deployments",
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.model_registry.sqlalchemy_store",
    "mlflow.store.artifact.s3_artifact_repo",
)
# The database clients the harness installs for MLflow's own stores, and the SQLAlchemy
# dialects that load them.
DRIVER_MODULES = (
    "psycopg2",
    "psycopg",
    "pymysql",
    "boto3",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "sqlalchemy.dialects.postgresql.psycopg2",
    "sqlalchemy.dialects.mysql.pymysql",
)
DRIVER_DISTRIBUTIONS = ("psycopg2-binary", "psycopg", "psycopg-binary", "pymysql", "boto3")
OWN = {"mlflow", "mlflow-skinny", "mlflow-tracing"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(roots: list[str]) -> set[str]:
    """Every distribution the roots require, recursively (markers evaluated, extras not taken)."""
    from packaging.requirements import Requirement  # MLflow depends on packaging

    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def plan(plugin_distribution: str, out: str) -> None:
    before = set(sys.modules)
    for name in (*MLFLOW_MODULES, *DRIVER_MODULES):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    allowed = _closure(["mlflow", *DRIVER_DISTRIBUTIONS]) - OWN - {_canonical(plugin_distribution)}
    owners = {
        top: {_canonical(d) for d in dists}
        for top, dists in importlib.metadata.packages_distributions().items()
    }
    stdlib = sys.stdlib_module_names
    modules = []
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if name in before or name.startswith("__"):
            continue
        if top in stdlib or (owners.get(top) and owners[top] <= allowed):
            modules.append(name)
    with open(out, "w") as f:
        json.dump({"modules": modules, "distributions": sorted(allowed)}, f)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


class _EnvironReads:
    """Records the environment variables read through ``os.environ`` while it is installed."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self._saved = (type(os.environ).__getitem__, type(os.environ).__contains__)

    def __enter__(self) -> _EnvironReads:
        cls, (getitem, contains) = type(os.environ), self._saved
        keys = self.keys

        def recording_getitem(environ: Any, key: str) -> str:
            keys.add(key)
            return getitem(environ, key)

        def recording_contains(environ: Any, key: object) -> bool:
            keys.add(str(key))
            return contains(environ, key)

        cls.__getitem__ = recording_getitem  # type: ignore[method-assign]
        cls.__contains__ = recording_contains  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        cls = type(os.environ)
        cls.__getitem__, cls.__contains__ = self._saved  # type: ignore[method-assign]


def preload(modules: list[str]) -> tuple[int, list[str]]:
    """Import ``modules``; exit 3 at the first one that is not fork-safe."""
    threads, sockets, loaded = _threads(), _sockets(), 0
    with _EnvironReads() as reads:
        for name in modules:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
                loaded += 1
            except BaseException:  # noqa: BLE001 - a module that cannot load alone is skipped
                continue
            if _threads() != threads or _sockets() != sockets or threading.active_count() > 1:
                print(json.dumps({"unsafe": name}), flush=True)
                os._exit(3)
    return loaded, sorted(reads.keys)


def _receive(conn: socket.socket) -> tuple[dict[str, Any], int]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 1)
    if len(data) < 4 or len(fds) != 1:
        raise ValueError("malformed request")
    (length,) = struct.unpack("!I", data[:4])
    data = data[4:]
    while len(data) < length:
        chunk = conn.recv(length - len(data))
        if not chunk:
            raise ValueError("request cut short")
        data += chunk
    request: dict[str, Any] = json.loads(data)
    return request, fds[0]


class Child(BaseException):
    """Raised in a forked child, out of the server's loop, so that ``main.py`` runs at the top
    of the stack and the interpreter ends as ``python main.py`` does: an uncaught error printed
    with exit code 1, ``sys.exit`` honoured, threads joined, atexit run, files flushed."""

    def __init__(self, request: dict[str, Any], output: int) -> None:
        super().__init__()
        self.request, self.output = request, output

    def become(self) -> None:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(self.output, 1)
        os.dup2(self.output, 2)
        os.close(null)
        os.close(self.output)
        os.chdir(self.request["cwd"])
        os.environ.clear()
        os.environ.update(self.request["env"])
        if self.request.get("exec"):  # a new interpreter: nothing of the server's survives
            argv = self.request["argv"]
            os.execve(argv[0], argv, self.request["env"])
        sys.argv = list(self.request["argv"][1:])
        runpy.run_path(sys.argv[0], run_name="__main__")


def _bindable(path: str) -> str:
    """``path`` within AF_UNIX's 108 bytes: a long one is reached through a descriptor of its
    directory (kept open while the server lives)."""
    if len(path.encode()) < 100:
        return path
    directory = os.open(os.path.dirname(path), os.O_PATH)
    return f"/proc/self/fd/{directory}/{os.path.basename(path)}"


class Server:
    def __init__(self, path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(_bindable(path))
        self.listener.listen(64)
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.children: dict[int, socket.socket] = {}
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "reap")
        self.selector.register(0, selectors.EVENT_READ, "stdin")

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select(timeout=1.0):
                if isinstance(key.data, int):
                    self._signal(key.fileobj, key.data)  # type: ignore[arg-type]
                elif key.data == "accept":
                    self._fork(self.listener.accept()[0])
                elif key.data == "stdin" and not os.read(0, 1 << 12):
                    return self._shutdown()
                elif key.data == "reap":
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wake_r, 512)
            self._reap()

    def _fork(self, conn: socket.socket) -> None:
        try:
            request, output = _receive(conn)
        except (OSError, ValueError):
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._release(conn)
            raise Child(request, output)
        os.close(output)
        self.children[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, pid)
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")

    def _signal(self, conn: socket.socket, pid: int) -> None:
        """The harness's ``{"signal": N, "group": BOOL}`` lines for one child."""
        try:
            data = conn.recv(1 << 12)
        except OSError:
            data = b""
        if not data:  # the harness closed its end: nothing more to read
            self.selector.unregister(conn)
            return
        for line in data.splitlines():
            with contextlib.suppress(ValueError, OSError, KeyError):
                message = json.loads(line)
                kill = os.killpg if message.get("group") else os.kill
                kill(pid, int(message["signal"]))

    def _release(self, conn: socket.socket) -> None:
        """In a child: close everything of the server's."""
        self.selector.close()
        for sock in (self.listener, conn, *self.children.values()):
            sock.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        self.children.clear()

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(conn)
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"status": _returncode(status)}).encode() + b"\n")
                conn.close()

    def _shutdown(self) -> None:
        for pid in self.children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def _returncode(status: int) -> int:
    """As ``subprocess`` reports it: the exit code, or minus the signal that killed it."""
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(path: str, plan_file: str) -> None:
    started = time.monotonic()
    modules: list[str] = []
    if plan_file != "-":
        with open(plan_file) as f:
            modules = json.load(f)["modules"]
    loaded, environ = preload(modules)
    # What was preloaded lives as long as any child: outside the cyclic collector, so that no
    # child's collections (the one at its exit above all) walk it and copy its pages.
    gc.freeze()
    server = Server(path)
    ready = {
        "ready": True,
        "pid": os.getpid(),
        "preloaded": loaded,
        "environ": environ,
        "seconds": round(time.monotonic() - started, 3),
    }
    print(json.dumps(ready), flush=True)
    server.serve()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "plan":
        plan(*args)
    elif command == "serve":
        child = None
        try:
            serve(*args)
        except Child as forked:
            child = forked.with_traceback(None)
        if child is not None:  # a forked child, the server's frames and exception gone
            child.become()
    else:
        sys.exit(f"forkserver.py: unknown command {command!r}")
