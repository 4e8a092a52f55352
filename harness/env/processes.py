"""How a script's process starts in a plugin environment: a new interpreter (``Fresh``), or a
child forked from a server that preloaded MLflow's third-party dependencies (``ForkServer``).

Either way the process has its own process group, a timeout after which its threads' stacks are
printed (SIGTERM, which ``main.py`` hands to faulthandler) before it is killed, and its output
captured; a process that dies is told apart from one that answers. A forked child imports
MLflow and the plugin itself, so it shares nothing the plugin created with any other process."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from harness.model.errors import InfrastructureError

WORKLOADS = Path(__file__).resolve().parents[1] / "workloads"
SERVER = WORKLOADS / "forkserver.py"
# Native libraries read these at load time, not through os.environ: a child whose value differs
# from the server's runs fresh. Both modes set them, so no thread pool starts at import.
NATIVE = {"OPENBLAS_NUM_THREADS": "1", "JE_ARROW_MALLOC_CONF": "background_thread:false"}
TEMP_PREFIX = "mlflow-plugin-harness-"  # every temp dir of a run; swept once its process is gone


class Died(Exception):
    """The process hung or exited without answering; ``output`` is what it printed."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


class Launcher(Protocol):
    def run(
        self, command: str, argv: list[str], cwd: Path, env: dict[str, str], timeout: float
    ) -> str: ...

    @property
    def fresh(self) -> Launcher:
        """How a script that must start in a new interpreter runs beside this launcher's."""
        ...

    def summary(self) -> str: ...


def _how(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


@dataclass
class Fresh:
    """Every script in a new interpreter."""

    mode: str = "fresh processes"
    started: int = 0

    @property
    def fresh(self) -> Fresh:
        return self

    def summary(self) -> str:
        return f"{self.mode}: {self.started} started"

    def run(
        self, command: str, argv: list[str], cwd: Path, env: dict[str, str], timeout: float
    ) -> str:
        self.started += 1
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGTERM)  # main.py prints its threads' stacks, then hangs on
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.communicate(timeout=3)
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            raise Died(f"{command} hung: no answer within {timeout:g} s", _text(out)) from None
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        if proc.returncode != 0:
            raise Died(
                f"{command} crashed: its process {_how(proc.returncode)} without answering",
                _text(out),
            )
        return _text(out)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


Wrap = Callable[[list[str], Path, dict[str, str]], tuple[list[str], dict[str, str]]]


def on_host(argv: list[str], _cwd: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """A process started on the host runs as asked."""
    return argv, env


@dataclass
class ForkServer:
    """A server in one plugin environment; ``run`` forks a child of it per script. Scripts whose
    environment differs from the server's in a variable its preloaded modules read run fresh.

    With ``preload`` off it is a supervisor: it preloads nothing and starts every script in a
    new interpreter (fork, then exec), which is how fresh processes run in a sandbox. ``wrap``
    says how the server's own process starts (``docker exec`` in a sandbox), ``scripts`` where
    the workloads are as its processes see them, ``directory`` where its socket lives."""

    python: Path
    base_env: dict[str, str]
    plugin: str
    wrap: Wrap = on_host
    scripts: Path = WORKLOADS
    directory: Path | None = None
    preload: bool = True
    fallback: Launcher = field(default_factory=Fresh)  # fresh scripts, beside the forked ones
    mode: str = "fork server"
    preloaded: int = 0
    environ: frozenset[str] = frozenset()
    counts: Counter[str] = field(default_factory=Counter)
    _proc: subprocess.Popen[bytes] | None = None
    _dir: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _starting: threading.Thread | None = None
    failed: str = ""  # why the server could not start: every script then runs fresh

    @property
    def fresh(self) -> Launcher:
        return self if not self.preload else self.fallback

    def begin(self) -> None:
        """Start the server in the background (beside the services starting); the first
        ``run`` waits for it."""
        self._starting = threading.Thread(target=self._start_or_fail, daemon=True)
        self._starting.start()

    def _start_or_fail(self) -> None:
        try:
            self.start()
        except Exception as exc:  # noqa: BLE001 - scripts then run fresh, and the report says why
            self.failed = str(exc)
            self.mode = f"fresh processes (the fork server could not start: {exc})"

    def _ready(self) -> bool:
        if self._starting is not None:
            self._starting.join()
        return not self.failed

    @property
    def socket_path(self) -> Path:
        assert self._dir is not None
        return self._dir / "s"

    def start(self, timeout: float = 120) -> None:
        """Plan the preload (once per environment), start the server, wait until it serves.
        A module the server finds unsafe to fork is left out and the server started again.
        ``timeout`` bounds each step: a plugin that hangs at import must not hold runs up."""
        if self.directory is not None:
            self._dir = self.directory
        else:
            self._dir = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-fork-"))
        if not self.preload:
            answer = self._spawn(None, timeout)
            if "ready" not in answer:
                raise InfrastructureError(f"the process supervisor did not start: {answer}")
            self.mode = "fresh processes"
            return
        plan = self._plan(timeout)
        for _ in range(8):
            answer = self._spawn(plan, timeout)
            if "ready" in answer:
                self.preloaded = int(answer["preloaded"])
                self.environ = frozenset(answer["environ"]) | frozenset(NATIVE)
                self.mode = f"fork server ({self.preloaded} modules preloaded)"
                return
            self._stop()
            data = json.loads(plan.read_text())
            data["modules"].remove(answer["unsafe"])
            data.setdefault("unsafe", []).append(answer["unsafe"])
            partial = plan.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(data))
            partial.replace(plan)
        raise InfrastructureError("the fork server found no fork-safe preload after 8 tries")

    def _plan(self, timeout: float) -> Path:
        """The preload plan, kept in the environment; made by a throwaway process that writes
        it into the server's directory (an environment is read-only in a sandbox)."""
        assert self._dir is not None
        key = hashlib.sha256(SERVER.read_bytes() + self.plugin.encode()).hexdigest()[:12]
        plan = self.python.parent.parent / f"harness-preload-{key}.json"
        if not plan.exists():
            made = self._dir / "plan.json"
            argv = [str(self.python), str(SERVER), "plan", self.plugin, str(made)]
            self.fallback.run("fork server plan", argv, self._dir, self.base_env, timeout)
            partial = plan.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(made.read_text())
            partial.replace(plan)
        return plan

    def _inside(self, argv: list[str]) -> list[str]:
        """``argv`` with the workloads' paths as the server's processes see them."""
        host, seen = str(WORKLOADS), str(self.scripts)
        return [seen + a[len(host) :] if a.startswith(host) else a for a in argv]

    def _spawn(self, plan: Path | None, timeout: float) -> dict[str, Any]:
        """Start the server; its first line: ready, or a module unsafe to fork. What it prints
        besides goes to ``server.log``, quoted when it does not start."""
        assert self._dir is not None
        log = self._dir / "server.log"
        argv = [str(self.python), str(SERVER), "serve", str(self.socket_path), str(plan or "-")]
        argv, env = self.wrap(self._inside(argv), self._dir, self.base_env)
        with open(log, "ab") as errors:
            self._proc = subprocess.Popen(
                argv,
                cwd=self._dir,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                start_new_session=True,
            )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        line = self._proc.stdout.readline() if ready else b""
        try:
            answer: dict[str, Any] = json.loads(line)
        except ValueError:
            self._stop()
            said = (_text(line) + log.read_text(errors="replace")).strip()
            raise InfrastructureError(f"the fork server did not start: {said[-2000:]}") from None
        return answer

    def differs(self, env: dict[str, str]) -> str | None:
        """The first variable a preloaded module read whose value ``env`` changes."""
        for key in sorted(self.environ):
            if env.get(key) != self.base_env.get(key):
                return key
        return None

    def run(
        self, command: str, argv: list[str], cwd: Path, env: dict[str, str], timeout: float
    ) -> str:
        why = "" if self._ready() else "the fork server could not start"
        if self.preload and not why and (changed := self.differs(env)):
            why = f"{changed} differs from the server's"
        if why:
            if not self.preload:  # nothing to fall back on: a supervisor that cannot start
                raise InfrastructureError(self.failed)
            with self._lock:
                self.counts[f"fresh ({why})"] += 1
            return self.fallback.run(command, argv, cwd, env, timeout)
        with self._lock:
            self.counts["forked" if self.preload else "started"] += 1
        with tempfile.TemporaryFile() as output, _Channel(self.socket_path) as channel:
            request: dict[str, Any] = {"argv": self._inside(argv), "cwd": str(cwd), "env": env}
            if not self.preload:
                request["exec"] = True
            channel.send(json.dumps(request).encode(), output.fileno())
            channel.receive(60, command)  # the child's pid, in the server's PID namespace
            returncode = self._wait(channel, command, timeout, output)
            if returncode != 0:
                raise Died(
                    f"{command} crashed: its process {_how(returncode)} without answering",
                    _read(output),
                )
            return _read(output)

    @staticmethod
    def _wait(channel: _Channel, command: str, timeout: float, output: IO[bytes]) -> int:
        """The child's return code; on timeout its stacks (SIGTERM), then its group killed.
        The server sends the signals: the child may live in another PID namespace."""
        try:
            return channel.receive(timeout, command)["status"]
        except TimeoutError:
            channel.signal(signal.SIGTERM)  # main.py prints its threads' stacks, then hangs on
            with contextlib.suppress(TimeoutError):
                channel.receive(3, command)
            channel.signal(signal.SIGKILL, group=True)
            with contextlib.suppress(TimeoutError):
                channel.receive(10, command)
            raise Died(f"{command} hung: no answer within {timeout:g} s", _read(output)) from None
        except BaseException:
            channel.signal(signal.SIGKILL, group=True)
            raise

    def close(self) -> None:
        """Stop the server (once it has started) and remove its socket's directory."""
        if self._starting is not None:
            self._starting.join()
        self._stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _stop(self) -> None:
        """Closing its stdin makes the server kill its children and exit."""
        if self._proc is not None:
            proc, self._proc = self._proc, None
            end_by_stdin(proc, lambda: os.killpg(proc.pid, signal.SIGKILL))

    def summary(self) -> str:
        """The mode, and how many scripts ran each way."""
        ways = ", ".join(f"{n} {way}" for way, n in sorted(self.counts.items()))
        return f"{self.mode}: {ways}" if ways else self.mode


def _read(output: IO[bytes]) -> str:
    output.seek(0)
    return _text(output.read())


class _Channel:
    """One connection to the server: a request with the output's descriptor, then JSON lines."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.buffer = b""
        try:
            directory = os.open(path.parent, os.O_PATH)  # a long path passes AF_UNIX's limit
            try:
                self.sock.connect(f"/proc/self/fd/{directory}/{path.name}")
            finally:
                os.close(directory)
        except OSError as exc:
            self.sock.close()
            raise InfrastructureError(f"the fork server is gone: {exc}") from None

    def __enter__(self) -> _Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, request: bytes, fd: int) -> None:
        socket.send_fds(self.sock, [struct.pack("!I", len(request)) + request], [fd])

    def signal(self, number: int, group: bool = False) -> None:
        """Ask the server to signal the child (or its process group)."""
        with contextlib.suppress(OSError):
            self.sock.sendall(json.dumps({"signal": number, "group": group}).encode() + b"\n")

    def receive(self, timeout: float, command: str) -> dict[str, int]:
        """The next message; TimeoutError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            chunk = self.sock.recv(4096)  # raises TimeoutError
            if not chunk:
                raise InfrastructureError(f"the fork server died while running {command}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        message: dict[str, int] = json.loads(line)
        return message


def end_by_stdin(proc: subprocess.Popen[Any], kill: Callable[[], None]) -> None:
    """Close ``proc``'s stdin, its signal to stop; ``kill`` it if it has not within 5 s."""
    with contextlib.suppress(OSError):
        assert proc.stdin is not None
        proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
