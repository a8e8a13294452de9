#!/bin/sh
# Initialises the node directory on first start (name from ALLMENDE_NAME), then runs the node.
set -eu
if [ ! -f /data/config.json ]; then
  node dist/src/cli/main.js init --dir /data --name "${ALLMENDE_NAME:?set ALLMENDE_NAME}" \
    --dataspace "${ALLMENDE_DATASPACE:-local}" --listen /ip4/0.0.0.0/tcp/4001 \
    --api-host 0.0.0.0 --api-port 8080 ${ALLMENDE_BOOTSTRAP:+--bootstrap "$ALLMENDE_BOOTSTRAP"}
fi
exec node dist/src/cli/main.js start --dir /data "$@"
