# SPDX-License-Identifier: BSD-3-Clause
# Everything an integration script needs (sourced from the project root): topologies,
# the data plane helpers, checks, and the cleanup trap that ends what the script started.
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/check.sh
. test/lib/relay_topo.sh
trap topo_cleanup EXIT

# counter NAME, drop NAME: one event or drop counter of the data plane whose EAL file
# prefix is in $PREFIX (nothing, and a failure, when unreadable: see dp_stat).
counter() { dp_stat "$PREFIX" counters "$1"; }
drop() { dp_stat "$PREFIX" drops "$1"; }

# s_client_refused STATUS OUTPUT: an openssl s_client run given -CAfile and
# -verify_hostname (without them it never prints "Verified peername", whatever the peer
# does) ended by itself in failure: a non-zero status that is not timeout(1)'s 124, no
# certificate received, no name verified, no session made. "Verification: OK" proves
# nothing either way: s_client prints it after a reset too, with no certificate seen.
s_client_refused() {
	[ "$1" -ne 0 ] && [ "$1" -ne 124 ] &&
		! grep -qE 'BEGIN CERTIFICATE|Verified peername|^New, TLS' <<<"$2"
}

# s_client_verified NAME OUTPUT: an openssl s_client run given -CAfile and -verify_hostname
# made a session with a certificate verified for NAME (exactly, or by the certificate's
# wildcard): the name verified and the session's "New, TLS" line, neither of which a
# reset before the handshake's end prints.
s_client_verified() {
	grep -qxF -e "Verified peername: $1" -e "Verified peername: *.${1#*.}" <<<"$2" &&
		grep -q '^New, TLS' <<<"$2" && grep -q '^Verification: OK' <<<"$2"
}

# in_ns NS CMD...: CMD inside namespace NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
