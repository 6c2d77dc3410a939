"""A store's webhook receiver for the server's tests (crates/server/tests/webhooks.rs): every
delivery is verified with `standardwebhooks`, the Standard Webhooks library from PyPI, not with
the server's own code, and recorded as one JSON line in --log:

  {"id": …, "timestamp": …, "signature": …, "body": …, "verified_by": ["old", …],
   "errors": {"new": "No matching signature found"}, "held": false, "answered": 204}

--secrets names a file of `name=whsec_…` lines, read again for each request (so a test can
hand the receiver a rotated secret); a delivery any of them verifies is answered 204, any
other 401 (which the server retries, as a real receiver would make it). While the file --hold
names exists, requests are recorded and then held unanswered until it is removed (a delivery
in flight when the server is killed).
"""

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

LOCK = threading.Lock()


def read_secrets(path):
    secrets = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and "=" in line:
                    name, secret = line.split("=", 1)
                    secrets.append((name, secret))
    except FileNotFoundError:
        pass
    return secrets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--hold", required=True)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {k: v for k, v in self.headers.items()}
            verified_by, errors = [], {}
            for name, secret in read_secrets(args.secrets):
                try:
                    Webhook(secret).verify(body, headers)
                    verified_by.append(name)
                except Exception as e:  # the library's verdict, whatever it is
                    errors[name] = f"{type(e).__name__}: {e}"
            held = os.path.exists(args.hold)
            status = 204 if verified_by else 401
            record = {
                "id": headers.get("webhook-id"),
                "timestamp": headers.get("webhook-timestamp"),
                "signature": headers.get("webhook-signature"),
                "content_type": headers.get("content-type"),
                "body": body.decode("utf-8", "replace"),
                "verified_by": verified_by,
                "errors": errors,
                "held": held,
                "answered": status,
            }
            with LOCK:
                with open(args.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            while os.path.exists(args.hold):
                time.sleep(0.05)
            if held:
                # The sender was killed meanwhile: nobody reads this answer.
                self.close_connection = True
                return
            answer = b"" if verified_by else json.dumps(errors).encode()
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
