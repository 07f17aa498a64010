"""The Blueprint every API module uses: flask-smorest's, reading the body parsed once.

`service.api._check_body` parses each JSON body exactly once (orjson, through Flask's JSON
provider), refuses one nested deeper than `MAX_JSON_DEPTH` and keeps the result on `g`.
webargs' own Flask parser would parse the same bytes a second time with Python's `json`
(which fails differently, with a RecursionError near 1,000 levels); this parser hands the
schemas the object already parsed instead. Answers are dumped through their schemas'
compiled `dump` (service/api/fastdump.py).
"""

from __future__ import annotations

import flask_smorest
from flask import g
from flask_smorest.utils import resolve_schema_instance
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

BODY_ATTR = "json_body"  # on flask.g: the request's parsed JSON body


class OnceParsedBodyParser(FlaskParser):
    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return g.get(BODY_ATTR, core.missing)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = OnceParsedBodyParser()

    def response(self, status_code, schema=None, **kwargs):
        """flask-smorest's response, dumping through the schema's compiled `dump`
        (service/api/fastdump.py): the same whitelist, a fraction of the cost."""
        if schema is not None:
            from .fastdump import compile_dump

            schema = compile_dump(resolve_schema_instance(schema))
        return super().response(status_code, schema, **kwargs)
