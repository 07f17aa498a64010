"""schemathesis against the generated OpenAPI document, in-process on the test Redis.

Every documented operation gets generated requests (valid and invalid); none may answer 5xx,
every error is the one JSON error shape, and every 2xx body validates against the response
schema the document promises. Valid credentials are sent so generated requests reach the
logic behind authentication: a reader token, and the site's own editor token (the admin token
on operator endpoints); site ids are pinned to a real site.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from conftest import ADMIN_TOKEN, ApiHelper


def test_no_operation_answers_5xx_or_breaks_its_schema(app):
    api = ApiHelper(app.test_client())
    tokens = {"editor": api.create_site("gmw")}
    reader = api.reader("gmw")["X-Reader-Token"]
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures = []
    statuses: dict[str, set[int]] = {}

    for operation in operations:
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        @given(case=operation.as_strategy())
        def run(case):
            if "site" in (case.path_parameters or {}):
                case.path_parameters["site"] = "gmw"
            operator = case.path.startswith("/v1/admin/")
            bearer = ADMIN_TOKEN if operator else tokens["editor"]
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {bearer}",
                            "X-Reader-Token": reader}
            response = case.call()
            if case.path.endswith("/editor-token") and response.status_code == 201:
                tokens["editor"] = response.json()["editor_token"]  # rotated: keep up
            statuses.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)
            where = f"{case.method} {case.formatted_path} -> {response.status_code}"
            assert response.status_code < 500, where + " " + response.text[:300]
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"}, where
                assert {"code", "message", "details"} <= set(body["error"]), where
            else:
                case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:800])
    assert not failures, "\n\n".join(failures)
    # the credentials were valid: editor and operator endpoints answered 2xx
    for op in ("GET /v1/sites/{site}/settings", "GET /v1/sites/{site}/moderation",
               "POST /v1/admin/sites/{site}/editor-token"):
        assert any(200 <= code < 300 for code in statuses.get(op, ())), (op, statuses.get(op))
