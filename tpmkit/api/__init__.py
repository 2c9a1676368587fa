"""Tillpoint's API, served by the kit on 127.0.0.1: a real HTTP service to call, break and judge.

    from tpmkit import api
    shop = api.start()            # prints the URL, the docs URL and the API key (a free port)
    shop = api.start(port=api.PORT)   # a lesson's: the same port, so the same docs URL, after each restart
    shop.url, shop.key            # what a client needs
    shop.faults.fail("GET /v1/customers", count=3)   # the next three answer 503
    shop.requests()               # the server's record of every request it answered
    hooks = api.receiver()        # a webhook receiver for the learner
    api.retry_after_seconds(r)    # how long a 429's or 503's Retry-After says to wait (seconds or a date)

Run it on its own with `tpm-api` (or `python -m tpmkit.api`).
"""

from tpmkit.api.app import KNOWN_BUGS, LATEST, READONLY_KEY, SECRET_KEY, VERSIONS, create_app
from tpmkit.api.client import retry_after_seconds
from tpmkit.api.receiver import Receiver, receiver
from tpmkit.api.server import PORT, Server, start
from tpmkit.api.traffic import retry_report

__all__ = ["KNOWN_BUGS", "LATEST", "PORT", "READONLY_KEY", "SECRET_KEY", "VERSIONS", "Receiver", "Server",
           "create_app", "receiver", "retry_after_seconds", "retry_report", "start"]
