#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vipd notify script: post each transition to a webhook (JSON) and,
optionally, mail it.

Called as SCRIPT TYPE NAME STATE PRIORITY (keepalived's notify arguments;
see notify-syslog.sh). Settings come from the environment or from
/etc/vipd/notify-webhook.conf (KEY=VALUE lines):

  WEBHOOK_URL    http(s) URL that receives {"type","name","state",
                 "priority","host","time"} as a POST; empty: no POST
  MAIL_TO        address(es), comma separated; empty: no mail
  MAIL_FROM      default vipd@HOSTNAME
  SMTP_HOST      default localhost (port 25, no authentication)
  TIMEOUT_S      per attempt, default 3 (vipd kills slow notify scripts)

Only the Python standard library is used. Exit status 0 when every
configured channel worked, 1 otherwise (vipd counts failed notifies).

  notify = { any = "/etc/vipd/notify/notify-webhook.py" };
"""

import json
import os
import smtplib
import socket
import sys
import time
import urllib.request
from email.message import EmailMessage

CONF = "/etc/vipd/notify-webhook.conf"


def settings():
    conf = {}
    try:
        with open(CONF) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    conf[key.strip()] = value.strip().strip('"')
    except FileNotFoundError:
        pass
    for key in ("WEBHOOK_URL", "MAIL_TO", "MAIL_FROM", "SMTP_HOST", "TIMEOUT_S"):
        if key in os.environ:
            conf[key] = os.environ[key]
    return conf


def post(url, event, timeout):
    body = json.dumps(event).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "vipd-notify"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        if resp.status >= 300:
            raise RuntimeError("HTTP %d" % resp.status)


def mail(conf, event, timeout):
    msg = EmailMessage()
    msg["Subject"] = "[vipd] %s %s is %s on %s" % (
        event["type"], event["name"], event["state"], event["host"])
    msg["From"] = conf.get("MAIL_FROM") or "vipd@%s" % event["host"]
    msg["To"] = conf["MAIL_TO"]
    msg.set_content(json.dumps(event, indent=2) + "\n")
    with smtplib.SMTP(conf.get("SMTP_HOST") or "localhost", 25,
                      timeout=timeout) as smtp:
        smtp.send_message(msg)


def main(argv):
    if len(argv) < 4:
        print("usage: %s TYPE NAME STATE [PRIORITY]" % argv[0], file=sys.stderr)
        return 2
    event = {"type": argv[1], "name": argv[2], "state": argv[3],
             "priority": int(argv[4]) if len(argv) > 4 and argv[4].isdigit() else None,
             "host": socket.gethostname(),
             "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    conf = settings()
    timeout = float(conf.get("TIMEOUT_S") or 3)
    failed = False
    if conf.get("WEBHOOK_URL"):
        try:
            post(conf["WEBHOOK_URL"], event, timeout)
        except Exception as e:      # one line for the operator, then go on
            print("vipd-notify: webhook %s: %s" % (conf["WEBHOOK_URL"], e),
                  file=sys.stderr)
            failed = True
    if conf.get("MAIL_TO"):
        try:
            mail(conf, event, timeout)
        except Exception as e:
            print("vipd-notify: mail to %s: %s" % (conf["MAIL_TO"], e),
                  file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
