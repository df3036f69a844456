# SPDX-License-Identifier: BSD-3-Clause
"""A tiny HTTP server answering every GET with a fixed text: http_hello.py ADDR PORT TEXT.

http.server's own bind does a reverse DNS lookup of the address, which hangs in a
namespace without DNS; this one skips it.
"""
import http.server
import socketserver
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (sys.argv[3] + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.HTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


Server((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
