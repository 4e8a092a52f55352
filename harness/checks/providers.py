"""The providers' output is really applied: headers and auth on the wire, tags on runs, the
default experiment used; and nothing is applied from a provider that is not in context."""

from __future__ import annotations

from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import needed, no_evidence, untested
from harness.model.results import Status


def _value(result: dict[str, Any], what: str, problems: list[str]) -> Any:
    """The answer of a provider's method; an exception the method raised is the plugin's, an
    answer the harness could not read is said to be that, not something the method raised."""
    if "error" in result:
        problems.append(f"{what} raised {result['error']}")
        return None
    if "unreadable" in result:
        problems.append(
            f"{what} returned {result['returned']}, which the harness could not "
            f"read as a mapping ({result['unreadable']})"
        )
        return None
    return result["value"]


def _returned(result: dict[str, Any]) -> str:
    """The type of a method's answer, as the workload named it (``None`` for NoneType)."""
    returned = result.get("returned", "an auth")
    return "None" if returned == "NoneType" else returned


def _auth_value(result: dict[str, Any], what: str, problems: list[str]) -> Any:
    """The headers get_auth()'s answer adds once ``requests`` applies it, as MLflow does; an
    exception while applying it is the plugin's auth object's when its code was running, else
    the answer is one ``requests`` cannot use."""
    if "applying" not in result:
        return _value(result, what, problems)
    if result["raised_by"] == "plugin":
        problems.append(
            f"{what} returned {_returned(result)}, which raised "
            f"{result['applying']} when requests applied it"
        )
    elif result["raised_by"] != "requests":
        problems.append(
            f"{what} returned {_returned(result)}; when requests applied it, "
            f"{result['raised_by']} raised {result['applying']}"
        )
    else:
        problems.append(
            f"{what} returned {_returned(result)}, which requests cannot use as an "
            f"auth (it raised {result['applying']})"
        )
    return None


def _on_the_wire(
    name: str, headers: dict[str, Any], observed: dict[str, Any], problems: list[str]
) -> None:
    received = observed["received"]
    odd = {k: v for k, v in headers.items() if not isinstance(v, str)}
    for key, value in odd.items():
        problems.append(f"{name}: gave {key}={value!r}, which is not a str and cannot be sent")
    headers = {k: v for k, v in headers.items() if k not in odd}
    if not received:
        problems.append(
            f"{name}: no request reached the server "
            f"({'; '.join(observed['errors'][:1]) or 'nothing sent'})"
        )
        return
    for index, request in enumerate(received, 1):
        for key, value in headers.items():
            got = request.get(key.lower())
            if got != value:
                problems.append(f"{name}: request {index} carried {key}={got!r}, not {value!r}")


def _headers(data: dict[str, Any], problems: list[str]) -> None:
    for entry in data["headers"]:
        in_context = _value(
            entry["in_context"], f"header provider {entry['name']}: in_context()", problems
        )
        headers = (
            _value(
                entry["headers"], f"header provider {entry['name']}: request_headers()", problems
            )
            or {}
        )
        if not isinstance(headers, dict):
            problems.append(
                f"header provider {entry['name']}: request_headers() returned "
                f"{type(headers).__name__}, not a dict"
            )
            headers = {}
        if in_context:
            _on_the_wire(f"header provider {entry['name']}", headers, data["plain"], problems)
        else:
            for request in data["plain"]["received"]:
                leaked = [k for k, v in headers.items() if request.get(k.lower()) == v]
                if leaked:
                    problems.append(
                        f"header provider {entry['name']} is not in context, yet "
                        f"{', '.join(leaked)} was sent"
                    )
                    break


def _auth(data: dict[str, Any], problems: list[str]) -> None:
    for entry in data["auth"]:
        name = _value(entry["auth_name"], f"auth provider {entry['name']}: get_name()", problems)
        headers = _auth_value(
            entry["headers"], f"auth provider {entry['name']}: get_auth()", problems
        )
        if name is not None and headers is not None:
            if not headers:
                problems.append(
                    f"auth provider {entry['name']}: get_auth() returned "
                    f"{_returned(entry['headers'])}, which adds no header"
                )
            _on_the_wire(
                f"auth provider {entry['name']} (MLFLOW_TRACKING_AUTH={name})",
                headers,
                entry["observed"],
                problems,
            )


def _context(data: dict[str, Any], problems: list[str]) -> None:
    tags = data["run_tags"]
    for entry in data["context"]:
        in_context = _value(
            entry["in_context"], f"context provider {entry['name']}: in_context()", problems
        )
        provided = (
            _value(entry["tags"], f"context provider {entry['name']}: tags()", problems) or {}
        )
        if not isinstance(provided, dict):
            problems.append(
                f"context provider {entry['name']}: tags() returned "
                f"{type(provided).__name__}, not a dict"
            )
            provided = {}
        missing = [k for k in provided if in_context and k not in tags]
        leaked = [k for k, v in provided.items() if not in_context and tags.get(k) == str(v)]
        if missing:
            problems.append(f"context provider {entry['name']}: tag(s) {missing} not on the run")
        if leaked:
            problems.append(
                f"context provider {entry['name']} is not in context, yet {leaked} are on the run"
            )


def _default_experiment(data: dict[str, Any], problems: list[str]) -> None:
    run = data.get("default_run", {})
    for entry in data["default_experiment"]:
        in_context = _value(
            entry["in_context"],
            f"default experiment provider {entry['name']}: in_context()",
            problems,
        )
        wanted = _value(
            entry["experiment_id"],
            f"default experiment provider {entry['name']}: get_experiment_id()",
            problems,
        )
        if "error" in run:
            problems.append(f"a run without an experiment failed: {run['error']}")
        elif in_context and str(run.get("experiment_id")) != str(wanted):
            problems.append(
                f"default experiment provider {entry['name']}: the run went to "
                f"experiment {run.get('experiment_id')}, not {wanted}"
            )
        elif (
            not in_context
            and wanted is not None
            and str(run.get("experiment_id")) == str(wanted)
            and str(wanted) != "0"
        ):
            problems.append(
                f"default experiment provider {entry['name']} is not in context, yet "
                "the run went to its experiment"
            )


@check("providers-applied")
def providers_applied(evidence: Evidence) -> tuple[Status, str]:
    """Header, auth, context and default-experiment providers have their documented effect."""
    data = evidence.observed.get("providers")
    if not data:
        return Status.SKIPPED, no_evidence("providers")
    count = sum(len(data[k]) for k in KINDS)
    if not count:
        return (
            Status.SKIPPED,
            "the plugin has no header, auth, context or default-experiment provider",
        )
    lacking = [need for kind in KINDS for e in data[kind] if (need := _needs(kind, e))]
    if len(lacking) == count:  # each said what this machine lacks before it had any effect
        return needed(lacking)
    judged = {**data, **{k: [e for e in data[k] if not _needs(k, e)] for k in KINDS}}
    problems: list[str] = []
    for part in (_headers, _auth, _context, _default_experiment):
        part(judged, problems)
    return verdict(
        problems,
        f"{count - len(lacking)} provider(s) applied as documented, on the wire and on "
        f"runs{untested(lacking)}",
    )


KINDS = ("headers", "auth", "context", "default_experiment")


# the provider method behind each answer the providers workload records
_METHODS = {
    ("headers", "headers"): "request_headers",
    ("auth", "headers"): "get_auth",
    ("auth", "auth_name"): "get_name",
    ("context", "tags"): "tags",
    ("default_experiment", "experiment_id"): "get_experiment_id",
}


def _needs(kind: str, entry: dict[str, Any]) -> str | None:
    """What a provider said this machine lacks, from the first of its methods that said so."""
    for key, result in entry.items():
        if isinstance(result, dict) and result.get("needs"):
            method = _METHODS.get((kind, key), key)
            return f"{result['needs']} at {kind} provider {entry['name']}: {method}()"
    return None
