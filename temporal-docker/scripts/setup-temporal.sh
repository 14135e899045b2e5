#!/bin/sh
# One-shot (service temporal-setup, admin-tools image): waits for the server, creates the
# namespace and registers Dream.OS's search attributes (src/contracts/search-attributes.ts).
# Safe to rerun: an attribute that exists with the same type is accepted again.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

tries=0
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "[setup] Temporal at $ADDRESS not healthy after 120 s" >&2; exit 1; }
  sleep 2
done
echo "[setup] Temporal at $ADDRESS is serving"

temporal operator namespace describe --address "$ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$ADDRESS" -n "$NAMESPACE" --retention 72h
echo "[setup] namespace $NAMESPACE ready"

# A new namespace may be "not found" for a few seconds while the server's cache catches up.
add_attribute() {
  tries=0
  until temporal operator search-attribute create --address "$ADDRESS" -n "$NAMESPACE" --name "$1" --type "$2"; do
    tries=$((tries + 1))
    [ "$tries" -lt 15 ] || { echo "[setup] could not register $1" >&2; exit 1; }
    sleep 2
  done
}
# One attribute per call: given several --name, the CLI (1.9.1) registers only the first.
for pair in DreamRole=Keyword DreamMission=Keyword DreamStatus=Keyword DreamHealAttempts=Int DreamEscalated=Bool DreamTokens=Int; do
  add_attribute "${pair%%=*}" "${pair#*=}"
done
temporal operator search-attribute list --address "$ADDRESS" -n "$NAMESPACE" | grep Dream
