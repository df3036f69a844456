#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian packages meshrelay needs to build, test and run its demo.
# Idempotent: asks apt only when something is missing, and runs 'apt-get update' once.
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac # su without -

PACKAGES=(
	# build
	gcc clang libclang-rt-14-dev meson ninja-build pkg-config
	libdpdk-dev dpdk libconfig-dev libssl-dev libcunit1-dev
	# DPDK's tools: dpdk-pdump (capture test), dpdk-testpmd (benchmark), dpdk-telemetry.py
	dpdk-dev
	# tests and demo: topologies, real peers, packet crafting
	iproute2 iputils-ping iputils-arping ethtool procps
	python3 python3-scapy openssl curl tcpdump
	# real backends for the relay tests
	nginx-light
	# the mesh's signalling peers: TURN server and discovery store
	coturn etcd-server etcd-client
	# DNS: resolvers' tools that ask the data plane, and a resolver behind it for the host
	bind9-dnsutils knot-dnsutils dnsmasq-base
	# a plain TCP service that speaks first (sshd), and its client
	openssh-server openssh-client
	# promtool, which checks the metrics endpoint's text
	prometheus
)

# --bench: what the benchmarks compare against and load with.
if [ "${1:-}" = "--bench" ]; then
	PACKAGES=(haproxy wrk util-linux libnginx-mod-stream gnuplot-nox valgrind dnsperf unbound)
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Servers are started by the tests themselves: keep their packages from starting
# system-wide instances at install time.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
