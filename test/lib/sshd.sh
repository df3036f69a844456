# SPDX-License-Identifier: BSD-3-Clause
# An sshd for plain TCP service tests (sourced after topo.sh): a server that speaks first.
#
# sshd_start NS ADDR PORT DIR NAME: sshd in namespace NS on ADDR:PORT with a fresh host key
# and a client key in DIR, root allowed by key only; DIR/known_hosts holds the host key
# under NAME (the name clients use), so clients check it strictly. Tracked for cleanup.
sshd_start() {
	local ns=$1 addr=$2 port=$3 dir=$4 name=$5
	mkdir -p "$dir" /run/sshd
	rm -f "$dir"/host_ed25519* "$dir"/client_ed25519*
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/client_ed25519"
	cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
	echo "$name $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
	cat >"$dir/sshd_config" <<CFG
ListenAddress $addr:$port
HostKey $dir/host_ed25519
PidFile none
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
CFG
	ip netns exec "$ns" timeout 300 /usr/sbin/sshd -D -e -f "$dir/sshd_config" \
		>"$dir/sshd.log" 2>&1 &
	topo_track $!
	topo_wait_for 10 bash -c "ip netns exec '$ns' ss -Hltn 'sport = :$port' | grep -q LISTEN"
}

# sshd_client NS DIR HOST PORT CMD...: run CMD over ssh as root on HOST:PORT from NS, the
# host key checked against DIR/known_hosts; bounded at 60 s.
sshd_client() {
	local ns=$1 dir=$2 host=$3 port=$4
	shift 4
	ip netns exec "$ns" timeout 60 ssh -i "$dir/client_ed25519" -p "$port" \
		-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$dir/known_hosts" \
		-o ConnectTimeout=10 -o LogLevel=ERROR "root@$host" "$@"
}
