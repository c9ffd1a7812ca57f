#!/usr/bin/env python3
"""A small real HTTP(S) API for the metrics-api integration test.

Serves the files of --dir under several prefixes, each guarded by one kind of authentication:
  /open/<file>     no authentication
  /bearer/<file>   Authorization: Bearer <--token>
  /apikey/<file>   header X-API-KEY: <--api-key>, or query parameter api_key=<--api-key>
  /basic/<file>    basic authentication --user / --password
  /status/<code>   answers <code>, echoing the request's Authorization header in the body
Binds 127.0.0.1:--port (0 picks one); prints the port on stdout once listening. With --cert and
--key it speaks HTTPS only.
"""
import argparse
import base64
import http.server
import os
import ssl
import sys
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--token", default="")
    p.add_argument("--api-key", default="")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):  # keep the test output quiet
            pass

        def reply(self, code, body, ctype="text/plain"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            parts = url.path.strip("/").split("/", 1)
            if len(parts) != 2:
                return self.reply(404, "not found")
            kind, rest = parts
            query = urllib.parse.parse_qs(url.query)
            auth = self.headers.get("Authorization", "")
            if kind == "status":
                return self.reply(int(rest), "you sent: " + auth)
            if kind == "bearer" and auth != "Bearer " + args.token:
                return self.reply(401, "bad token")
            if kind == "apikey" and args.api_key not in (
                    self.headers.get("X-API-KEY", ""), query.get("api_key", [""])[0]):
                return self.reply(403, "bad key")
            if kind == "basic":
                want = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
                if auth != "Basic " + want:
                    return self.reply(401, "bad credentials")
            if kind not in ("open", "bearer", "apikey", "basic"):
                return self.reply(404, "not found")
            path = os.path.join(args.dir, os.path.basename(rest))
            if not os.path.isfile(path):
                return self.reply(404, "no such file")
            with open(path) as f:
                return self.reply(200, f.read())

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
