#!/usr/bin/env python3
"""moto's server, applying one request at a time.

moto's own server is threaded and takes no lock around a request, so two
concurrent TransactWriteItems can both pass their condition checks before
either writes. DynamoDB never allows that (its transactions are
serializable), and the conformance suite's racing writers notice. With the
requests serialised, the stand-in keeps DynamoDB's guarantee; moto holds
Python's global lock anyway, so little speed is lost.

    moto/bin/python moto_serial.py HOST PORT
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serial(environ, start_response):
        with lock:
            # The body is materialised under the lock as well.
            return list(app(environ, start_response))

    run_simple(host, port, serial, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
