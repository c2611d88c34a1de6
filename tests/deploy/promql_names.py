"""Metric names a PromQL expression reads, and the sample names a `Metrics` registry exposes.

PromQL has no Python parser we can depend on, and these expressions are ours and simple, so the
extraction is lexical: drop strings, label matchers, range and subquery brackets and label lists
with their grouping clauses; what remains that is an identifier not followed by "(" and not a keyword is a
metric name. promtool parses every expression for real in the tests, so a mistake here shows up
as a name we miss, never as an expression we wrongly accept as valid.
"""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry

KEYWORDS = {"bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"}
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_:.$])[A-Za-z_:][A-Za-z0-9_:]*")

# Sample names each family type adds to its family name (prometheus_client drops `_total` and
# `_info` from `family.name`).
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "unknown": ("",),
}


def metric_names(expr: str) -> set[str]:
    text = _STRING.sub('""', expr)
    text = _BRACES.sub("", text)
    text = _BRACKETS.sub("", text)
    text = _LABEL_LIST.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name = match.group()
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names


def exposed_sample_names(registry: CollectorRegistry) -> set[str]:
    names = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names
