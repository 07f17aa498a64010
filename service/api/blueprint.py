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

import functools
import inspect
from copy import deepcopy

import flask_smorest
import marshmallow as ma
from flask import g, jsonify
from flask_smorest.utils import (
    deepupdate,
    resolve_schema_instance,
    set_status_and_headers_in_response,
    unpack_tuple_response,
)
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug import Response  # (what flask-smorest passes through)

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

    @staticmethod
    def doc(**kwargs):
        """flask-smorest's doc (the same `_apidoc`), without a wrapper around the view: the
        wrapper only called the view, and cost a frame and an `ensure_sync` per request."""
        def decorator(func):
            func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            func._apidoc["manual_doc"] = deepupdate(
                deepcopy(func._apidoc.get("manual_doc", {})), kwargs)
            return func

        return decorator

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's arguments; a JSON body's schema loads through its compiled
        `load` (service/api/fastload.py): the same filter, a fraction of the cost."""
        if location == "json":
            from .fastload import compile_load

            schema = compile_load(resolve_schema_instance(schema))
        return super().arguments(schema, location=location, **kwargs)

    def response(self, status_code, schema=None, **kwargs):
        """flask-smorest's response (the same documentation, the same answer), dumping
        through the schema's compiled `dump` (service/api/fastdump.py) and with a leaner
        wrapper around a synchronous view.

        The wrapper does what flask-smorest's does — the view's answer unpacked, a
        Response passed through, anything else dumped, jsonified, given its status and
        headers — except calling `ensure_sync` per request (the view is known synchronous
        when decorated) and keeping the dump on `g` for flask-smorest's ETag feature,
        which xinqing does not use (`etag` below refuses; service/api/edge.py makes the
        ETags)."""
        if schema is not None:
            from .fastdump import compile_dump

            schema = compile_dump(resolve_schema_instance(schema))
        documented = super().response(status_code, schema, **kwargs)
        prepare = self._prepare_response_content

        def decorator(func):
            smorest = documented(func)
            if inspect.iscoroutinefunction(func):
                return smorest

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                result_raw, r_status_code, r_headers = unpack_tuple_response(func(*args, **kwargs))
                if isinstance(result_raw, Response):
                    set_status_and_headers_in_response(result_raw, r_status_code, r_headers)
                    return result_raw
                result_dump = result_raw if schema is None else schema.dump(result_raw)
                resp = jsonify(prepare(result_dump))
                set_status_and_headers_in_response(resp, r_status_code, r_headers)
                if r_status_code is None:
                    resp.status_code = status_code
                return resp

            wrapper._apidoc = smorest._apidoc  # what flask-smorest documented
            return wrapper

        return decorator

    def etag(self, obj):
        """Not used: ETags come from service/api/edge.py (and `response` above does not
        keep the dump flask-smorest's ETag feature would hash)."""
        raise NotImplementedError("xinqing's ETags are made by service/api/edge.py")
