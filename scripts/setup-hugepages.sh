#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Reserve hugepages and mount hugetlbfs for the data plane (bare metal, SR-IOV VMs).
# A thin wrapper of DPDK's dpdk-hugepages.py with the appliance's defaults.
#
#   scripts/setup-hugepages.sh [--size 2M|1G] [--total SIZE] [--mount DIR]
#   scripts/setup-hugepages.sh --clear [--mount DIR]
#   scripts/setup-hugepages.sh --show
# Defaults: 2M pages, 1G in total, mounted on /dev/hugepages.
set -euo pipefail

size=2M
total=1G
mount_dir=/dev/hugepages
action=reserve
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--total) total=$2; shift 2 ;;
	--mount) mount_dir=$2; shift 2 ;;
	--clear) action=clear; shift ;;
	--show) action=show; shift ;;
	*) echo "usage: $0 [--size 2M|1G] [--total SIZE] [--mount DIR] | --clear | --show" >&2; exit 2 ;;
	esac
done
tool=$(command -v dpdk-hugepages.py || true)
if [ -z "$tool" ]; then
	echo "setup-hugepages: dpdk-hugepages.py not found (package dpdk)" >&2
	exit 1
fi
case $action in
show) exec "$tool" --show ;;
clear)
	# Unmounting a private mount releases pages left in files by a killed process.
	if mountpoint -q "$mount_dir" && [ "$mount_dir" != /dev/hugepages ]; then
		umount "$mount_dir"
	fi
	"$tool" --clear
	;;
reserve)
	mkdir -p "$mount_dir"
	"$tool" --pagesize "$size" --reserve "$total"
	if ! mountpoint -q "$mount_dir"; then
		mount -t hugetlbfs -o "pagesize=$size" nodev "$mount_dir"
	fi
	"$tool" --show
	echo "setup-hugepages: add \"--huge-dir\", \"$mount_dir\" to dataplane.eal if it is not the default mount"
	;;
esac
