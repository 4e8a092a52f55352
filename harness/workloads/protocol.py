"""What crosses the process boundary between the harness and the scripts it runs inside the
plugin's environment, and who is at fault when a script raises.

Standard library only: the workloads import it as ``protocol``, the harness as
``harness.workloads.protocol``; neither side parses the other's error strings.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import traceback
from typing import Final, TypedDict

RAISED: Final = "__raised__"  # the key of the answer of a script that raised instead of answering

PLUGIN, MLFLOW, HARNESS, INFRASTRUCTURE = "plugin", "mlflow", "harness", "infrastructure"

HERE = os.path.dirname(os.path.abspath(__file__))

# __raised__: what happened; blame: who is at fault; where: file:line; breaks_mlflow: the error
# came out of `import mlflow` itself (installing the plugin broke MLflow)
Raised = TypedDict("Raised", {"__raised__": str, "blame": str, "where": str, "breaks_mlflow": bool})


class Finding(Exception):
    """Raised by a workload on purpose to report what the plugin did (not a harness bug)."""


def _ours(filename: str) -> bool:
    return os.path.dirname(os.path.abspath(filename)) == HERE


def _short(path: str) -> str:
    """A file as its package names it: the part after site-packages, else the last three parts."""
    _head, sep, tail = path.rpartition("site-packages" + os.sep)
    return tail if sep else os.sep.join(path.split(os.sep)[-3:])


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"{type(exc).__name__}: {exc.msg}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def _where(exc: BaseException) -> tuple[str, int] | None:
    """The innermost file and line (a SyntaxError's own; the import machinery's frames aside)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno or 0
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    return (frames[-1].filename, frames[-1].lineno or 0) if frames else None


def _importing_mlflow(exc: BaseException) -> bool:
    """Whether ``exc`` escaped an ``import mlflow`` (or ``from mlflow... import``)."""
    return any(
        (frame.line or "").startswith(("import mlflow", "from mlflow"))
        for frame in traceback.extract_tb(exc.__traceback__)
    )


def _in_mlflow(path: str) -> bool:
    spec = importlib.util.find_spec("mlflow")
    root = os.path.dirname(spec.origin) if spec and spec.origin else None
    if not root:
        return False
    return os.path.abspath(path).startswith(root + os.sep)


def import_break(exc: BaseException) -> str | None:
    """Why ``import mlflow`` fails, when the failure is not in MLflow's own code: the plugin or
    something it installed broke it (a module MLflow imports, e.g. through an entry point at
    registration, where MLflow catches ImportError but nothing else). None when it is MLflow's
    own code, or when ``exc`` did not come out of importing MLflow."""
    where = _where(exc)
    if where is None or not _importing_mlflow(exc) or _in_mlflow(where[0]):
        return None
    through = ""
    tb = exc.__traceback__
    while tb is not None:  # the entry point MLflow was loading when it broke, if any
        found = tb.tb_frame.f_locals.get("entrypoint")
        if isinstance(found, importlib.metadata.EntryPoint):
            through = f", loading entry point {found.group}:{found.name} = {found.value}"
        tb = tb.tb_next
    return (
        f"`import mlflow` breaks once the plugin is installed: {_describe(exc)} "
        f"({_short(where[0])}:{where[1]}{through})"
    )


_ENV = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")
_UNSET = re.compile(
    r"not (?:been )?set|is missing|are missing|must be (?:set|provided|defined)|"
    r"is required|are required|not defined|undefined|not configured|"
    r"environment variable",
    re.IGNORECASE,
)
_CREDENTIALS = (
    "NoCredentialsError",
    "PartialCredentialsError",
    "NoAuthTokenError",
    "DefaultCredentialsError",
    "ClientAuthenticationError",
    "CredentialUnavailableError",
    "AuthenticationError",
    "Unauthorized",
    "InvalidClientTokenId",
)
_CREDENTIAL_WORDS = re.compile(
    r"credential|api[ _-]?key|access[ _-]?key|secret[ _-]?key|"
    r"auth(?:entication)? token|unauthori[sz]ed|not authenticated",
    re.IGNORECASE,
)
_UNREACHABLE = (
    "EndpointConnectionError",
    "ConnectionError",
    "ConnectTimeout",
    "NewConnectionError",
    "MaxRetryError",
    "gaierror",
    "ConnectionRefusedError",
    "ConnectTimeoutError",
    "ServiceUnavailable",
)
_UNREACHABLE_WORDS = re.compile(
    r"name or service not known|temporary failure in name resolution|"
    r"nodename nor servname|connection refused|could not connect|"
    r"failed to establish a new connection|could not resolve host|"
    r"no route to host|network is unreachable",
    re.IGNORECASE,
)
_HOST = re.compile(r"(?:https?://|host=['\"]?)([\w.-]+)", re.IGNORECASE)


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 20:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def needs(exc: BaseException) -> str | None:
    """What the store needs that this machine lacks, when ``exc`` (or an error it came from)
    says so: an unset environment variable (``env:NAME``), credentials, or a host it cannot
    reach. None for anything else: a defect stays a defect."""
    for link in _chain(exc):
        need = _need(type(link).__name__, str(link), _describe(link))
        if need is not None:
            return need or None
    return None


_LOGGED = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit)): (.+)$", re.M)


def needs_in_log(log: str) -> str | None:
    """:func:`needs` for a process that died: read from the last exception its log shows."""
    raised = _LOGGED.findall(log)
    if not raised:
        return None
    kind, text = raised[-1]
    return _need(kind, text, f"{kind}: {text.strip()[:200]}") or None


def _need(kind: str, text: str, described: str) -> str | None:
    """The need one error names; "" when it names the scenario's own services (no need, and
    nothing further down the chain is one); None when it names none."""
    names = [n for n in _ENV.findall(text) if not n.startswith("MLFLOW_")]  # MLflow's own
    if _UNSET.search(text) and names:  # switches are the harness's to set, not needs
        return f"env:{names[0]} ({described})"
    if kind in _CREDENTIALS or _CREDENTIAL_WORDS.search(text):
        return f"credentials ({described})"
    if kind in _UNREACHABLE or _UNREACHABLE_WORDS.search(text):
        host = _HOST.search(text)
        if host and host.group(1) in ("127.0.0.1", "localhost"):
            return ""  # the scenario's own services: not reaching them is no need
        return f"a reachable host{f' {host.group(1)}' if host else ''} ({described})"
    return None


def classify(exc: BaseException) -> Raised:
    """The answer for a script that raised ``exc``: what happened, who is at fault and where.

    ``import mlflow`` broken outside MLflow's own code is the plugin's doing; broken inside it,
    the environment's (infrastructure). Otherwise the innermost frame decides: the harness's
    own workload code raising (a KeyError while reading an answer, say) is the harness's fault,
    unless it raised a ``Finding``; anywhere else (the plugin's code, or MLflow or a library
    reacting to what the plugin gave it) the plugin is at fault, since the same workload passes
    on MLflow's own stores.
    """
    found = _where(exc)
    where = f"{_short(found[0])}:{found[1]}" if found else ""
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    if isinstance(exc, SystemExit):
        line = f"SystemExit({exc.code!r}): exit() called, ending the process instead of raising"
    if broken := import_break(exc):
        return {RAISED: broken, "blame": PLUGIN, "where": where, "breaks_mlflow": True}
    if _importing_mlflow(exc):
        return {
            RAISED: f"`import mlflow` fails in MLflow's own code: {line}",
            "blame": INFRASTRUCTURE,
            "where": where,
            "breaks_mlflow": True,
        }
    last = traceback.extract_tb(exc.__traceback__)[-1:] or None
    if last and _ours(last[0].filename) and not isinstance(exc, Finding):
        return {
            RAISED: f"the harness's own {os.path.basename(last[0].filename)} raised {line}",
            "blame": HARNESS,
            "where": where,
            "breaks_mlflow": False,
        }
    return {RAISED: line, "blame": PLUGIN, "where": where, "breaks_mlflow": False}
