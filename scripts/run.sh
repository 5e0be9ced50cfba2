#!/usr/bin/env bash
# Installs what is missing, builds, and starts ternd in the foreground on the embedded
# default configuration (etc/ternd.conf: a static demo user, no Redis), after printing the
# iceServers entry a browser would use. Extra arguments go to ternd (e.g. --verbose).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh
dir=$(scripts/build.sh release)

conf=etc/ternd.conf
# The first "name:password" of the user list, and the listening port, from the default.
cred=$(sed -n 's/^[[:space:]]*user[[:space:]]*=[^"]*"\([^"]*\)".*/\1/p' "$conf" | head -n 1)
port=$(sed -n 's/^[[:space:]]*listening-port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | head -n 1)
port=${port:-3478}
# A port given on the command line wins, as it does in ternd.
args=("$@")
for i in "${!args[@]}"; do
	case "${args[$i]}" in
	--listening-port=*) port=${args[$i]#*=} ;;
	--listening-port | -p) port=${args[$((i + 1))]:-$port} ;;
	esac
done
host=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub(/\/.*/, "", $4); print $4; exit}')
host=${host:-127.0.0.1}

cat <<EOT
ternd is starting on port $port (UDP and TCP). Point a WebRTC client at it with:

  iceServers: [{
    urls: ["turn:$host:$port?transport=udp", "turn:$host:$port?transport=tcp"],
    username: "${cred%%:*}",
    credential: "${cred#*:}"
  }]

(stun:$host:$port answers STUN Binding.) Stop with Ctrl-C.
EOT
exec "$dir/src/ternd" "$@"
