#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for
# a bounded time: the classifier's (sni_parse, sni_mangle, dns_msg, proxy_v2), the data plane's packet path
# (dp_frames) and IPv6 neighbour discovery, listener and too-big error codecs (nd), and the control plane's STUN/TURN codec (stun), JSON reader (json), HTTP
# response parser (http), the scrape endpoint's request heads (http_req), the learned
# report meshrelay-cp reads back (readback), control protocol wire format (ctl: headers, BIND, PONG), the
# discovery store's gateway registrations (disc), the configuration reader (config: the
# text a push brings), base64 as etcd writes it (b64) and the TURN credentials file
# (secrets).
# Exit status: 0 when no target found anything.
#   scripts/fuzz.sh [--seconds N] [--target sni_parse|sni_mangle|dns_msg|proxy_v2|tls_answer|dp_frames|nd|stun|json|http|http_req|readback|ctl|disc|config|b64|secrets|all]
#                   [--keep-corpus] [--out DIR]      (default build-fuzz/)
set -euo pipefail

seconds=60
target=all
keep_corpus=0
out=
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--target) target=$2; shift 2 ;;
	--keep-corpus) keep_corpus=1; shift ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds N] [--target sni_parse|sni_mangle|dns_msg|proxy_v2|tls_answer|dp_frames|nd|stun|json|http|http_req|readback|ctl|disc|config|b64|secrets|all]" \
		"[--keep-corpus] [--out DIR]" >&2
	   exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
out=${out:-$root/build-fuzz}
lib=$root/dataplane/classifier
tests=$root/test/classifier
cp_common=$root/controlplane/common
cp_tests=$root/test/controlplane
cp_wire=$root/controlplane/wire
cp_cp=$root/controlplane/cp
stun_src=("$cp_common/stun_msg.c" "$cp_common/stun_build.c" "$cp_common/stun_decode.c")
cc=${FUZZ_CC:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null && { cc=$c; break; }
	done
fi
[ -n "$cc" ] || { echo "fuzz.sh: clang not found" >&2; exit 2; }

case "$target" in
all) targets=(sni_parse sni_mangle dns_msg proxy_v2 tls_answer dp_frames nd stun json http http_req readback ctl disc config b64 secrets) ;;
sni_parse|sni_mangle|dns_msg|proxy_v2|tls_answer|dp_frames|nd|stun|json|http|http_req|readback|ctl|disc|config|b64|secrets) targets=("$target") ;;
*) echo "fuzz.sh: unknown target $target" >&2; exit 2 ;;
esac

mkdir -p "$out/artifacts"

# libFuzzer's runtime (libclang-rt-14-dev) comes from scripts/install-deps.sh.
probe_fuzzer() {
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
		"$cc" -fsanitize=fuzzer -x c - -o "$out/probe" >/dev/null 2>&1
}
probe_fuzzer || {
	echo "fuzz.sh: $cc cannot build libFuzzer targets: run scripts/install-deps.sh" >&2
	exit 2
}
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$lib")

build() {
	local name=$1
	echo "fuzz.sh: building fuzz_$name with $cc"
	if [ "$name" = dp_frames ]; then
		# The data plane links DPDK: the project's own build, with clang and -Dfuzz=true.
		[ -f "$out/dp/build.ninja" ] ||
			CC=$cc meson setup "$out/dp" "$root" --buildtype=debug -Dfuzz=true \
				-Db_sanitize=address,undefined -Db_lundef=false \
				-Dc_args=-fno-sanitize-recover=all >/dev/null
		ninja -C "$out/dp" test/fuzz/fuzz-dp-frames >/dev/null
		cp "$out/dp/test/fuzz/fuzz-dp-frames" "$out/fuzz_$name"
		return
	fi
	if [ "$name" = nd ]; then # the codec alone, with DPDK's inline header helpers
		# shellcheck disable=SC2046
		"$cc" "${flags[@]}" $(pkg-config --cflags libdpdk) -include rte_config.h -DALLOW_EXPERIMENTAL_API \
			-I"$root/dataplane/net" -I"$cp_common" -o "$out/fuzz_nd" "$root/test/fuzz/fuzz_nd.c" \
			"$root/dataplane/net/nd.c" "$root/dataplane/net/icmp_error.c" \
			"$root/dataplane/net/mld.c"
		return
	fi
	if [ "$name" = stun ]; then # the codec alone: no DPDK, only libcrypto
		"$cc" "${flags[@]}" -I"$cp_common" -o "$out/fuzz_stun" "$cp_tests/fuzz_stun.c" \
			"${stun_src[@]}" -lcrypto
		return
	fi
	if [ "$name" = json ] || [ "$name" = http ]; then # pure modules of wire/, no DPDK
		local src=("$cp_wire/json.c")
		[ "$name" = json ] || src=("$cp_wire/http_resp.c" "$cp_wire/http_lines.c")
		"$cc" "${flags[@]}" -I"$cp_wire" -o "$out/fuzz_$name" "$cp_tests/fuzz_$name.c" "${src[@]}" \
			"$cp_wire/hex.c" -lcrypto
		return
	fi
	if [ "$name" = readback ]; then # the report's answer alone: JSON, no sockets
		"$cc" "${flags[@]}" -I"$cp_cp" -I"$cp_common" -I"$cp_wire" -o "$out/fuzz_readback" \
			"$cp_tests/fuzz_readback.c" "$cp_cp/cp_readback.c" "$cp_wire/json.c" "$cp_wire/hex.c"
		return
	fi
	if [ "$name" = http_req ]; then # the responder's head reading, no sockets
		"$cc" "${flags[@]}" -I"$cp_common" -I"$cp_wire" -o "$out/fuzz_http_req" "$cp_tests/fuzz_http_req.c" \
			"$cp_common/mr_http_serve.c" "$cp_common/mr_log.c" "$cp_common/mr_clock.c" "$cp_wire/hex.c"
		return
	fi
	if [ "$name" = disc ]; then # the registration's reader and writer: JSON, no sockets
		"$cc" "${flags[@]}" -I"$cp_cp" -I"$cp_common" -I"$cp_wire" -o "$out/fuzz_disc" \
			"$cp_tests/fuzz_disc.c" "$cp_cp/disc_record.c" "$cp_common/mr_text.c" \
			"$lib/ip_addr.c" "$lib/sni_name.c" \
			"$cp_wire/json.c" "$cp_wire/hex.c"
		return
	fi
	if [ "$name" = config ]; then # the schema and the route tables it builds, no DPDK
		"$cc" "${flags[@]}" -I"$cp_common" -I"$cp_wire" -I"$lib" -o "$out/fuzz_config" \
			"$cp_tests/fuzz_config.c" "$cp_common"/mr_config*.c "$cp_common/mr_routes.c" \
			"$cp_common/mr_log.c" "$cp_common/mr_textfile.c" "$cp_wire/hex.c" "$lib"/*.c \
			-lconfig -lm
		return
	fi
	if [ "$name" = b64 ]; then
		"$cc" "${flags[@]}" -I"$cp_wire" -o "$out/fuzz_b64" "$cp_tests/fuzz_b64.c" \
			"$cp_wire/b64.c" -lcrypto
		return
	fi
	if [ "$name" = secrets ]; then # the credentials file, through a scratch file of mode 600
		"$cc" "${flags[@]}" -I"$cp_cp" -I"$cp_common" -o "$out/fuzz_secrets" \
			"$cp_tests/fuzz_secrets.c" "$cp_cp/cp_secrets.c"
		return
	fi
	if [ "$name" = ctl ]; then # the wire format alone: no sockets, no DPDK (JSON for PONGs)
		"$cc" "${flags[@]}" -I"$cp_common" -I"$cp_wire" -o "$out/fuzz_ctl" "$cp_tests/fuzz_ctl.c" \
			"$cp_common/mr_ctl_proto.c" "$cp_wire/json.c" "$cp_wire/hex.c"
		return
	fi
	"$cc" "${flags[@]}" -o "$out/fuzz_$name" "$tests/fuzz_$name.c" "$lib"/*.c -lm
}

# The answers and requests captured for the unit tests, out of their C string literals:
# etcd_* of test_json.c for json; the responses of test_http.c for http, after the five
# bytes that choose how fuzz_http feeds them (whole; a byte at a time then a close; mixed
# pieces); the BIND texts of test_proto.c for ctl, and a header of every message type.
seed_captures() {
	/usr/bin/python3 - "$1" "$2" "$cp_tests" <<'EOF'
import codecs, re, struct, sys
name, out, tests = sys.argv[1:4]
src, names = {"json": ("test_json.c", r"etcd_\w+"),
	      "http": ("test_http.c", r"raw_\w+|interim|close_delimited|chunked_forms"),
	      "ctl": ("test_proto.c", r"bind_captured\w*")}[name]
heads = [b"\0\0\0\0\0", b"\1\1\1\1\1", b"\x0e\x07\x0d\x40\x03"] if name == "http" else [b""]
if name == "ctl":
	for t in range(1, 9):
		with open(f"{out}/header-{t}", "wb") as f:
			f.write(struct.pack(">4sHHII", b"MRC1", 1, t, 9, 4) + b"\0\0\x10\0")
text = open(f"{tests}/{src}").read()
for var, body in re.findall(r'static const char (%s)\[\] =\n((?:\t".*"\n)*\t".*");' % names, text):
	data = b"".join(codecs.escape_decode(part.encode())[0]
			for part in re.findall(r'^\t"(.*)"', body, re.M))
	for i, head in enumerate(heads):
		with open(f"{out}/{var}-{i}", "wb") as f:
			f.write(head + data)
EOF
}

# The queries of test_dns_msg.c, each behind the two bytes fuzz_dns_msg reads first (a
# 1,228-byte room, one record).
seed_dns() {
	/usr/bin/python3 - "$1" "$tests/test_dns_msg.c" <<'EOF'
import re, sys
out, src = sys.argv[1:3]
text = open(src).read()
for name, body in re.findall(r"static const uint8_t ((?:cap|musl)_\w+)\[\] = \{(.*?)\};", text, re.S):
	data = bytes(int(x, 16) if x.startswith("0x") else ord(x[1]) for x in
		     re.findall(r"0x[0-9a-fA-F]{2}|'.'", body))
	with open(f"{out}/{name}", "wb") as f:
		f.write(bytes([152, 1]) + data)
EOF
}

# The cap_* byte arrays of test_nd.c, test_mld.c and test_icmp_error.c (the too-big errors
# up to their quoted payload), one frame a file.
seed_frames() {
	/usr/bin/python3 - "$1" "$root/test/unit/test_nd.c" "$root/test/unit/test_mld.c" \
		"$root/test/unit/test_icmp_error.c" <<'EOF'
import re, sys
out = sys.argv[1]
text = "".join(open(src).read() for src in sys.argv[2:])
for name, body in re.findall(r"static const uint8_t (cap_\w+)\[\] = \{(.*?)\};", text, re.S):
	data = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})", body))
	with open(f"{out}/{name}", "wb") as f:
		f.write(data)
EOF
}

# The parse corpus starts from the captured hellos; the mangle corpus from names of
# every form (first byte: the allowed forms).
seed() {
	local name=$1 dir=$out/corpus/$1
	[ $keep_corpus -eq 1 ] && [ -d "$dir" ] || rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$name" = sni_parse ]; then
		cp "$tests"/fixtures/*.hello "$dir"/
		return
	fi
	if [ "$name" = dp_frames ]; then # whole relayed connections around the captured hellos
		/usr/bin/python3 "$root/test/fuzz/make_seeds.py" "$tests/fixtures" "$dir"
		return
	fi
	if [ "$name" = nd ]; then # the frames Linux sent, as captured for the unit suite
		seed_frames "$dir"
		return
	fi
	if [ "$name" = stun ]; then # the TURN client's messages, made by the codec's builder
		"$cc" -std=gnu11 -D_GNU_SOURCE -O1 -Wall -Wextra -Werror -I"$cp_common" \
			-o "$out/stun_seeds" "$cp_tests/stun_seeds.c" "${stun_src[@]}" -lcrypto
		"$out/stun_seeds" "$dir"
		return
	fi
	if [ "$name" = json ] || [ "$name" = http ] || [ "$name" = ctl ]; then
		seed_captures "$name" "$dir"
		return
	fi
	if [ "$name" = readback ]; then # the report as a gateway answered it (test 50)
		printf '%s' '{"items": ["gateway b gw-b 10.10.0.3 49222", "import b api.b.mesh.test", "import b ssh.b.mesh.test:22", "import c *.web.c.test"]}' \
			>"$dir/seed-captured"
		printf '{"items": []}' >"$dir/seed-empty"
		return
	fi
	if [ "$name" = http_req ]; then # heads as scrapers send them, whole and cut
		printf '\0GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nUser-Agent: Prometheus/2.42.0\r\nAccept: text/plain\r\n\r\n' \
			>"$dir/seed-prometheus"
		printf '\3GET / HTTP/1.0\n\n' >"$dir/seed-lf"
		printf '\1POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}' >"$dir/seed-post"
		return
	fi
	if [ "$name" = disc ]; then # registrations as gateways write them: key, newline, value
		local k=/meshrelay/networks/red/gateways/gw-red-1
		printf '%s\n{"id":"gw-red-1","network":"red","relays":[]}' "$k" >"$dir/seed-empty"
		printf '%s\n{"id":"gw-red-1","network":"red","relays":[{"network":"blue","server":"blue-turn","transport":"tcp","address":"10.0.0.9","port":49152},{"network":"green","server":"g","transport":"udp","address":"fd00::9","port":3}],"services":["api.red.test","*.web.red.test","ssh.red.test:22"]}' \
			"$k" >"$dir/seed-full"
		return
	fi
	if [ "$name" = config ]; then # the commented example files
		cp "$root"/conf/*.conf "$dir"/
		return
	fi
	if [ "$name" = b64 ]; then # keys and values as etcd's gateway writes them
		printf 'L21lc2hyZWxheS9uZXR3b3Jrcy8=' >"$dir/seed-key"
		printf 'eyJpZCI6Imd3In0=' >"$dir/seed-value"
		printf 'AA==' >"$dir/seed-short"
		return
	fi
	if [ "$name" = secrets ]; then
		printf 'red-turn gw-blue Blue-Secret-1\n# a comment\n\ngreen-turn gw-blue pw2\n' >"$dir/seed"
		return
	fi
	if [ "$name" = dns_msg ]; then # the queries captured for the unit suite
		seed_dns "$dir"
		return
	fi
	if [ "$name" = proxy_v2 ]; then # headers as HAProxy and the relay write them
		printf '\r\n\r\n\0\r\nQUIT\n\x21\x11\0\x1c\xc0\0\2\n\xf0\xf0\0\2\x9c\x40\0\x16\2\0\x0dssh.mesh.test' \
			>"$dir/seed-v4"
		printf '\r\n\r\n\0\r\nQUIT\n\x20\0\0\0' >"$dir/seed-local"
		printf '\r\n\r\n\0\r\nQUIT\n\x21\x21\0\x24%036d' 0 >"$dir/seed-v6"
		return
	fi
	if [ "$name" = tls_answer ]; then # a ServerHello's start, after a warning; a fatal alert
		printf '\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03' >"$dir/seed-hello"
		printf '\x15\x03\x01\x00\x02\x01\x70\x16\x03\x03\x00\x7a\x02\x00\x00\x76' \
			>"$dir/seed-warning"
		printf '\x15\x03\x03\x00\x02\x02\x28' >"$dir/seed-fatal"
		return
	fi
	local i=0 n
	for n in _8443._10-1-2-3._blue.mesh.internal _443._10.1.2.3.mesh.internal \
		_8443._fd00--1.mesh.internal i8443-10-1-2-3.mesh.internal \
		nblue-p443-fd00--1.mesh.internal p443---ffff-a01-203.mesh.internal \
		outbound_.9080_.v1_.reviews.default.mesh.internal api.svc.example \
		outbound_.80_._.x.svc.example www.mesh.internal; do
		printf '\007%s' "$n" >"$dir/seed-$i"
		i=$((i + 1))
	done
}

status=0
for name in "${targets[@]}"; do
	build "$name"
	seed "$name"
	log=$out/fuzz_$name.log
	echo "fuzz.sh: running fuzz_$name for ${seconds}s"
	set +e
	# The data plane's own leak check is exact (its mbuf pool); LeakSanitizer would only
	# see DPDK's process-lifetime allocations. The JSON, HTTP and control protocol parsers
	# own every byte they allocate: there a leak is a finding.
	leaks=0
	case "$name" in json|http|ctl|disc|readback|b64|secrets) leaks=1 ;; esac
	# Not config: libconfig 1.5's scanner loses a string's buffer at a syntax error.
	# A sanitizer's finding is a crash for libFuzzer only when it stops the run.
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=$leaks timeout -k 10 $((seconds + 60)) "$out/fuzz_$name" -max_total_time="$seconds" \
		-print_final_stats=1 -max_len=20000 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$out/artifacts/$name-" "$out/corpus/$name" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	echo "fuzz.sh: fuzz_$name: ${execs:-?} executions, exit $rc"
	if [ $rc -ne 0 ]; then
		echo "fuzz.sh: fuzz_$name found a problem; log tail:" >&2
		tail -30 "$log" >&2
		status=1
	fi
done
exit $status
