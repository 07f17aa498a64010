"""The Blueprint every API module uses: flask-smorest's, reading the body parsed once.

`service.api._check_body` parses each JSON body exactly once (orjson, through Flask's JSON
provider), refuses one nested deeper than `MAX_JSON_DEPTH` and keeps the result on `g`.
webargs' own Flask parser would parse the same bytes a second time with Python's `json`
(which fails differently, with a RecursionError near 1,000 levels); this parser hands the
schemas the object already parsed instead.
"""

from __future__ import annotations

import flask_smorest
from flask import g
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
