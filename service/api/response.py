"""The app's Response class: werkzeug's, handing its headers to the server more cheaply.

werkzeug's `get_wsgi_response` copies the whole header list into a new `Headers` (one
validated `add` per header, ~60 Python calls for a public GET's nine headers) so that it
can fix up Location, Content-Location and Content-Length on the copy. Most answers need
none of those fix-ups: no Location header, a status that keeps its body and a
Content-Length already set (every answer whose body was set whole has one). Those answers
are handed over as they are (`to_wsgi_list` copies the list once), the rest go through
werkzeug's own code.

`add_new` is the other half: it appends a header the caller knows is absent, with a value
the caller made (no newline can be in it), without `Headers.set`'s validation and scan of
the list. With CHECK on (the test suite turns it on) it checks both.
"""

from __future__ import annotations

from flask import Response as FlaskResponse

CHECK = False  # tests: check add_new's promises on every call

# Headers werkzeug's get_wsgi_headers rewrites, lower-cased
_FIXED_UP = frozenset({"location", "content-location"})


def header_names(headers) -> set[str]:
    """The lower-cased names of the headers present (one pass over the list)."""
    return {name.lower() for name, _ in headers._list}


def add_new(headers, name: str, value: str) -> None:
    """Append header `name` (known absent) with `value` (a str made by us, no newline)."""
    if CHECK:
        assert name not in headers, f"add_new: {name} is already set"
        assert type(value) is str and "\n" not in value and "\r" not in value, (name, value)
    headers._list.append((name, value))


def body_length(response) -> int | None:
    """`response.calculate_content_length()`, read directly off a body set whole."""
    body = response.response
    if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
        return len(body[0])
    return response.calculate_content_length()


class Response(FlaskResponse):
    """Flask's Response, skipping werkzeug's header copy when it would change nothing."""

    def get_wsgi_response(self, environ):
        """werkzeug's, without copying the headers when none needs fixing up."""
        status = self.status_code
        if 200 <= status < 300 and status != 204 or 400 <= status:
            names = header_names(self.headers)
            if "content-length" in names and not (names & _FIXED_UP):
                return self.get_app_iter(environ), self.status, self.headers.to_wsgi_list()
        return super().get_wsgi_response(environ)
