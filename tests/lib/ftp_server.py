# SPDX-License-Identifier: GPL-2.0-or-later
"""An FTP server for the conn_sync gateway tests (pyftpdlib): user "vipd",
password "vipd", ROOT as its home. With --gate FILE, the data connection
a PORT or EPRT command asks for is opened only once FILE exists (polled
on the server's loop, the command channel stays served meanwhile): the
test sends the PORT through one gateway, takes it over, and lets the
server connect back through the other."""

import argparse
import os

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--address", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=21)
    ap.add_argument("--gate")
    args = ap.parse_args()

    class Gated(FTPHandler):
        def _make_eport(self, ip, port):
            if args.gate and not os.path.exists(args.gate):
                self.ioloop.call_later(0.05, self._make_eport, ip, port)
                return
            FTPHandler._make_eport(self, ip, port)

    auth = DummyAuthorizer()
    auth.add_user("vipd", "vipd", args.root, perm="elr")
    Gated.authorizer = auth
    Gated.passive_ports = None
    server = FTPServer((args.address, args.port), Gated)
    server.serve_forever()


if __name__ == "__main__":
    main()
