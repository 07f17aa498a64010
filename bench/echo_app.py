"""The baseline: a bare Flask app with one JSON echo view, served like xinqing.

`gunicorn -c gunicorn.conf.py 'bench.echo_app:create_app()'` — same worker class and count,
so a ratio against it measures what xinqing adds on top of Flask itself.
"""

from flask import Flask, jsonify, request


def create_app():
    app = Flask(__name__)

    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo():
        return jsonify(request.get_json(silent=True) or {})

    @app.route("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
