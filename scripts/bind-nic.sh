#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Hand a NIC port or SR-IOV virtual function to the data plane (vfio-pci), or give it back
# to its kernel driver. A thin wrapper of DPDK's dpdk-devbind.py.
#
#   scripts/bind-nic.sh --status
#   scripts/bind-nic.sh 0000:03:00.0 [DRIVER]        bind (default vfio-pci)
#   scripts/bind-nic.sh --unbind 0000:03:00.0 DRIVER  back to a kernel driver (e.g. ixgbe, iavf)
#   scripts/bind-nic.sh --vfs 0000:03:00.0 N          create N SR-IOV VFs on a physical port
# NVIDIA mlx5 ports and VFs stay on their kernel driver (bifurcated): do not bind them.
set -euo pipefail
tool=$(command -v dpdk-devbind.py || true)
[ -n "$tool" ] || { echo "bind-nic: dpdk-devbind.py not found (package dpdk)" >&2; exit 1; }
valid_bdf() { [[ $1 =~ ^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]]; }

case ${1:-} in
--status) exec "$tool" --status-dev net ;;
--unbind)
	valid_bdf "${2:-}" && [ -n "${3:-}" ] || { echo "usage: $0 --unbind BDF DRIVER" >&2; exit 2; }
	exec "$tool" --bind="$3" "$2"
	;;
--vfs)
	valid_bdf "${2:-}" && [[ ${3:-} =~ ^[0-9]+$ ]] || { echo "usage: $0 --vfs BDF N" >&2; exit 2; }
	numvfs=/sys/bus/pci/devices/$2/sriov_numvfs
	[ -e "$numvfs" ] || { echo "bind-nic: $2 has no SR-IOV (no $numvfs)" >&2; exit 1; }
	now=$(cat "$numvfs")
	if [ "$now" -ne "$3" ]; then
		# The kernel refuses to change one non-zero count into another (EBUSY): the VFs
		# there go first.
		[ "$now" -eq 0 ] || echo 0 >"$numvfs"
		[ "$3" -eq 0 ] || echo "$3" >"$numvfs"
	fi
	ls -d /sys/bus/pci/devices/"$2"/virtfn* 2>/dev/null | xargs -r -n1 readlink -f | xargs -r -n1 basename
	;;
"" | -h | --help) echo "usage: $0 --status | BDF [DRIVER] | --unbind BDF DRIVER | --vfs BDF N" >&2; exit 2 ;;
*)
	valid_bdf "$1" || { echo "bind-nic: '$1' is not a PCI address like 0000:03:00.0" >&2; exit 2; }
	driver=${2:-vfio-pci}
	[ "$driver" != vfio-pci ] || modprobe vfio-pci 2>/dev/null || true
	"$tool" --bind="$driver" "$1"
	"$tool" --status-dev net | grep -F "$1"
	;;
esac
