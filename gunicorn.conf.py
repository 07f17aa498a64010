# gunicorn reads this file when started from this directory; the settings live in the package
# (service/gunicorn_conf.py) so `xinqing serve` and `gunicorn -c python:service.gunicorn_conf`
# work from anywhere. This file only re-exports them.
from service.gunicorn_conf import *  # noqa: F401,F403
