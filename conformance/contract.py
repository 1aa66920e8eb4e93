"""The contract as code: openapi.yaml and schemas/, loaded once, with validators and per-version views.

One source of truth (design.md): ``schemas/*.json`` hold every body schema, ``openapi.yaml``
references them and marks what belongs to which API version. This module:

- loads both once, from the package data (``conformance/data/``), so an installed wheel works;
- hands out JSON Schema 2020-12 validators whose ``format: byte`` check requires *canonical*
  base64 (contract.md §4.1; jsonschema ignores formats unless a checker says otherwise);
- derives a self-contained OpenAPI document per API version (`version_view`) from the one
  hand-written spec, by the rules documented in openapi.yaml's ``info.description``:
  an operation, response or media-type entry belongs to the versions in its ``x-api-versions``;
  without one, a media type naming a version (``…v1+json``) belongs to that version, and
  anything else inherits the versions of what encloses it;
- matches concrete requests to operations and judges a response (`validate_response`).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, cast
from urllib.parse import quote, urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from conformance.errors import ContractFileError
from conformance.exchange import is_json_media_type, media_type
from conformance.media import MEDIA
from conformance.requirements import ApiVersion

__all__ = [
    "MEDIA",
    "VERSIONS",
    "Operation",
    "check_problems",
    "clear_caches",
    "errors",
    "find_operation",
    "format_checker",
    "operations",
    "schema",
    "schema_names",
    "self_check",
    "spec",
    "validate_response",
    "validator",
    "version_view",
]

VERSIONS: tuple[ApiVersion, ...] = ("v1", "v2")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Synthetic base URI under which the files are registered: nothing is ever fetched from it, it
# only gives the relative refs (`partition.json`, `./schemas/x.json`) something to resolve against.
BASE = "https://kafka-rest-conformance.invalid/"
SPEC_URI = BASE + "openapi.yaml"
SCHEMA_DIR_URI = BASE + "schemas/"

# Extensions used in openapi.yaml (documented in its info.description).
X_VERSIONS = "x-api-versions"
X_CT_OPTIONAL = "x-content-type-optional"  # Jersey framework errors: no Content-Type on Confluent
X_ALSO_LABELLED = "x-also-labelled"  # labels a server uses that the view does not declare
X_DEFINITIONS = "x-definitions"  # YAML anchors live here; not part of any view
X_FRAMEWORK = "x-framework-responses"  # 404 unknown path, 405 wrong method: outside every operation

_VERSIONED_MEDIA = re.compile(r"\.(v\d+)\+json$")


# ---------------------------------------------------------------------------------------------
# Loading


def _data() -> Traversable:
    return resources.files("conformance") / "data"


@cache
def spec() -> dict[str, Any]:
    """openapi.yaml as loaded (YAML anchors expanded). Do not mutate it."""
    path = _data() / "openapi.yaml"
    try:
        loaded = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractFileError(f"cannot load openapi.yaml from the package data: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ContractFileError("openapi.yaml is not a mapping")
    return loaded


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    directory = _data() / "schemas"
    found: dict[str, dict[str, Any]] = {}
    try:
        entries = sorted(directory.iterdir(), key=lambda e: e.name)
    except OSError as exc:
        raise ContractFileError(f"cannot list schemas/ in the package data: {exc}") from exc
    for entry in entries:
        if not entry.name.endswith(".json"):
            continue
        try:
            loaded = json.loads(entry.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ContractFileError(f"schemas/{entry.name}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ContractFileError(f"schemas/{entry.name} is not a JSON object")
        found[entry.name.removesuffix(".json")] = loaded
    if not found:
        raise ContractFileError("no schemas found in the package data (schemas/ missing from the install?)")
    return found


def schema_names() -> list[str]:
    """Every schema file stem, e.g. `produce-response`."""
    return list(_schemas())


def schema(name: str) -> dict[str, Any]:
    """The raw JSON Schema document `schemas/<name>.json`. Do not mutate it."""
    try:
        return _schemas()[name]
    except KeyError:
        raise ContractFileError(f"no schema named {name!r} (have: {', '.join(_schemas())})") from None


def _canonical_base64(value: object) -> bool:
    """contract.md §4.1: standard alphabet, padded, no whitespace; re-encodes to itself."""
    if not isinstance(value, str):
        return True
    return base64.b64encode(base64.b64decode(value, validate=True)).decode("ascii") == value


@cache
def format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("byte", raises=(binascii.Error, ValueError))(_canonical_base64)
    return checker


@cache
def _schema_registry() -> Registry[Any]:
    return Registry().with_resources(
        (SCHEMA_DIR_URI + f"{name}.json", Resource.from_contents(doc, default_specification=DRAFT202012))
        for name, doc in _schemas().items()
    )


@cache
def _registry() -> Registry[Any]:
    """The schemas plus openapi.yaml, so refs from inside the spec resolve too."""
    return _schema_registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )


@cache
def validator(name: str) -> Draft202012Validator:
    """A 2020-12 validator for `schemas/<name>.json`, with the canonical-base64 format check."""
    schema(name)  # raise ContractFileError for an unknown name
    return Draft202012Validator(
        {"$ref": SCHEMA_DIR_URI + f"{name}.json"},
        registry=_schema_registry(),
        format_checker=format_checker(),
    )


def _format_errors(v: Draft202012Validator, instance: Any) -> list[str]:
    out = []
    for err in sorted(v.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        where = "/" + "/".join(str(p) for p in err.absolute_path)
        detail = ""
        if err.context:  # anyOf/oneOf: say why each alternative failed
            reasons = dict.fromkeys(sub.message for sub in err.context)
            detail = " (" + "; ".join(reasons) + ")"
        out.append(f"at {where}: {err.message}{detail}")
    return out


def errors(name: str, instance: Any) -> list[str]:
    """Why `instance` is not valid against `schemas/<name>.json`; empty when it is."""
    return _format_errors(validator(name), instance)


def _pointer(*parts: str) -> str:
    """An RFC 6901 pointer, percent-quoted for use as a URI fragment."""
    return "/".join(quote(p.replace("~", "~0").replace("/", "~1"), safe="~") for p in parts)


@cache
def _spec_validator(*parts: str) -> Draft202012Validator:
    """A validator for a schema inside openapi.yaml, e.g. a media-type entry's `schema`."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{_pointer(*parts)}"}, registry=_registry(), format_checker=format_checker()
    )


# ---------------------------------------------------------------------------------------------
# Per-version marking


def _versions_of(node: dict[str, Any], inherited: tuple[str, ...]) -> tuple[str, ...]:
    declared = node.get(X_VERSIONS)
    if declared is None:
        return inherited
    return tuple(v for v in declared if v in inherited)


def _media_versions(mt: str, entry: dict[str, Any], inherited: tuple[str, ...]) -> tuple[str, ...]:
    if X_VERSIONS in entry:
        return _versions_of(entry, inherited)
    named = _VERSIONED_MEDIA.search(mt)
    if named:
        return tuple(v for v in inherited if v == named.group(1))
    return inherited


def _iter_operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield path, method, op


def _filter_content(content: dict[str, Any], version: str, inherited: tuple[str, ...]) -> dict[str, Any]:
    return {mt: entry for mt, entry in content.items() if version in _media_versions(mt, entry, inherited)}


def _strip_extensions(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_extensions(v) for k, v in node.items() if k not in (X_VERSIONS, X_ALSO_LABELLED)}
    if isinstance(node, list):
        return [_strip_extensions(v) for v in node]
    return node


# ---------------------------------------------------------------------------------------------
# Bundling: external `./schemas/x.json` refs -> `#/components/schemas/x`


def _component_ref(ref: str) -> str:
    file, _, fragment = ref.partition("#")
    name = file.rsplit("/", 1)[-1].removesuffix(".json")
    return f"#/components/schemas/{name}" + (fragment if fragment.startswith("/") else "")


def _is_external(ref: str) -> bool:
    return not ref.startswith("#") and ref.split("#", 1)[0].endswith(".json")


def _rewrite_refs(node: Any, seen: set[str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and _is_external(v):
                seen.add(v.split("#", 1)[0].rsplit("/", 1)[-1].removesuffix(".json"))
                out[k] = _component_ref(v)
            else:
                out[k] = _rewrite_refs(v, seen)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, seen) for v in node]
    return node


def _bundle(doc: dict[str, Any]) -> dict[str, Any]:
    needed: set[str] = set()
    doc = _rewrite_refs(doc, needed)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    done: set[str] = set()
    while needed - done:
        name = sorted(needed - done)[0]
        done.add(name)
        body = {k: v for k, v in schema(name).items() if k not in ("$schema", "$id")}
        components[name] = _rewrite_refs(body, needed)
    doc["components"]["schemas"] = dict(sorted(components.items()))
    return doc


@cache
def _view(version: str) -> dict[str, Any]:
    raw = spec()
    all_versions = tuple(VERSIONS)
    view: dict[str, Any] = {
        k: copy.deepcopy(v) for k, v in raw.items() if k not in ("paths", X_DEFINITIONS, X_FRAMEWORK)
    }
    view["info"] = dict(view.get("info") or {})
    view["info"]["title"] = f"{view['info'].get('title', 'Kafka REST')} (API {version})"
    view["tags"] = [t for t in view.get("tags") or [] if t.get("name") in (version, *_shared_tags(raw))]
    kept_ids: set[str] = set()
    paths: dict[str, Any] = {}
    for path, item in (raw.get("paths") or {}).items():
        new_item: dict[str, Any] = {k: copy.deepcopy(v) for k, v in item.items() if k not in METHODS}
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_versions = _versions_of(op, all_versions)
            if version not in op_versions:
                continue
            new_op = copy.deepcopy(op)
            if "parameters" in new_op:
                new_op["parameters"] = [
                    p for p in new_op["parameters"] if version in _versions_of(p, op_versions)
                ]
            body = new_op.get("requestBody")
            if isinstance(body, dict) and "content" in body:
                body["content"] = _filter_content(body["content"], version, op_versions)
                if not body["content"]:
                    del new_op["requestBody"]
            responses: dict[str, Any] = {}
            for status, response in (new_op.get("responses") or {}).items():
                resp_versions = _versions_of(response, op_versions)
                if version not in resp_versions:
                    continue
                if "content" in response:
                    response["content"] = _filter_content(response["content"], version, resp_versions)
                    if not response["content"]:
                        del response["content"]
                responses[status] = response
            new_op["responses"] = responses
            new_op["tags"] = [t for t in new_op.get("tags") or [] if t == version or t not in VERSIONS]
            new_item[method] = new_op
            kept_ids.add(new_op["operationId"])
        if any(m in new_item for m in METHODS):
            paths[path] = new_item
    # Links to operations outside this version's view would dangle.
    for item in paths.values():
        for method in METHODS:
            for response in (item.get(method) or {}).get("responses", {}).values():
                links = response.get("links")
                if links:
                    response["links"] = {
                        n: ln for n, ln in links.items() if ln.get("operationId") in kept_ids
                    }
                    if not response["links"]:
                        del response["links"]
    view["paths"] = paths
    return _bundle(_strip_extensions(view))


def _shared_tags(raw: dict[str, Any]) -> tuple[str, ...]:
    return tuple(t["name"] for t in raw.get("tags") or [] if t.get("name") not in VERSIONS)


def version_view(version: str) -> dict[str, Any]:
    """A self-contained OpenAPI 3.1 document with only `version`'s operations and media types.

    External schema files are bundled into ``components/schemas`` and refs rewritten, so
    ``schemathesis.openapi.from_dict(version_view("v2"))`` loads it. A fresh copy each call.
    """
    if version not in VERSIONS:
        raise ValueError(f"unknown API version {version!r}; expected one of {VERSIONS}")
    return copy.deepcopy(_view(version))


# ---------------------------------------------------------------------------------------------
# Operations


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # the template, e.g. /topics/{topic}/partitions/{partition}
    tags: tuple[str, ...]
    versions: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method and _path_regex(self.path).fullmatch(path) is not None


@cache
def _path_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


@cache
def _operations(version: str) -> tuple[Operation, ...]:
    out = []
    for path, method, op in _iter_operations(spec()):
        versions = _versions_of(op, tuple(VERSIONS))
        if version in versions:
            tags = tuple(t for t in op.get("tags") or [] if t == version or t not in VERSIONS)
            out.append(Operation(op["operationId"], method.upper(), path, tags, versions))
    return tuple(out)


def operations(version: str) -> list[Operation]:
    """The operations of one API version, in spec order."""
    return list(_operations(version))


def _bare_path(path: str, base_path: str = "") -> str:
    """`http://h/prefix/topics/t/?a=1` with base_path `/prefix` -> `/topics/t`."""
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0].split("#", 1)[0] or "/"
    base = base_path.rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :] or "/"
    return path.rstrip("/") or "/"


def find_operation(version: str, method: str, path: str, *, base_path: str = "") -> Operation | None:
    """The operation a concrete request hits, e.g. (`GET`, `/topics/t1/partitions/0?x=1`).

    A full URL is accepted too (its path is used). `base_path` is the path of the target's base
    URL when it has one (`https://gw.example/kafka-rest` -> `/kafka-rest`). Literal segments win
    over parameters, so `/consumers/g/instances/i/offsets` is the offsets operation.
    """
    bare = _bare_path(path, base_path)
    candidates = [op for op in _operations(version) if op.matches(method, bare)]
    if not candidates:
        return None
    # The most literal template wins (fewest parameters).
    return min(candidates, key=lambda op: op.path.count("{"))


def _raw_operation(op: Operation) -> dict[str, Any]:
    return cast(dict[str, Any], spec()["paths"][op.path][op.method.lower()])


def validate_response(
    version: str,
    method: str,
    path: str,
    status: int,
    content_type: str | None,
    body: bytes,
    *,
    base_path: str = "",
    asked_for: Collection[str] = (),
) -> list[str]:
    """Why a response does not match the spec for `version`; empty when it does.

    Checks that the status is declared for the operation, that the Content-Type's media type is
    declared for that status in that version (or is missing where the response is marked
    `x-content-type-optional`, or is one of its `x-also-labelled`, or a JSON type in `asked_for`:
    the types the request's Accept named, which a server may echo, §1.2), and that the body is
    valid against the schema of that media type (of the first JSON one, for an echoed or
    also-labelled type). A request matching no operation of the version is judged against the spec's framework errors: 404 for an unknown path, 405 for a known path
    with an undeclared method (contract.md §3.1, §8 E3); any other status is a problem.
    """
    op = find_operation(version, method, path, base_path=base_path)
    if op is None:
        return _framework_problems(version, method, _bare_path(path, base_path), status, content_type, body)
    responses = _raw_operation(op).get("responses") or {}
    key = str(status) if str(status) in responses else "default"
    response = responses.get(key)
    if response is None or version not in _versions_of(response, op.versions):
        return [f"{op.label}: status {status} is not declared for API {version}"]
    where = ("paths", op.path, op.method.lower(), "responses", key)
    return _judge(
        version, f"{op.label} {status}", where, response, op.versions, content_type, body, asked_for
    )


def _framework_problems(
    version: str, method: str, path: str, status: int, content_type: str | None, body: bytes
) -> list[str]:
    label = f"{method.upper()} {path}"
    known_path = any(_path_regex(op.path).fullmatch(path) for op in _operations(version))
    expected = "405" if known_path else "404"
    framework = spec().get(X_FRAMEWORK) or {}
    if str(status) != expected or expected not in framework:
        return [
            f"{label}: no operation of API {version} matches (a framework {expected} expected, got {status})"
        ]
    where = (X_FRAMEWORK, expected)
    return _judge(version, f"{label} {status}", where, framework[expected], VERSIONS, content_type, body)


def _judge(
    version: str,
    label: str,
    where: tuple[str, ...],
    response: dict[str, Any],
    inherited: tuple[str, ...],
    content_type: str | None,
    body: bytes,
    asked_for: Collection[str] = (),
) -> list[str]:
    content = _filter_content(response.get("content") or {}, version, _versions_of(response, inherited))
    mt = media_type(content_type)
    if not content:
        if response.get(X_CT_OPTIONAL) or not body.strip():
            return []  # nothing declared and nothing asserted (auth refusals), or a body-less answer
        return [f"{label}: the spec declares no body, got {len(body)} bytes"]
    if mt is None:
        if response.get(X_CT_OPTIONAL):
            return _validate_body(label, where, next(iter(content)), body, empty_ok=True)
        if not body:
            return [f"{label}: no Content-Type and no body; declared {sorted(content)}"]
        return [f"{label}: no Content-Type; declared {sorted(content)}"]
    if mt in content:
        return _validate_body(label, where, mt, body, empty_ok=False)
    echoed = mt in {m.lower() for m in asked_for} and is_json_media_type(mt)
    if echoed or mt in [m.lower() for m in response.get(X_ALSO_LABELLED) or []]:
        # The same body under another label: judged by the first JSON entry of this version.
        json_entries = [m for m in content if is_json_media_type(m)]
        return _validate_body(label, where, json_entries[0], body, empty_ok=False) if json_entries else []
    return [f"{label}: Content-Type {mt} is not declared for API {version}; declared {sorted(content)}"]


def _validate_body(label: str, where: tuple[str, ...], mt: str, body: bytes, *, empty_ok: bool) -> list[str]:
    if not body.strip():
        return [] if empty_ok else [f"{label}: empty body; expected {mt}"]
    if is_json_media_type(mt):
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return [f"{label}: body is not JSON ({exc})"]
    else:
        instance = body.decode("utf-8", errors="replace")
    v = _spec_validator(*where, "content", mt, "schema")
    return [f"{label} {mt}: {e}" for e in _format_errors(v, instance)]


# ---------------------------------------------------------------------------------------------
# Self check (the `validate` subcommand)


def _walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _walk_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk_refs(v)


def _examples(node: Any, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(pointer parts of the media-type entry, example) for every example in the spec's paths."""
    if isinstance(node, dict):
        if "schema" in node and ("example" in node or "examples" in node):
            if "example" in node:
                yield parts, node["example"]
            for ex in (node.get("examples") or {}).values():
                if isinstance(ex, dict) and "value" in ex:
                    yield parts, ex["value"]
        for k, v in node.items():
            yield from _examples(v, (*parts, str(k)))


def check_problems() -> list[str]:
    """Every problem found in the contract files; empty when they are sound."""
    problems: list[str] = []
    for name, doc in _schemas().items():
        try:
            Draft202012Validator.check_schema(doc)
        except SchemaError as exc:
            problems.append(f"schemas/{name}.json is not valid JSON Schema 2020-12: {exc.message}")
            continue
        resolver = _schema_registry().resolver(SCHEMA_DIR_URI + f"{name}.json")
        for ref in _walk_refs(doc):
            try:
                resolver.lookup(ref)
            except Unresolvable as exc:
                problems.append(f"schemas/{name}.json: $ref {ref!r} does not resolve ({exc})")
    resolver = _registry().resolver(SPEC_URI)
    for ref in _walk_refs(spec()):
        try:
            resolver.lookup(ref)
        except Unresolvable as exc:
            problems.append(f"openapi.yaml: $ref {ref!r} does not resolve ({exc})")
    if problems:  # examples cannot be judged against schemas that are broken or missing
        return problems
    for name, doc in _schemas().items():
        for i, example in enumerate(doc.get("examples") or []):
            problems += [f"schemas/{name}.json examples[{i}] {e}" for e in errors(name, example)]
    for parts, example in _examples(spec().get("paths") or {}, ("paths",)):
        v = _spec_validator(*parts, "schema")
        problems += [f"openapi.yaml #/{'/'.join(parts)}: example {e}" for e in _format_errors(v, example)]
    return problems


def _openapi_validity() -> str:
    """Validate openapi.yaml and both views as OpenAPI 3.1, when openapi-spec-validator is installed."""
    try:
        from openapi_spec_validator import validate
        from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    except ImportError:
        return (
            "OpenAPI 3.1 structure: not checked (openapi-spec-validator is not installed; it is a dev extra)"
        )
    with resources.as_file(_data() / "openapi.yaml") as path:
        # The raw spec's relative refs (./schemas/x.json) resolve against its real location.
        documents = [("openapi.yaml", spec(), path.resolve().as_uri())]
        documents += [(f"{v} view", version_view(v), "") for v in VERSIONS]
        for label, doc, base_uri in documents:
            try:
                validate(doc, base_uri=base_uri)
            except OpenAPIValidationError as exc:
                raise ContractFileError(f"{label} is not valid OpenAPI 3.1: {exc}") from exc
    return "OpenAPI 3.1 structure: openapi.yaml and both version views valid (openapi-spec-validator)"


def self_check() -> list[str]:
    """Load and validate the contract files; one line per thing checked.

    Raises `ContractFileError` listing every problem when something is wrong.
    """
    problems = check_problems()
    if problems:
        raise ContractFileError("contract files are invalid:\n  " + "\n  ".join(problems))
    lines = [
        f"schemas/: {len(_schemas())} JSON Schema 2020-12 documents valid, every $ref resolves, examples valid"
    ]
    lines.append(_openapi_validity())
    n_refs = sum(1 for _ in _walk_refs(spec()))
    n_examples = sum(1 for _ in _examples(spec().get("paths") or {}, ("paths",)))
    lines.append(
        f"openapi.yaml: OpenAPI {spec().get('openapi')}, {n_refs} $refs resolve, {n_examples} examples valid"
    )
    for version in VERSIONS:
        view = version_view(version)
        ops = operations(version)
        lines.append(
            f"API {version} view: {len(ops)} operations, {len(view['paths'])} paths, "
            f"{len(view['components']['schemas'])} bundled schemas"
        )
    return lines


def clear_caches() -> None:
    """Forget everything loaded (tests point `_data` elsewhere, then call this)."""
    for fn in (
        spec,
        _schemas,
        _schema_registry,
        _registry,
        format_checker,
        validator,
        _spec_validator,
        _view,
    ):
        fn.cache_clear()
    _operations.cache_clear()
