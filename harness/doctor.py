"""``mlflow-plugin-harness doctor``: is this machine ready, and the command that fixes what is
not."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import DockerException

from harness.env.indexes import ca_bundle
from harness.model.catalog import CATALOG
from harness.model.errors import HarnessError
from harness.services import engine, images, service_class


@dataclass
class Finding:
    topic: str
    status: str  # "ok"; "warn": some scenarios will be skipped; "fail": runs will not work
    detail: str
    fix: str = ""


def _engine() -> tuple[Finding, docker.DockerClient | None]:
    try:
        client = engine.connect(timeout=15)
    except HarnessError as exc:
        return Finding(
            "engine",
            "fail",
            str(exc).split(": run")[0],
            engine.FIX.removeprefix("run `").replace("` (", "  ("),
        ), None
    version = client.version().get("Version", "?")
    where = os.environ.get("DOCKER_HOST", "the default socket")
    return Finding("engine", "ok", f"Docker {version} at {where}"), client


def _images(client: docker.DockerClient) -> list[Finding]:
    built: dict[str, list[str]] = {}
    for image in client.images.list(filters={"label": images.BUILT_LABEL}):
        built.setdefault(image.labels.get(images.BUILT_LABEL), []).extend(image.tags)
    findings = []
    for name in CATALOG:
        spec = service_class(name).image_spec
        if images.present(client, spec.official):
            findings.append(Finding(f"image {name}", "ok", f"{spec.official} (official)"))
        elif spec.build and built.get(spec.build):
            what = f"{sorted(built[spec.build])[-1]} (local build"
            what += f", stands in for {spec.substitute_for})" if spec.substitute_for else ")"
            findings.append(Finding(f"image {name}", "ok", what))
        elif spec.build:
            findings.append(
                Finding(
                    f"image {name}",
                    "fail",
                    f"neither {spec.official} nor a local build is present",
                    "mlflow-plugin-harness images build",
                )
            )
        else:
            findings.append(
                Finding(
                    f"image {name}",
                    "warn",
                    f"{spec.official} is not present; {spec.why_no_build}",
                    f"docker pull {spec.official}  (scenarios using it are skipped)",
                )
            )
    return findings


def _registry(client: docker.DockerClient) -> Finding:
    if images.pull_policy() == "never":
        return Finding("registry", "ok", "not asked: pulling is off (MLFLOW_PLUGIN_HARNESS_PULL)")
    probe = service_class("postgres").image_spec.official
    try:
        client.api.inspect_distribution(probe)
        return Finding("registry", "ok", f"reachable (looked up {probe})")
    except DockerException as exc:
        return Finding(
            "registry",
            "warn",
            f"unreachable ({images.pull_failure(exc)}); images are built locally",
            "nothing needed offline; to use official images configure a registry "
            "mirror in /etc/docker/daemon.json",
        )


def _base_tools() -> Finding:
    if shutil.which("debootstrap") and os.geteuid() == 0:
        return Finding("debootstrap", "ok", "available to bootstrap a Debian base image offline")
    return Finding(
        "debootstrap",
        "warn",
        "needed (as root) when no Debian base image can be pulled",
        "sudo apt-get install debootstrap",
    )


def _browser() -> Finding:
    from harness.services.ui import FIX, browser

    found = browser()
    if found:
        return Finding("browser", "ok", f"{found} (server mode's UI screenshot)")
    return Finding(
        "browser",
        "warn",
        "no Chromium: server mode skips the UI screenshot",
        FIX.removeprefix("run `").split("`")[0],
    )


def _ca() -> Finding:
    bundle = ca_bundle()
    if Path(bundle).is_file():
        return Finding("CA bundle", "ok", f"{bundle} (TLS is verified with it, never disabled)")
    return Finding(
        "CA bundle",
        "warn",
        f"{bundle} does not exist",
        "install ca-certificates, or point SSL_CERT_FILE at your CA bundle",
    )


def diagnose() -> list[Finding]:
    """Every finding, engine first; image and registry checks need the engine."""
    found, client = _engine()
    findings = [found]
    if client is not None:
        findings += [*_images(client), _registry(client)]
        client.close()
    return [*findings, _base_tools(), _browser(), _ca()]
