"""A stand-in for AWS's console federation endpoint, on loopback, in front
of a moto server (tests/support/signin.rs starts one per test).

It also forwards STS calls to moto, so it knows which role credentials were
assumed with temporary credentials (role chaining), as AWS does. It:

- answers getSigninToken only for live role credentials: it asks moto who
  they are (GetCallerIdentity signed with them) and wants an assumed role;
- refuses SessionDuration for chained credentials, and outside 900..43200;
- answers login with a page saying which role signed in, where to, for how
  long (SessionDuration), and whether a logout came first;
- answers oauth?Action=logout by redirecting to its redirect_uri.

Every AssumeRole, getSigninToken and login is one line in LOG (argv[2]): the
action, the HTTP status, the role. Usage: signin_standin.py MOTO_URL LOG; prints its
port, then serves until stdin closes.
"""

import html
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

MOTO = sys.argv[1]
LOG = sys.argv[2]
CHAINED = {}  # access key id of assumed-role credentials -> signed by temporary ones
REGION = {}  # access key id -> the region STS assumed the role in (moto keeps regions apart)
TOKENS = {}  # sign-in token -> (role ARN, SessionDuration or None, issued at)
STATE = {"logged_out": False}
LOCK = threading.Lock()


def log(line):
    with LOCK, open(LOG, "a") as f:
        f.write(line + "\n")


def who(session):
    sts = boto3.client(
        "sts",
        endpoint_url=MOTO,
        region_name=REGION.get(session["sessionId"], "us-east-1"),
        aws_access_key_id=session["sessionId"],
        aws_secret_access_key=session["sessionKey"],
        aws_session_token=session["sessionToken"],
    )
    return sts.get_caller_identity()["Arn"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # the URLs hold tokens

    def send(self, status, body, ctype="application/json", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/federation" and q.get("Action") == "getSigninToken":
            return self.signin_token(q)
        if url.path == "/federation" and q.get("Action") == "login":
            return self.login(q)
        if url.path == "/oauth" and q.get("Action") == "logout":
            STATE["logged_out"] = True
            return self.send(302, "", "text/plain", [("Location", q.get("redirect_uri", "/"))])
        self.send(404, "not here", "text/plain")

    def signin_token(self, q):
        try:
            session = json.loads(q["Session"])
            arn = who(session)
        except Exception as e:  # unknown, malformed or dead credentials
            log(f"getSigninToken 400 none {type(e).__name__}")
            return self.send(400, "")
        chained = CHAINED.get(session["sessionId"])
        duration = q.get("SessionDuration")
        if ":assumed-role/" not in arn or chained is None:
            log(f"getSigninToken 400 {arn} not-a-role-session")
            return self.send(400, "")
        if duration is not None and (chained or not 900 <= int(duration) <= 43200):
            log(f"getSigninToken 400 {arn} SessionDuration={duration} chained={chained}")
            return self.send(400, "")
        token = secrets.token_urlsafe(48)
        TOKENS[token] = (arn, duration, time.time())
        log(f"getSigninToken 200 {arn} SessionDuration={duration}")
        self.send(200, json.dumps({"SigninToken": token}))

    def login(self, q):
        found = TOKENS.get(q.get("SigninToken", ""))
        if not found or time.time() - found[2] > 900:
            log("login 400 bad-token")
            return self.send(400, "<html><body>bad token</body></html>", "text/html")
        arn, duration, _ = found
        log(f"login 200 {arn}")
        page = (
            "<html><body>"
            f'<p id="role">signed in as {html.escape(arn)}</p>'
            f'<p id="destination">to {html.escape(q.get("Destination", ""))}</p>'
            f'<p id="issuer">issuer {html.escape(q.get("Issuer", ""))}</p>'
            f'<p id="session">session {html.escape(str(duration))}</p>'
            f'<p id="logout">logged out first: {STATE["logged_out"]}</p>'
            "</body></html>"
        )
        self.send(200, page, "text/html")

    def do_POST(self):
        """STS, forwarded to moto: AssumeRole answers are remembered with
        whether temporary credentials signed the call."""
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        req = urllib.request.Request(MOTO + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req) as r:
                status, answer, ctype = r.status, r.read(), r.headers.get("Content-Type", "text/xml")
        except urllib.error.HTTPError as e:
            status, answer, ctype = e.code, e.read(), e.headers.get("Content-Type", "text/xml")
        text = answer.decode(errors="replace")
        if "<AssumeRoleResult>" in text:
            key = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", text)
            signer = re.search(
                r"Credential=([A-Z0-9]+)/[0-9]+/([a-z0-9-]+)/", self.headers.get("Authorization", "")
            )
            if key:
                temporary = bool(self.headers.get("X-Amz-Security-Token")) or (
                    signer is not None and signer.group(1).startswith("ASIA")
                )
                CHAINED[key.group(1)] = temporary
                log(f"AssumeRole 200 temporary={temporary}")
                REGION[key.group(1)] = signer.group(2) if signer else "us-east-1"
        data = answer
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    os._exit(0)


main()
