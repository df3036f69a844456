#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Records real ClientHellos from openssl s_client and curl into OUTDIR, one file per
# client, named CLIENT__EXPECTED-SNI.hello (empty SNI part: the client sent none).
set -u
outdir=${1:?usage: capture-hellos.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
mkdir -p "$outdir"
work=$(mktemp -d)
listener_pid=
client_pid=

cleanup() {
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # the EXIT trap cleans up; the captures left are not waited for

failures=0

# capture FILE-STEM CLIENT-COMMAND... ; "{PORT}" in the command is replaced by the port.
capture() {
	local stem=$1 port waited=0
	shift
	rm -f "$work/port"
	timeout 6 "$python" "$here/capture_listener.py" "$work/$stem.hello" "$work/port" 3 &
	listener_pid=$!
	while [ ! -s "$work/port" ] && [ $waited -lt 50 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	if [ ! -s "$work/port" ]; then
		echo "capture: $stem: listener did not start" >&2
		failures=$((failures + 1))
		return
	fi
	port=$(cat "$work/port")
	local args=("${@//\{PORT\}/$port}")
	timeout 5 "${args[@]}" </dev/null >"$work/$stem.client.log" 2>&1 &
	client_pid=$!
	wait "$listener_pid"
	local listener_rc=$?
	listener_pid=
	kill "$client_pid" 2>/dev/null
	wait "$client_pid" 2>/dev/null
	client_pid=
	if [ $listener_rc -ne 0 ] || [ ! -s "$work/$stem.hello" ]; then
		echo "capture: $stem: nothing recorded" >&2
		failures=$((failures + 1))
		return
	fi
	cp "$work/$stem.hello" "$outdir/"
	echo "captured $stem.hello ($(stat -c %s "$work/$stem.hello") bytes)"
}


name=api.svc.example
capture "openssl-tls12__$name" openssl s_client -connect '127.0.0.1:{PORT}' -servername $name -tls1_2
capture "openssl-tls13__$name" openssl s_client -connect '127.0.0.1:{PORT}' -servername $name -tls1_3
capture "openssl-tls12-alpn__$name" openssl s_client -connect '127.0.0.1:{PORT}' \
	-servername $name -tls1_2 -alpn h2,http/1.1
capture "openssl-tls13-alpn___8443._10-1-2-3._blue.mesh.internal" openssl s_client \
	-connect '127.0.0.1:{PORT}' -servername _8443._10-1-2-3._blue.mesh.internal -tls1_3 \
	-alpn h2,http/1.1
capture "openssl-tls13-mixedcase__web.svc.example" openssl s_client \
	-connect '127.0.0.1:{PORT}' -servername Web.SVC.Example -tls1_3
capture "openssl-tls12-nosni__" openssl s_client -connect '127.0.0.1:{PORT}' -noservername \
	-tls1_2
# A large finite-field key share makes the hello span more than one small TCP segment.
capture "openssl-tls13-bigkeyshare__big.svc.example" openssl s_client \
	-connect '127.0.0.1:{PORT}' -servername big.svc.example -tls1_3 \
	-groups ffdhe8192:X25519
# The same hello cut into three TLS records of at most 512 bytes.
capture "openssl-tls13-fragmented__big.svc.example" openssl s_client \
	-connect '127.0.0.1:{PORT}' -servername big.svc.example -tls1_3 \
	-groups ffdhe8192:X25519 -max_send_frag 512
name=i8443-10-1-2-3.mesh.internal
capture "curl__$name" curl -sk --max-time 3 --resolve "$name:{PORT}:127.0.0.1" \
	"https://$name:{PORT}/"

if [ $failures -ne 0 ]; then
	echo "capture-hellos: $failures capture(s) failed" >&2
	exit 1
fi
exit 0
