#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hosts.sh: hosts for the SSH tests, on this machine: Debian's sshd in network
# namespaces (ip netns, a veth pair each, 10.231.X.0/24 split in /30s), each with its
# own host key and log, and its own file system under its ferry directory: a tmpfs
# mounted in a private mount namespace that only the host's processes see (a small
# init process keeps it), so ferry on this machine cannot read a host's files behind
# the SSH driver's back. root logs in with one key (key only). No traffic leaves the
# machine. Needs root, iproute2, util-linux and openssh-server (scripts/deps.sh).
#
#   hosts.sh start DIR [N]   N hosts (default 3) under DIR; writes DIR/hosts.env:
#                            HOSTS_KEY (the client key), H<i>_ADDR, H<i>_DIR, H<i>_NS
#   hosts.sh stop DIR        every process in the namespaces, then the namespaces
#   hosts.sh down DIR I      host I loses ssh: its sshd and every session are killed
#                            (what runs there, the services, stays up)
#   hosts.sh up DIR I        sshd of host I again
#   hosts.sh rekey DIR I     host I gets a new host key (sshd restarted)
#   hosts.sh nopath DIR I    host I's sessions get PATH=/nonexistent (tools missing)
#   hosts.sh run DIR I CMD.. a command on host I (its network and file system)
#   hosts.sh sweep           every host set on this machine, whoever started it (only
#                            where no tests run: .ci/run at its end)
set -euo pipefail
SSHD=/usr/sbin/sshd
LOCK=/run/ferry-hosts.lock

die() { echo "hosts.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing (bash scripts/deps.sh)"; }

load() { [ -f "$1/hosts.env" ] || die "no hosts in $1"; . "$1/hosts.env"; }

# The third octet of a /24 of 10.231/16 nobody on this machine uses.
free_net() {
	local x used
	used=$(ip -o -4 addr show | { grep -o '10\.231\.[0-9]*\.' || [ $? -eq 1 ]; } | sort -u)
	for x in $(shuf -i 1-250); do
		grep -q "^10\.231\.$x\.$" <<<"$used" || { echo "$x"; return 0; }
	done
	die "no free 10.231.X.0/24"
}

sshd_conf() {  # DIR I ADDR
	local h="$1/h$2"
	cat >"$h/sshd_config" <<-EOF
	Port 22
	ListenAddress $3
	HostKey $h/ssh_host_ed25519_key
	PidFile $h/sshd.pid
	AuthorizedKeysFile $1/authorized_keys
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	PrintMotd no
	PrintLastLog no
	MaxSessions 64
	MaxStartups 64
	LogLevel ERROR
	EOF
	# the host's own home (no login scripts of this machine's root to run); a sanitizer
	# report of a test build running there (the agent) lands in DIR/hI/san.* for the
	# tests to find (sshd passes no environment of ours)
	mkdir -p "$h/home"
	env="HOME=$h/home ASAN_OPTIONS=log_path=$h/san.asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$h/san.ubsan"
	[ -f "$h/nopath" ] && env="$env PATH=/nonexistent"
	echo "SetEnv $env" >>"$h/sshd_config"
}

# Host I's namespaces are those of its init process.
on_host() {  # I CMD...
	local init
	init=$(eval echo "\$H$1_INIT")
	shift
	nsenter --target "$init" --mount --net "$@"
}

sshd_start() {  # DIR I
	local h="$1/h$2" addr i
	addr=$(eval echo "\$H$2_ADDR")
	sshd_conf "$1" "$2" "$addr"
	mkdir -p /run/sshd
	rm -f "$h/sshd.pid"
	on_host "$2" "$SSHD" -f "$h/sshd_config" -E "$h/sshd.log"
	for i in $(seq 1 100); do [ -s "$h/sshd.pid" ] && return 0; sleep 0.05; done
	die "sshd of host $2 did not start (see $h/sshd.log)"
}

# Every sshd process in host I's namespace (the listener and the sessions' monitors).
sshd_kill() {  # DIR I
	local ns pid
	ns=$(eval echo "\$H$2_NS")
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = sshd ] && kill -9 "$pid" 2>/dev/null
	done
	rm -f "$1/h$2/sshd.pid"
	return 0
}

start() {
	local dir n x i ns a b addr
	dir=$(realpath -m "$1")
	n=${2:-3}
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
	need ip; need ssh-keygen; need nsenter; need unshare
	[ -x "$SSHD" ] || die "$SSHD is missing (apt-get install openssh-server)"
	mkdir -p "$dir"
	ssh-keygen -q -t ed25519 -N '' -C ferry-tests -f "$dir/id_ed25519"
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	exec 9>"$LOCK"
	flock 9
	x=$(free_net)
	: >"$dir/hosts.env"
	echo "HOSTS_KEY=$dir/id_ed25519" >>"$dir/hosts.env"
	echo "HOSTS_N=$n" >>"$dir/hosts.env"
	for i in $(seq 1 "$n"); do
		ns="fy${x}h$i-$$"
		a="fy${x}a$i"
		b="fy${x}b$i"
		addr="10.231.$x.$((4 * i + 2))"
		mkdir -p "$dir/h$i/srv"
		ssh-keygen -q -t ed25519 -N '' -C "host$i" -f "$dir/h$i/ssh_host_ed25519_key"
		ip netns add "$ns"
		ip link add "$a" type veth peer name "$b"
		ip link set "$b" netns "$ns"
		ip addr add "10.231.$x.$((4 * i + 1))/30" dev "$a"
		ip link set "$a" up
		ip -n "$ns" addr add "$addr/30" dev "$b"
		ip -n "$ns" link set "$b" up
		ip -n "$ns" link set lo up
		# the host's own file system at its ferry directory, kept by a sleeping init
		setsid ip netns exec "$ns" unshare --mount --propagation private sh -c \
			'mount -t tmpfs -o size=512m,mode=0755 ferry-host "$0" && exec sleep infinity' \
			"$dir/h$i/srv" </dev/null >/dev/null 2>&1 &
		{ echo "H${i}_NS=$ns"; echo "H${i}_ADDR=$addr"; echo "H${i}_DIR=$dir/h$i/srv";
		  echo "H${i}_INIT=$!"; } >>"$dir/hosts.env"
	done
	flock -u 9
	load "$dir"
	for i in $(seq 1 "$n"); do
		for _ in $(seq 1 100); do
			[ "$(readlink /proc/"$(eval echo "\$H${i}_INIT")"/exe 2>/dev/null)" = "$(readlink -f "$(command -v sleep)")" ] && break
			sleep 0.02
		done
		on_host "$i" mountpoint -q "$dir/h$i/srv" || die "host $i: its file system is not mounted"
		sshd_start "$dir" "$i"
	done
}

# kill_ns NS: every process of the namespace (gone already is fine), then the namespace.
kill_ns() {
	local pid
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || [ ! -e "/proc/$pid" ]
	done
	for _ in $(seq 1 100); do [ -z "$(ip netns pids "$1" 2>/dev/null)" ] && break; sleep 0.02; done
	ip netns del "$1" 2>/dev/null || ! ip netns list 2>/dev/null | grep -q "^$1\b"
}

stop() {
	local dir i ns
	dir=$(realpath -m "$1")
	[ -f "$dir/hosts.env" ] || return 0
	load "$dir"
	for i in $(seq 1 "$HOSTS_N"); do
		ns=$(eval echo "\$H${i}_NS")
		ip netns list 2>/dev/null | grep -q "^$ns\b" || continue
		kill_ns "$ns"
	done
	rm -f "$dir/hosts.env"
}

# Every namespace of a host set (fy<X>h<I>-<PID>): its processes, then it.
sweep() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | { grep -E '^fy[0-9]+h[0-9]+-[0-9]+$' || [ $? -eq 1 ]; }); do
		kill_ns "$ns"
	done
}

cmd=${1:-}
case "$cmd" in
sweep) sweep ;;
start) start "${2:?DIR}" "${3:-3}" ;;
stop) stop "${2:?DIR}" ;;
down) load "${2:?DIR}"; sshd_kill "$2" "${3:?I}" ;;
up) load "${2:?DIR}"; sshd_start "$2" "${3:?I}" ;;
rekey)
	load "${2:?DIR}"
	sshd_kill "$2" "${3:?I}"
	rm -f "$2/h$3/ssh_host_ed25519_key"*
	ssh-keygen -q -t ed25519 -N '' -C "host$3-new" -f "$2/h$3/ssh_host_ed25519_key"
	sshd_start "$2" "$3" ;;
nopath)
	load "${2:?DIR}"
	touch "$2/h${3:?I}/nopath"
	sshd_kill "$2" "$3"
	sshd_start "$2" "$3" ;;
run) load "${2:?DIR}"; i=${3:?I}; shift 3; on_host "$i" "$@" ;;
*) die "usage: hosts.sh start|stop|down|up|rekey|nopath|run DIR [I] ... | sweep" ;;
esac
