"""Hypothesis strategies for every key, value and name the installed MLflow accepts.

Nothing here is a fixed example: each strategy is derived at run time from MLflow's own
validation (``mlflow.utils.validation``) of the version installed in this environment. The
alphabet of keys is the characters its key check accepts, lengths run up to its limits (with
the limits themselves drawn often), and every candidate must pass the validation function MLflow
applies to it, so the domain is exactly what MLflow lets through to a store.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from typing import Any, Literal

from hypothesis import strategies as st
from mlflow.utils import validation

# Characters offered to MLflow's checks: ASCII, letters of other scripts (``\w`` is Unicode),
# combining marks, characters outside the BMP. MLflow decides which of them a key may hold.
_OFFERED = string.printable + "éüßÆØΩжλ日本語한글\u0301\u00a0😀𝔘"


def _accepts(check: Callable[..., Any], *args: Any) -> bool:
    try:
        check(*args)
    except Exception:  # noqa: BLE001 - MLflow refuses it: not in the domain
        return False
    return True


def _limit(name: str, default: int) -> int:
    """A limit of this MLflow version, or ``default`` where it has none by that name."""
    return int(getattr(validation, name, default))


KEY_LENGTH = _limit("MAX_ENTITY_KEY_LENGTH", 250)
PARAM_LENGTH = _limit("MAX_PARAM_VAL_LENGTH", 6000)
TAG_LENGTH = _limit("MAX_TAG_VAL_LENGTH", 8000)
EXPERIMENT_NAME_LENGTH = _limit("MAX_EXPERIMENT_NAME_LENGTH", 500)
EXPERIMENT_TAG_LENGTH = _limit("MAX_EXPERIMENT_TAG_VAL_LENGTH", 5000)
REGISTRY_TAG_LENGTH = _limit("MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH", 5000)
ALIAS_LENGTH = _limit("MAX_REGISTERED_MODEL_ALIAS_LENGTH", 255)
INT64 = (-(2**63), 2**63 - 1)

KEY_ALPHABET = "".join(
    c
    for c in _OFFERED
    if (c.isprintable() or c == " ") and validation.validate_param_and_metric_name(c)
)


def sized(alphabet: st.SearchStrategy[str] | str, limit: int, min_size: int = 0) -> Any:
    """Text up to ``limit`` characters: mostly short, often exactly at or just under the limit
    (a short text repeated to that length: Hypothesis draws long texts only slowly)."""
    near = st.tuples(st.integers(max(min_size, limit - 2), limit), st.text(alphabet, min_size=1))
    return st.one_of(
        st.text(alphabet, min_size=min_size, max_size=min(8, limit)),
        near.map(lambda n_text: (n_text[1] * n_text[0])[: n_text[0]]),
        st.text(alphabet, min_size=min_size, max_size=min(limit, 1000)),
    )


def _key(check: Callable[..., Any]) -> Any:
    return sized(KEY_ALPHABET, KEY_LENGTH, 1).filter(lambda k: _accepts(check, k))


# Values: any character a database can hold (not NUL, which PostgreSQL refuses in text, and not
# lone surrogates, which are not text).
SURROGATES: list[Literal["Cs"]] = ["Cs"]
VALUE_CHARS = st.one_of(
    st.sampled_from(string.printable),  # quotes, wildcards, regex and path characters often
    st.characters(exclude_categories=SURROGATES, exclude_characters="\x00"),
)

param_keys = _key(validation._validate_param_name)
tag_keys = _key(validation._validate_tag_name)
metric_keys = _key(validation._validate_metric_name)
param_values = sized(VALUE_CHARS, PARAM_LENGTH)
tag_values = sized(VALUE_CHARS, TAG_LENGTH)
experiment_tag_values = sized(VALUE_CHARS, EXPERIMENT_TAG_LENGTH)
registry_tag_values = sized(VALUE_CHARS, REGISTRY_TAG_LENGTH)
metric_values = st.floats(allow_nan=True, allow_infinity=True)  # subnormals, ±0, extremes too
steps = st.one_of(
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, -(2**31) - 1, *INT64]), st.integers(*INT64)
)
timestamps = st.one_of(
    st.sampled_from([0, 1, 2**31, 2**32 + 1, INT64[1]]), st.integers(0, INT64[1])
)


def _name_ok(check_name: str, name: str) -> bool:
    """Not blank, and passing MLflow's check of that name (where this MLflow has one)."""
    check = getattr(validation, check_name, None)
    return name.strip() != "" and (check is None or _accepts(check, name))


def _named(check_name: str, limit: int) -> Any:
    return sized(VALUE_CHARS, limit, 1).filter(lambda n: _name_ok(check_name, n))


# Names are unique per store: the workload makes them unique per example with a short prefix,
# which this many characters leave room for.
PREFIX = 9
experiment_names = _named("_validate_experiment_name", EXPERIMENT_NAME_LENGTH - PREFIX)
# MLflow limits neither; its SQL schema holds 250 (run names) and 256 (model names) characters.
run_names = sized(VALUE_CHARS, KEY_LENGTH, 1)  # an empty name asks MLflow to make one up
model_names = _named("_validate_model_name", KEY_LENGTH - PREFIX)


def _alias_ok(alias: str) -> bool:
    checks = [getattr(validation, "_validate_model_alias_name", None)]
    checks.append(getattr(validation, "_validate_model_alias_name_reserved", None))
    return all(check is None or _accepts(check, alias) for check in checks)


aliases = sized(KEY_ALPHABET.replace(" ", ""), ALIAS_LENGTH, 1).filter(_alias_ok)

# LIKE patterns: pieces of the logged values, or of punctuation (wildcards, quotes, escapes).
pattern_pieces = st.text(st.sampled_from(string.punctuation + "ab"), min_size=1, max_size=4)

# Artifact paths: file and directory names of any character a file name can hold on this OS,
# depth 0 to 3, sizes from empty up.
_FILE_CHARS = st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/\\")
file_names = st.text(_FILE_CHARS, min_size=1, max_size=40).filter(lambda n: n not in (".", ".."))
directories = st.lists(file_names, max_size=3).map("/".join)
contents = st.one_of(st.binary(max_size=64), st.binary(min_size=4096, max_size=70_000))


# Pairs a backend may take for one: a case-insensitive collation (MySQL's default), PAD SPACE
# (MySQL's trailing spaces), a store that normalises Unicode (NFC against NFD), full-width
# forms folded to ASCII (NFKC). MLflow's own stores on the same backend are the oracle.
_FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}


def twins(value: str) -> list[str]:
    """The other spellings of ``value`` that a backend or a store may equate with it."""
    spelled = [
        value.swapcase(),
        value.upper(),
        value + " ",
        unicodedata.normalize("NFD", value),
        unicodedata.normalize("NFC", value),
        "".join(_FULL_WIDTH.get(c, c) for c in value),
    ]
    return [t for t in dict.fromkeys(spelled) if t != value]


# which check MLflow applies to each kind of name (a twin it refuses is no test of the store)
TWIN_CHECKS: dict[str, Callable[[str], bool]] = {
    "experiment": lambda n: _name_ok("_validate_experiment_name", n),
    "param": lambda k: _accepts(validation._validate_param_name, k),
    "tag": lambda k: _accepts(validation._validate_tag_name, k),
    "metric": lambda k: _accepts(validation._validate_metric_name, k),
    "model": lambda n: _name_ok("_validate_model_name", n),
    "alias": lambda a: _alias_ok(a) and " " not in a,
}
