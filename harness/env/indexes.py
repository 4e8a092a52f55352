"""Package indexes as this machine configures them for pip, translated for uv.

uv does not read pip's configuration; the harness asks pip (``pip config list``) so
mirrors, extra indexes, find-links, constraints and the CA bundle apply to the plugin
environments exactly as they do to pip. Stdlib only: ``python -m harness.env.indexes``
prints shell ``export`` lines and is used before the harness itself is installed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

# pip key -> uv environment variable
_UV_VARIABLES = {
    "index-url": "UV_INDEX_URL",
    "extra-index-url": "UV_EXTRA_INDEX_URL",
    "find-links": "UV_FIND_LINKS",
    "constraint": "UV_CONSTRAINT",
    "cert": "SSL_CERT_FILE",
}
_SCOPE_RANK = {":env:": 3, "install": 2, "global": 1}


def parse_pip_config(text: str) -> dict[str, str]:
    """Parse ``pip config list`` output into {key: value}, honouring pip's precedence."""
    best: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        scoped, sep, raw = line.partition("=")
        if not sep or "." not in scoped:
            continue
        scope, _, key = scoped.rpartition(".")
        rank = _SCOPE_RANK.get(scope, 0)
        try:
            value = " ".join(shlex.split(raw))
        except ValueError:
            value = raw.strip("'\"")
        if key not in best or rank >= best[key][0]:
            best[key] = (rank, value)
    return {key: value for key, (_, value) in best.items()}


def pip_settings(python: str = sys.executable) -> dict[str, str]:
    """Read pip's effective configuration; empty when pip is unavailable."""
    try:
        out = subprocess.run(
            [python, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return parse_pip_config(out.stdout)


def ca_bundle() -> str:
    """The CA bundle this machine verifies TLS with: SSL_CERT_FILE, pip's ``cert``, or Debian's."""
    return (
        os.environ.get("SSL_CERT_FILE")
        or pip_settings().get("cert")
        or "/etc/ssl/certs/ca-certificates.crt"
    )


def uv_environment(settings: dict[str, str]) -> dict[str, str]:
    """Environment variables that make uv resolve the way pip is configured to."""
    env = {_UV_VARIABLES[k]: v for k, v in settings.items() if k in _UV_VARIABLES and v}
    # pip merges all indexes and takes the best version; uv's default stops at the first.
    env["UV_INDEX_STRATEGY"] = "unsafe-best-match"
    return env


def main() -> int:
    for name, value in sorted(uv_environment(pip_settings()).items()):
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
