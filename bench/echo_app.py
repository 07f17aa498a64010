"""The baseline of every benchmark: a bare Flask app with one JSON echo view, no Redis.

Served by bench scripts with the same gunicorn settings as the service:
`gunicorn -c gunicorn.conf.py 'bench.echo_app:create_app()'`.
"""

from __future__ import annotations

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/echo", methods=["GET", "POST"])
    def echo():
        if request.method == "POST":
            return jsonify(request.get_json(silent=True))
        return jsonify(dict(request.args))

    return app
