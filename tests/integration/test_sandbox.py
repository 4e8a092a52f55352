"""The sandbox contains a plugin that misbehaves: tests/plugins/broken/misbehaving tries, at
import and in every ``tags()``, to read a host file, write outside its work directory, reach the
Docker socket and connect to a port on the host's loopback. Sandboxed, each attempt fails (it
leaves no loot on the host and the listener is never reached) and each is in the scenario's
``sandbox`` section; with ``--no-sandbox`` each succeeds, and the report says so."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PLUGINS

# one at a time with every run of broken/misbehaving: the listener's port and the loot are shared
pytestmark = pytest.mark.xdist_group("misbehaving")

PLUGIN = str(PLUGINS / "broken" / "misbehaving")
CANARY = Path("/var/tmp/mlflow-plugin-harness-canary")
LOOT = Path("/var/tmp/mlflow-plugin-harness-loot")
PORT = 29471  # below the ephemeral range, so no client socket of the run holds it
ATTEMPTS = {
    f"read {CANARY}",
    f"write {LOOT}",
    "connect /var/run/docker.sock",
    f"connect 127.0.0.1:{PORT}",
}


class Listener:
    """A server on the host's loopback that counts whoever reaches it (bounded: it stops with
    the test)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", PORT))
        self.sock.settimeout(0.5)
        self.reached = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.reached += 1
            conn.sendall(b"hello\n")
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def bait() -> Iterator[Listener]:
    CANARY.write_text("secret-canary\n")
    LOOT.unlink(missing_ok=True)
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()
        CANARY.unlink(missing_ok=True)
        LOOT.unlink(missing_ok=True)


def _attempts(outcome: Any) -> dict[str, str]:
    (result,) = outcome.report["results"]
    return {a["attempt"]: a["outcome"] for a in result["sandbox"]}


def test_sandboxed_every_attempt_fails_and_is_reported(harness: Any, bait: Listener) -> None:
    outcome = harness("run", PLUGIN, "-s", "providers")
    assert outcome.code == 0, outcome.stdout[-3000:]
    assert not LOOT.exists(), LOOT.read_text()  # nothing read, nothing written on the host
    assert bait.reached == 0
    attempts = _attempts(outcome)
    assert set(attempts) >= ATTEMPTS, attempts
    assert {attempts[a] for a in ATTEMPTS} == {"refused: outside the sandbox"}
    (env,) = outcome.report["environments"]
    assert env["sandbox"]["mode"] == "sandboxed" and env["sandbox"]["user"] != "0:0"
    assert "sandbox: read /var/tmp/mlflow-plugin-harness-canary (refused" in outcome.stdout


def test_without_the_sandbox_the_report_says_what_it_reached(harness: Any, bait: Listener) -> None:
    outcome = harness("run", PLUGIN, "-s", "providers", "--no-sandbox")
    assert outcome.code == 0, outcome.stdout[-3000:]
    loot = LOOT.read_text()
    assert "read: secret-canary" in loot and "loopback: hello" in loot
    assert bait.reached > 0
    attempts = _attempts(outcome)
    assert set(attempts) >= ATTEMPTS, attempts
    assert {attempts[a] for a in ATTEMPTS} == {"reached: not sandboxed"}
    (env,) = outcome.report["environments"]
    assert env["sandbox"]["mode"] == "none" and "the host's files" in env["sandbox"]["reach"]
    assert "not sandboxed (--no-sandbox)" in outcome.stdout
