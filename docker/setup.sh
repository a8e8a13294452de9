#!/bin/sh
# One-shot setup of a compose data space: waits for every member's DID in /descriptor/members/,
# has the anchor endorse it through its management API (token from the anchor's volume, mounted
# read-only at /anchor), and marks it endorsed so the member starts. Endorsing twice is harmless,
# so the service may run again after a member was added.
# Environment: ALLMENDE_MEMBERS (host names, space separated), ALLMENDE_ANCHOR_API (e.g.
# http://kaiserslautern:8080); ALLMENDE_DESCRIPTOR_DIR and ALLMENDE_ANCHOR_DIR keep the mount
# points /descriptor and /anchor unless set.
set -eu
api="${ALLMENDE_ANCHOR_API:?set ALLMENDE_ANCHOR_API}"
shared="${ALLMENDE_DESCRIPTOR_DIR:-/descriptor}"
anchor="${ALLMENDE_ANCHOR_DIR:-/anchor}"
mkdir -p "$shared/endorsed"
for member in ${ALLMENDE_MEMBERS:?set ALLMENDE_MEMBERS}; do
  until [ -s "$shared/members/$member.did" ]; do echo "waiting for $member to join"; sleep 2; done
  did=$(cat "$shared/members/$member.did")
  API="$api" DID="$did" TOKEN_FILE="$anchor/api-token" node -e "
    const token = require('fs').readFileSync(process.env.TOKEN_FILE, 'utf8').trim()
    fetch(process.env.API + '/api/v1/dataspace/members', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify({ did: process.env.DID }),
    }).then(async (r) => {
      if (!r.ok) { console.error('endorsing ' + process.env.DID + ' failed: ' + r.status + ' ' + (await r.text())); process.exit(1) }
    }, (e) => { console.error('anchor API ' + process.env.API + ': ' + e.message); process.exit(1) })"
  touch "$shared/endorsed/$member"
  echo "endorsed $member ($did)"
done
