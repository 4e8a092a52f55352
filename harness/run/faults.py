"""Faults injected into a scenario's backing services between workloads, and their undoing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from docker.errors import DockerException

from harness.kinds.fault import Fault
from harness.model.errors import HarnessError
from harness.model.results import CheckResult, Status
from harness.services.base import Service


class Injected:
    """A fault in effect: undone after its duration or by ``end()``, whichever comes first."""

    def __init__(
        self, what: str, undo: Callable[[], None] | None = None, seconds: float = 0.0
    ) -> None:
        self.what = what
        self._undo = undo
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        if undo is not None:
            self._timer = threading.Timer(seconds, self.end)
            self._timer.daemon = True
            self._timer.start()

    def end(self) -> None:
        """Undo the fault now (idempotent; called by the timer, the runner or cleanup)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            undo, self._undo = self._undo, None
        if undo is not None:
            undo()


def inject(fault: Fault, service: Service, progress: Callable[[str], None]) -> Injected:
    """Do ``fault`` to ``service``; a restart is over when this returns, the others last."""
    if fault.action == "restart":
        seconds = service.restart()
        progress(f"{service.kind} restarted and answering again in {seconds:.1f} s")
        return Injected(f"{service.kind} restarted")
    if fault.action == "pause":
        service.pause()
        progress(f"{service.kind} paused for up to {fault.seconds:g} s")
        return Injected(f"{service.kind} paused", service.unpause, fault.seconds)
    service.fill_disk()
    progress(f"{service.kind}'s disk filled for up to {fault.seconds:g} s")
    return Injected(f"{service.kind}'s disk filled", service.free_disk, fault.seconds)


class FaultWindow:
    """The faults of one scenario, one at a time. A fault's window opens with ``open`` and
    lasts while the next workload runs; ``close`` ends it and has ``survived`` read back
    everything written so far. Leaving the ``with`` block undoes a fault still in effect."""

    def __init__(
        self,
        services: dict[str, Service],
        survived: Callable[[str], None],
        errors: list[CheckResult],
        progress: Callable[[str], None],
    ) -> None:
        self.services, self.survived, self.errors = services, survived, errors
        self.progress = progress
        self.fault: Injected | None = None

    def __enter__(self) -> FaultWindow:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.fault is not None:
            self.fault.end()

    def open(self, fault: Fault) -> None:
        """Close the window in effect, then inject ``fault``; a restart closes at once."""
        self.close()
        self.progress(f"fault: {fault.action} {fault.service}")
        try:
            self.fault = inject(fault, self.services[fault.service], self.progress)
        except (HarnessError, DockerException) as exc:
            name = f"fault:{fault.action} {fault.service}"
            self.errors.append(CheckResult(name, Status.ERROR, str(exc)))
        if fault.action == "restart":
            self.close()

    def close(self) -> None:
        """End the fault in effect, if any, and read back what was written before it."""
        fault, self.fault = self.fault, None
        if fault is None:
            return
        fault.end()
        self.survived(fault.what)
