#!/usr/bin/env bash
# The data plane on reserved 2 MB hugepages instead of --no-huge: configuration alone
# selects the memory. The reservation is put back as it was, whatever happens.
set -u
cd "$(dirname "$0")/../.."
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/check.sh

T=$TOPO_TAG
HP_DIR="$TOPO_DIR/hugepages"
hp_before=$(cat /proc/sys/vm/nr_hugepages)
restore() {
	umount "$HP_DIR" 2>/dev/null
	echo "$hp_before" >/proc/sys/vm/nr_hugepages
	topo_cleanup
}
trap restore EXIT

mkdir -p "$HP_DIR"
echo $((hp_before + 160)) >/proc/sys/vm/nr_hugepages
mount -t hugetlbfs -o pagesize=2M nodev "$HP_DIR" || { echo "FAIL - hugetlbfs mount"; exit 1; }
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
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
used=$(( $(awk '/HugePages_Total/ {print $2}' /proc/meminfo) - $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) ))
rx=$(dp_stat "${T}-hp" counters rx_frames)
kill -INT "$DP_PID"
wait "$DP_PID"
rc=$?
check "data plane took $used hugepages" test "$used" -gt 0
check "worker polled the port ($rx frames)" test "$rx" -gt 0
check "clean exit (status $rc)" test "$rc" -eq 0
check_done "hugepages"
