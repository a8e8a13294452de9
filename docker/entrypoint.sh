#!/bin/sh
# Runs one node. On the first start it creates the node directory in /data; what else it does
# depends on ALLMENDE_ROLE:
#   anchor  creates the data space (a signed descriptor) and serves the descriptor to the members
#           in the /descriptor volume;
#   member  joins the data space of /descriptor/dataspace.json, leaves its DID in
#           /descriptor/members/ for the setup service, and starts once that service endorsed it;
#   single  (default) a node of its own.
# Environment: ALLMENDE_NAME (required), ALLMENDE_HOST (the name other containers reach this one
# by), ALLMENDE_DATASPACE_TITLE (anchor), ALLMENDE_DSP_PUBLIC_URL (the DSP base as other
# connectors reach it, through your TLS proxy); ports and directories keep the image's defaults
# unless set (ALLMENDE_P2P_PORT, ALLMENDE_API_PORT, ALLMENDE_DSP_PORT, ALLMENDE_DATA,
# ALLMENDE_DESCRIPTOR_DIR).
set -eu
cli="$(dirname "$0")/dist/bundle/allmende.js"
allmende() { node "$cli" "$@"; }
role="${ALLMENDE_ROLE:-single}"
host="${ALLMENDE_HOST:-$(hostname)}"
data="${ALLMENDE_DATA:-/data}"
shared="${ALLMENDE_DESCRIPTOR_DIR:-/descriptor}"
p2p="${ALLMENDE_P2P_PORT:-4001}"
dsp="${ALLMENDE_DSP_PORT:-8443}"

if [ ! -f "$data/config.json" ]; then
  # init prints the new identity as JSON; a member's DID is taken from there.
  identity=$(allmende init --dir "$data" --name "${ALLMENDE_NAME:?set ALLMENDE_NAME}" --json \
    --listen "/ip4/0.0.0.0/tcp/$p2p" --announce "/dns4/$host/tcp/$p2p" \
    --api-host 0.0.0.0 --api-port "${ALLMENDE_API_PORT:-8080}" \
    --dsp-port "$dsp" --dsp-public-url "${ALLMENDE_DSP_PUBLIC_URL:-http://$host:$dsp/dsp/2025-1}")
  printf '%s\n' "$identity" > "$data/identity.json"
  case "$role" in
    anchor)
      allmende dataspace create --dir "$data" --title "${ALLMENDE_DATASPACE_TITLE:?set ALLMENDE_DATASPACE_TITLE}"
      ;;
    member)
      until [ -f "$shared/dataspace.json" ]; do echo "waiting for the anchor's descriptor"; sleep 2; done
      allmende dataspace join --dir "$data" --descriptor "$shared/dataspace.json"
      ;;
  esac
fi

case "$role" in
  anchor)
    # Serve the current descriptor (also after `allmende dataspace update`), replaced atomically.
    cp "$data/dataspace.json" "$shared/.dataspace.json" && mv "$shared/.dataspace.json" "$shared/dataspace.json"
    ;;
  member)
    mkdir -p "$shared/members"
    node -p "JSON.parse(require('fs').readFileSync('$data/identity.json', 'utf8')).did" > "$shared/members/.$host.did"
    mv "$shared/members/.$host.did" "$shared/members/$host.did"
    until [ -f "$shared/endorsed/$host" ]; do echo "waiting for the anchor's endorsement"; sleep 2; done
    ;;
esac
# the V8 flags of the bin's first line (src/cli/v8-flags.ts)
exec env GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 node --max-semi-space-size=4 --expose-gc "$cli" start --dir "$data" "$@"
