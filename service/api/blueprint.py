"""The Blueprint every API module uses: flask-smorest's, reading the body parsed once.

`service.api._check_body` parses each JSON body exactly once (orjson, through Flask's JSON
provider), refuses one nested deeper than `MAX_JSON_DEPTH` and keeps the result on `g`.
webargs' own Flask parser would parse the same bytes a second time with Python's `json`
(which fails differently, with a RecursionError near 1,000 levels); this parser hands the
schemas the object already parsed instead, and parses a JSON body through the schema in a
few steps instead of webargs' generic dispatch. Bodies are loaded through their schemas'
compiled `load` (service/api/fastload.py), answers dumped through their compiled `dump`
(service/api/fastdump.py).
"""

from __future__ import annotations

import flask_smorest
import marshmallow as ma
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

    def parse(self, argmap, req=None, *, location=None, unknown=core._UNKNOWN_DEFAULT_PARAM,
              validate=None, error_status_code=None, error_headers=None):
        """webargs' parse; for a JSON body and a schema instance, its steps done directly.

        Those steps, as webargs takes them: the body (`_raw_load_json`: what _check_body
        left on `g`, which it only does for a JSON request), `{}` without one, the `unknown`
        webargs would pick, `pre_load`, the schema's `load`, and a ValidationError handed
        to `_on_validation_error` (a 422 with the messages under "json")."""
        if (location != "json" or validate is not None or not isinstance(argmap, ma.Schema)
                or type(self).load_json is not core.Parser.load_json):
            return super().parse(argmap, req, location=location, unknown=unknown,
                                 validate=validate, error_status_code=error_status_code,
                                 error_headers=error_headers)
        if req is None:
            req = self.get_default_request()
        data = g.get(BODY_ATTR, core.missing)
        if data is core.missing:
            data = {}
        if unknown == core._UNKNOWN_DEFAULT_PARAM:
            unknown = (self.unknown if self.unknown != core._UNKNOWN_DEFAULT_PARAM
                       else self.DEFAULT_UNKNOWN_BY_LOCATION.get(location))
        try:
            data = self.pre_load(data, schema=argmap, req=req, location=location)
            return argmap.load(data, unknown=unknown) if unknown else argmap.load(data)
        except ma.ValidationError as error:
            self._on_validation_error(error, req, argmap, location,
                                      error_status_code=error_status_code,
                                      error_headers=error_headers)
            raise ValueError("_on_validation_error hook did not raise an exception") from error


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = OnceParsedBodyParser()

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's arguments; a JSON body's schema loads through its compiled
        `load` (service/api/fastload.py): the same filter, a fraction of the cost."""
        if location == "json":
            from .fastload import compile_load

            schema = compile_load(resolve_schema_instance(schema))
        return super().arguments(schema, location=location, **kwargs)

    def response(self, status_code, schema=None, **kwargs):
        """flask-smorest's response, dumping through the schema's compiled `dump`
        (service/api/fastdump.py): the same whitelist, a fraction of the cost."""
        if schema is not None:
            from .fastdump import compile_dump

            schema = compile_dump(resolve_schema_instance(schema))
        return super().response(status_code, schema, **kwargs)
