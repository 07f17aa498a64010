"""The OpenAPI document's conventions, checked over every operation so new ones cannot skip them.

Each operation has a stable operationId (HTTP method + lowerCamelCase), declares its security,
lists the error codes it can answer per status (all of them known to service/errors.py, with
their status), has a body schema when it takes a body, and types every response field. The
declared security is also tried against the running app: a call that needs a credential answers
401 without one, and any Bearer that is not a credential for it is 401 as well. docs/errors.md
is generated from service/errors.py and must match it.
"""

from __future__ import annotations

import re

import pytest

from conftest import ADMIN_TOKEN, ROOT
from service.api.openapi import HTTP_METHODS, openapi_path, served_document
from service.api.operations import OPERATION_ID_RE, OPERATIONS
from service.errors import all_errors, by_code, catalogue

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def spec(app):
    return served_document(app)


def operations(spec):
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_has_a_stable_readable_id(spec):
    seen = {}
    for path, method, op in operations(spec):
        op_id = op.get("operationId")
        where = f"{method.upper()} {path}"
        assert op_id, f"{where} has no operationId: add @operation(...) (service/api/operations.py)"
        assert OPERATION_ID_RE.fullmatch(op_id) and op_id.startswith(method), (where, op_id)
        assert op_id not in seen, f"{where} and {seen.get(op_id)} share {op_id}"
        seen[op_id] = where
    assert set(seen) == set(OPERATIONS), "an @operation is declared but not routed, or twice"


def test_every_operation_declares_its_security(spec):
    schemes = set(spec["components"]["securitySchemes"])
    assert schemes == {"reader", "editor", "admin", "metrics"}
    assert spec["components"]["securitySchemes"]["reader"] == {
        "type": "apiKey", "in": "header", "name": "X-Reader-Token",
        "description": spec["components"]["securitySchemes"]["reader"]["description"]}
    for path, method, op in operations(spec):
        assert "security" in op, f"{method.upper()} {path} declares no security"
        for requirement in op["security"]:
            assert set(requirement) <= schemes, (path, requirement)
    by_id = {op["operationId"]: op["security"] for _, _, op in operations(spec)}
    assert by_id["putMyReaction"] == [{"reader": []}]
    assert by_id["getReactions"] == [{}, {"reader": []}]
    assert by_id["getSettings"] == [{"editor": []}, {"admin": []}]
    assert by_id["postSite"] == [{"admin": []}]
    assert by_id["getRankings"] == []


def test_every_operation_lists_the_codes_it_can_answer(spec):
    codes = by_code()
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        declared = OPERATIONS[op["operationId"]]
        # only an operation that touches nothing and takes nothing can answer no error
        assert errors or (not declared.storage and not op["security"]
                          and "{" not in path and not op.get("parameters")), \
            f"{where} lists no error response"
        for status, response in errors.items():
            listed = response.get("x-error-codes")
            assert listed, (where, status)
            for code in listed:
                assert code in codes, f"{where} lists {code}, unknown to service/errors.py"
                assert codes[code].status == int(status), (where, code, status)
                assert f"`{code}`" in response["description"]
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}
        assert op["responses"]["default"]["x-error-codes"] == ["internal_error"]
        if "{site}" in path:
            assert {"invalid_id"} <= set(errors["400"]["x-error-codes"]), where
            assert "site_not_found" in errors["404"]["x-error-codes"], where
        if op["security"] and {} not in op["security"]:
            assert "401" in errors, f"{where} needs a credential but lists no 401"
        if "429" in errors or "503" in errors:
            for status in {"429", "503"} & set(errors):
                assert "Retry-After" in errors[status]["headers"], where
    by_id = {op["operationId"]: op for _, _, op in operations(spec)}
    assert by_id["putMyReaction"]["responses"]["422"]["x-error-codes"] == [
        "unknown_mood", "validation_error"]
    assert by_id["putMyReaction"]["responses"]["429"]["x-error-codes"] == ["rate_limited"]
    assert "409" in by_id["postSite"]["responses"]


def test_every_body_operation_has_a_schema_and_every_api_route_is_documented(app, spec):
    for path, method, op in operations(spec):
        if method in ("post", "put", "patch"):
            assert "requestBody" in op, f"{method.upper()} {path}: add @blp.arguments(...), " \
                                        "an empty StrictSchema if it takes no fields"
    documented = {(path, method) for path, method, _ in operations(spec)}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (openapi_path(rule.rule), method.lower()) in documented, \
                f"{method} {rule.rule} is routed but not in the OpenAPI document"


FREE_FORM = {"ErrorDetail.details"}  # each code's own specifics (docs/errors.md)


def _untyped(schema: dict, where: str, spec: dict, problems: list, seen: set) -> None:
    if where in FREE_FORM:
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _untyped(spec["components"]["schemas"][name], name, spec, problems, seen)
        return
    if "anyOf" in schema or "oneOf" in schema:
        branches = schema.get("anyOf") or schema.get("oneOf")
        first = branches[0]
        if "$ref" not in first and first.get("type") in ("object", None, "null"):
            problems.append(f"{where}: an untyped branch comes first: {branches}")
        for branch in branches:
            _untyped(branch, where, spec, problems, seen)
        return
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if kinds == [None]:
        problems.append(f"{where}: no type: {schema}")
        return
    if "object" in kinds:
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if not props and not isinstance(extra, dict):
            problems.append(f"{where}: an object without typed fields: {schema}")
        for name, prop in (props or {}).items():
            _untyped(prop, f"{where}.{name}", spec, problems, seen)
        if isinstance(extra, dict):
            _untyped(extra, f"{where}[*]", spec, problems, seen)
    if "array" in kinds:
        _untyped(schema.get("items") or {}, f"{where}[]", spec, problems, seen)


def test_every_response_body_is_fully_typed(spec):
    problems: list[str] = []
    seen: set[str] = set()
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            for media, content in response.get("content", {}).items():
                if media == "application/json":
                    _untyped(content["schema"], f"{op['operationId']} {status}", spec,
                             problems, seen)
    assert not problems, "\n".join(problems)
    schemas = spec["components"]["schemas"]
    assert schemas["RankingItem"]["properties"]["meta"]["anyOf"][0] == {
        "$ref": "#/components/schemas/ArticleMetaOut"}
    assert schemas["Reactions"]["properties"]["counts"]["additionalProperties"] == {
        "type": "integer"}
    assert "counts" in schemas["Reactions"]["required"] and \
        "mine" not in schemas["Reactions"]["required"]


# -- the declared security, tried ------------------------------------------------------------

@pytest.fixture
def world(api):
    """A site with a comment, its author's ban ref, a second site and their tokens."""
    editor = api.create_site("gmw")
    other_editor = api.create_site("other")
    reader = api.reader("gmw")
    comment = api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "说得好"},
                              headers=reader).get_json()
    ref = api.client.get(f"/v1/sites/gmw/comments/{comment['id']}",
                         headers=api.editor(editor)).get_json()["author"]["ref"]
    reader_id = api.client.get("/v1/sites/gmw/readers/me", headers=reader).get_json()["reader"]
    values = {"site": "gmw", "article": "a1", "comment_id": comment["id"], "ref": ref,
              "reader": reader_id}
    return {"editor": editor, "other_editor": other_editor, "reader": reader, "values": values}


def _call(client, path, method, values, headers):
    url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
    body = {} if method in ("post", "put", "patch") else None
    return client.open(url, method=method.upper(), json=body, headers=headers)


def test_declared_security_is_what_the_service_does(api, spec, world):
    """Needs a credential: none is 401. Takes a Bearer: a wrong one, another site's editor
    token, a reader token sent as Bearer, and (operator calls) the editor token are all 401."""
    wrong_bearers = {
        "a wrong token": "Bearer wrong-token-0123456789abcdef",
        "another site's editor token": f"Bearer {world['other_editor']}",
        "a reader token": f"Bearer {world['reader']['X-Reader-Token']}",
    }
    checked = 0
    for path, method, op in operations(spec):
        if path == "/metrics":
            continue  # its access depends on XINQING_METRICS_TOKEN (tests/test_ops_observe.py)
        security = op["security"]
        where = f"{op['operationId']} ({method.upper()} {path})"
        bare = _call(api.client, path, method, world["values"], {})
        if security and {} not in security:
            assert bare.status_code == 401, (where, bare.get_json())
            assert bare.get_json()["error"]["code"] in {"missing_reader", "unauthorized"}
        else:
            assert bare.status_code != 401, (where, bare.get_json())
        schemes = {name for requirement in security for name in requirement}
        if schemes & {"editor", "admin"}:
            bearers = dict(wrong_bearers)
            if "editor" not in schemes:
                bearers["the site's editor token"] = f"Bearer {world['editor']}"
            for what, header in bearers.items():
                r = _call(api.client, path, method, world["values"], {"Authorization": header})
                assert r.status_code == 401, (where, what, r.get_json())
                assert r.get_json()["error"]["code"] == "unauthorized", (where, what)
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
            checked += 1
    assert checked >= 15


def test_valid_credential_beyond_its_rights_is_403(api, world):
    other_reader = api.reader("gmw")
    cid = world["values"]["comment_id"]
    r = api.client.delete(f"/v1/sites/gmw/comments/{cid}", headers=other_reader)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_comment_author"
    r = api.client.delete(f"/v1/sites/gmw/comments/{cid}", headers=world["reader"])
    assert r.status_code == 200


def test_admin_token_works_wherever_an_editor_token_does(api, world):
    assert api.client.get("/v1/sites/gmw/settings", headers=ADMIN).status_code == 200
    assert api.client.get("/v1/sites/other/settings",
                          headers=api.editor(world["other_editor"])).status_code == 200
    assert api.client.get("/v1/sites/gmw/settings",
                          headers=api.editor(world["other_editor"])).status_code == 401


# -- the error catalogue ---------------------------------------------------------------------

def test_docs_errors_md_is_generated_from_service_errors():
    assert (ROOT / "docs" / "errors.md").read_text() == catalogue(), \
        "docs/errors.md is stale: run `xinqing errors > docs/errors.md`"


def test_every_error_code_is_unique_and_explained():
    classes = all_errors()
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    for cls in classes:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", cls.code), cls
        assert cls.message and cls.advice, cls
        assert cls.code == "internal_error" or 400 <= cls.status < 600
