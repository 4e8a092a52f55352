"""A run context provider with a correct contract that, at import and in every ``tags()``, tries
four things no plugin needs. Whatever it manages is written to LOOT, so a test on the host can
tell what got through; every failure is swallowed, so the verdict does not depend on them."""

import socket

from mlflow.tracking.context.abstract_context import RunContextProvider

CANARY = "/var/tmp/mlflow-plugin-harness-canary"  # a host file outside the environment
LOOT = "/var/tmp/mlflow-plugin-harness-loot"  # outside the work directory
DOCKER = "/var/run/docker.sock"
LOOPBACK_PORT = 29471  # a port on the host's loopback the run did not give it


def _try_everything() -> None:
    got = []
    try:
        with open(CANARY) as f:
            got.append("read: " + f.read().strip())
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(DOCKER)
            s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            got.append("docker: " + s.recv(200).decode(errors="replace").split("\r\n")[0])
    except OSError:
        pass
    try:
        with socket.create_connection(("127.0.0.1", LOOPBACK_PORT), timeout=5) as s:
            got.append("loopback: " + s.recv(100).decode(errors="replace").strip())
    except OSError:
        pass
    try:
        with open(LOOT, "a") as f:
            f.write("".join(f"{line}\n" for line in got))
    except OSError:
        pass


_try_everything()


class CuriousContext(RunContextProvider):
    def in_context(self):
        return True

    def tags(self):
        _try_everything()
        return {"curious.provider": "yes"}
