#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data plane on 2 MB hugepages reserved by scripts/setup-hugepages.sh instead of
# --no-huge (configuration alone selects the memory), and dpdk-pdump capturing one of its
# ports from a secondary process. The reservation is put back as it was.
set -u
cd "$(dirname "$0")/../.."
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/check.sh

T=$TOPO_TAG
HP_DIR="$TOPO_DIR/hugepages"
# The 2 MB pool's own counts: /proc/meminfo's and vm.nr_hugepages are the default size's,
# which is 1 GB on many DPDK hosts.
HP_SYS=/sys/kernel/mm/hugepages/hugepages-2048kB
hp_before=$(cat "$HP_SYS/nr_hugepages")
restore() {
	# The data plane must be gone before its pages can go, and the mount before the dir.
	TOPO_KEEP_DIR=1 topo_cleanup
	umount "$HP_DIR" 2>/dev/null
	echo "$hp_before" >"$HP_SYS/nr_hugepages"
	rm -rf "$TOPO_DIR"
}
trap restore EXIT

scripts/setup-hugepages.sh --size 2M --total $(((hp_before + 192) * 2))M --mount "$HP_DIR" >/dev/null ||
	{ echo "FAIL - setup-hugepages.sh"; exit 1; }
free=$(cat "$HP_SYS/free_hugepages")
if [ "$free" -lt 150 ]; then
	echo "FAIL - only $free hugepages could be reserved"
	exit 1
fi
topo_ns "${T}-dp"
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--huge-dir", "$HP_DIR", "-m", "256" ]; };
ports = ( { name = "null"; device = "net_null_${T}"; ipv4 = "10.97.1.1/24";
            exception = { enabled = false; }; } );
CONF
dp_start "${T}-dp" "$TOPO_DIR/dp.conf" "${T}-hp" "$TOPO_DIR/dp.log" || exit 1
used=$(( $(cat "$HP_SYS/nr_hugepages") - $(cat "$HP_SYS/free_hugepages") ))
# The null port is a flood: capture to /dev/null and read the count pdump reports. The
# secondary process needs a while to attach on a busy machine; 5 s leaves room for it.
ip netns exec "${T}-dp" timeout -k 3 -s INT 5 dpdk-pdump -l 0 --file-prefix "${T}-hp" \
	--huge-dir "$HP_DIR" -- --pdump "port=0,queue=*,rx-dev=/dev/null" >"$TOPO_DIR/pdump.log" 2>&1
captured=$(awk '/packets transmitted to vdev/ {print $NF}' "$TOPO_DIR/pdump.log" | head -1)
[ "${captured:-0}" -gt 0 ] || { echo "dpdk-pdump said:"; tail -20 "$TOPO_DIR/pdump.log"; }
rx=$(dp_stat "${T}-hp" counters rx_frames)
kill -INT "$DP_PID"
wait "$DP_PID"
rc=$?
check "data plane took $used hugepages" test "$used" -gt 0
check "worker polled the port ($rx frames)" test "$rx" -gt 0
check "clean exit (status $rc)" test "$rc" -eq 0
check "dpdk-pdump captured ${captured:-no} frames from the running data plane" test "${captured:-0}" -gt 0
check_done "hugepages"
