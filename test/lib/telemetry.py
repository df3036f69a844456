# SPDX-License-Identifier: BSD-3-Clause
"""Ask a DPDK process's telemetry socket one command; print the JSON answer.
usage: telemetry.py FILE_PREFIX COMMAND"""
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % sys.argv[1])
s.recv(1 << 16)
s.send(sys.argv[2].encode())
print(s.recv(1 << 20).decode())
