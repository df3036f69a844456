#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# mkcerts.sh DIR NAME...: a test CA (DIR/ca.crt) and, for each NAME, DIR/NAME.crt and
# DIR/NAME.key signed by it with NAME (and *.NAME) as subject alternative names.
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
cd "$dir"
if [ ! -f ca.key ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=meshrelay test CA" -keyout ca.key -out ca.crt 2>/dev/null
fi
for name in "$@"; do
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-keyout "$name.key" -out "$name.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s,DNS:*.%s\n' "$name" "$name" >"$name.ext"
	openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile "$name.ext" -out "$name.crt" 2>/dev/null
done
