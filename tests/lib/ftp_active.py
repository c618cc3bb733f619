# SPDX-License-Identifier: GPL-2.0-or-later
"""An active-mode FTP download for the conn_sync gateway tests: log in
to SERVER as vipd/vipd, send PORT (the server connects back to us), RETR
NAME; STATUS gets {"stage": "login" | "done" | "failed", "sha256",
"bytes", "error"} as JSON, rewritten at each stage."""

import ftplib
import hashlib
import json
import os
import sys


def write(path, **status):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(status, f)
    os.replace(tmp, path)


def main():
    server, name, status = sys.argv[1], sys.argv[2], sys.argv[3]
    digest, size = hashlib.sha256(), 0
    try:
        ftp = ftplib.FTP()
        ftp.connect(server, 21, timeout=120)
        ftp.login("vipd", "vipd")
        ftp.set_pasv(False)
        write(status, stage="login")

        def got(block):
            nonlocal size
            digest.update(block)
            size += len(block)

        ftp.retrbinary("RETR " + name, got)
        ftp.quit()
        write(status, stage="done", sha256=digest.hexdigest(), bytes=size)
    except (OSError, EOFError, ftplib.Error) as e:
        write(status, stage="failed", error=repr(e), bytes=size)


if __name__ == "__main__":
    main()
