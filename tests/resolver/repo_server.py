#!/usr/bin/env python3
"""A Maven repository over HTTP on 127.0.0.1, with fault injection, for the resolver tests.

Serves a directory in the maven2 layout. Extras:
  * g/a/maven-metadata.xml falls back to maven-metadata-central.xml / -local.xml, so a
    local repository filled by `mvn -Dmaven.repo.local=...` can be served as is;
  * checksum sidecars (.sha1 .md5 .sha256 .sha512) are computed for any file that has none;
  * PUT writes files (for `streamsubmit publish`);
  * faults by URL path suffix, set with faults={suffix: fault}:
      "503x2"   two 503 answers, then the file     "stall"      headers, then silence
      "truncate" half the body, connection closed  "badsum"     wrong .sha1/.sha256/...
      "nosum"   no checksum sidecars               "loop"       redirects to itself forever
      "401" / "403"                                "html"       200 with an HTML page
      "malformed"  200 with broken XML             "slow"       the body, 4 KiB every 50 ms
      "redirect:URL"  302 to URL
  * every request is counted in .requests (path list), for "no request on a warm cache";
  * it answers as an HTTP proxy too (absolute-form targets, http://host/path, are served as
    /path and listed in .proxied), so a test can see whether a client went to a host at all.

Usage as a script: repo_server.py DIR [--port N]  (prints the URL, serves until killed).
"""
import hashlib
import http.server
import os
import socketserver
import sys
import threading
import time

MALFORMED = b"<project>\n<groupId>x</groupId>\n<artifactId>y</artifact>\n</project>\n"
ALGS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


class Repo:
    def __init__(self, root, faults=None, auth=None, synth_sums=True):
        self.root = os.path.abspath(root)
        self.synth_sums = synth_sums  # compute sidecars for files that have none
        self.faults = dict(faults or {})
        self.auth = auth  # "Basic xxx" or "Bearer xxx" required when set
        self.requests = []
        self.proxied = []  # absolute URLs asked of this server as a proxy
        self.counts = {}
        self.lock = threading.Lock()

    def fault_for(self, path):
        for suffix, fault in self.faults.items():
            if path.endswith(suffix):
                return suffix, fault
        return None, None


def make_handler(repo):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, code, body=b"", ctype="application/octet-stream", headers=None):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _file(self, rel):
            p = os.path.normpath(os.path.join(repo.root, rel.lstrip("/")))
            if not p.startswith(repo.root):
                return None
            if os.path.isfile(p):
                return p
            base = os.path.basename(p)
            if base == "maven-metadata.xml":
                for alt in ("maven-metadata-central.xml", "maven-metadata-local.xml"):
                    q = os.path.join(os.path.dirname(p), alt)
                    if os.path.isfile(q):
                        return q
            return None

        def _body(self, rel):
            p = self._file(rel)
            if p:
                with open(p, "rb") as f:
                    return f.read()
            for alg, fn in ALGS.items():
                if repo.synth_sums and rel.endswith("." + alg):
                    src = self._file(rel[: -len(alg) - 1])
                    if src:
                        with open(src, "rb") as f:
                            return (fn(f.read()).hexdigest() + "\n").encode()
            return None

        def _path(self):
            path = self.path.split("?")[0]
            if path.startswith("http://") or path.startswith("https://"):  # asked as a proxy
                with repo.lock:
                    repo.proxied.append(path)
                path = "/" + (path.split("/", 3) + [""])[3]
            return path

        def do_GET(self):
            path = self._path()
            with repo.lock:
                repo.requests.append(path)
                repo.counts[path] = repo.counts.get(path, 0) + 1
                n = repo.counts[path]
            if repo.auth and self.headers.get("Authorization") != repo.auth:
                return self._send(401, b"unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="repo"'})
            sidecar = next((a for a in ALGS if path.endswith("." + a)), None)
            main = path[: -len(sidecar) - 1] if sidecar else path
            suffix, fault = repo.fault_for(main)
            if fault and not sidecar:
                if fault.startswith("503x") and n <= int(fault[4:]):
                    return self._send(503, b"busy", "text/plain")
                if fault == "stall":
                    self.send_response(200)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b"x" * 10)
                    self.wfile.flush()
                    time.sleep(30)
                    return
                if fault == "truncate":
                    body = self._body(path) or b"0" * 2000
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if fault == "slow":  # the real body, 4 KiB every 50 ms
                    body = self._body(path) or b""
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    try:
                        for i in range(0, len(body), 4096):
                            self.wfile.write(body[i:i + 4096])
                            self.wfile.flush()
                            time.sleep(0.05)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if fault.startswith("redirect:"):
                    return self._send(302, b"", "text/plain", {"Location": fault[len("redirect:"):]})
                if fault == "loop":
                    return self._send(302, b"", "text/plain", {"Location": path})
                if fault in ("401", "403"):
                    return self._send(int(fault), b"denied", "text/plain")
                if fault == "html":
                    return self._send(200, b"<!DOCTYPE html><html><body>Please log in</body></html>", "text/html")
                if fault == "malformed":
                    return self._send(200, MALFORMED, "application/xml")
            if fault and sidecar:
                if fault == "nosum":
                    return self._send(404, b"no", "text/plain")
                if fault == "badsum":
                    return self._send(200, ("0" * len(ALGS[sidecar]().hexdigest()) + "\n").encode(), "text/plain")
                if fault == "malformed":  # a consistent checksum for the broken body
                    return self._send(200, (ALGS[sidecar](MALFORMED).hexdigest() + "\n").encode(), "text/plain")
            body = self._body(path)
            if body is None:
                return self._send(404, b"not found", "text/plain")
            return self._send(200, body)

        do_HEAD = do_GET

        def do_PUT(self):
            path = self._path()
            with repo.lock:
                repo.requests.append("PUT " + path)
            if repo.auth and self.headers.get("Authorization") != repo.auth:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                return self._send(401, b"unauthorized", "text/plain")
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length)
            p = os.path.normpath(os.path.join(repo.root, path.lstrip("/")))
            if not p.startswith(repo.root):
                return self._send(403, b"no", "text/plain")
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
            return self._send(201, b"")

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # the client gave up (timeouts, size limits, kill -9): expected in these tests
        super().handle_error(request, client_address)


def start(root, faults=None, auth=None, synth_sums=True, tls=None):
    """Starts a server thread on a free port; returns (server, repo, url).
    tls=(certfile, keyfile) serves HTTPS."""
    repo = Repo(root, faults, auth, synth_sums)
    server = Server(("127.0.0.1", 0), make_handler(repo))
    scheme = "http"
    if tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, repo, "%s://127.0.0.1:%d" % (scheme, server.server_address[1])


if __name__ == "__main__":
    port = 0
    if "--port" in sys.argv:
        port = int(sys.argv[sys.argv.index("--port") + 1])
    repo = Repo(sys.argv[1])
    server = Server(("127.0.0.1", port), make_handler(repo))
    print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
