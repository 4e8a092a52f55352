"""Faults injected into a scenario's backing services between workloads, and their undoing."""

from __future__ import annotations

import threading
from collections.abc import Callable

from harness.scenario import Fault
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
