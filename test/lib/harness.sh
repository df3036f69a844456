# SPDX-License-Identifier: BSD-3-Clause
# Everything an integration script needs (sourced from the project root): topologies,
# the data plane helpers, checks, and the cleanup trap that ends what the script started.
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/check.sh
. test/lib/relay_topo.sh
trap topo_cleanup EXIT

# counter NAME, drop NAME: one event or drop counter of the data plane whose EAL file
# prefix is in $PREFIX (0 when unreadable).
counter() { dp_stat "$PREFIX" counters "$1"; }
drop() { dp_stat "$PREFIX" drops "$1"; }

# in_ns NS CMD...: CMD inside namespace NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
