# Everything an integration script needs (sourced from the project root): topologies,
# the data plane helpers, checks, and the cleanup trap that ends what the script started.
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/check.sh
. test/lib/relay_topo.sh
trap topo_cleanup EXIT
