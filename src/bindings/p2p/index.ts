/**
 * @packageDocumentation
 * The libp2p binding: node construction, admission gate, discovery upkeep, JSON stream framing, and the
 * protocols of the domain (DSP, data plane with its frames, duties, catalog gossip, data space membership).
 *
 * @example
 * ```ts
 * const admission = new PeerAdmission(log, sameDataspacePolicy('suedwest')) // policy from src/dataspace/
 * const libp2p = await buildLibp2p({ privateKey, dataspace: 'suedwest', listen, bootstrap, mdns: false, admission })
 * await libp2p.start(); await admission.start(libp2p)
 * ```
 */

export { ADMISSION_DEADLINE_MS, type AdmissionOptions, PeerAdmission } from './admission.js'
export { AdmittedMembers } from './admitted-members.js'
export { P2pCatalogNetwork } from './catalog-network.js'
export { type AllmendeLibp2p, buildLibp2p, type Libp2pInit } from './create-libp2p.js'
export {
  DATA_ACK_BYTES,
  DATA_CREDIT_BYTES,
  DATA_RECEIVE_WINDOW_BYTES,
  type DataAckFrame,
  type DataControlFrame,
  type DataEndFrame,
  type DataErrorFrame,
  type DataFrame,
  DataFrameDecoder,
  type DataHeaderFrame,
  type DataReceiptFrame,
  type DataRequestFrame,
  encodeControl,
  FRAME_CONTROL,
  FRAME_DATA,
  FRAME_HEADER_BYTES,
  frameHeader,
  MAX_CONTROL_FRAME_BYTES,
  MAX_DATA_FRAME_BYTES,
  parseControl,
} from './data-frames.js'
export { FrameChannel, P2pDataPlane } from './data-plane.js'
export { P2pDataspaceNetwork } from './dataspace-network.js'
export { type DspHandler, type P2pCaller, P2pDspEndpoint } from './dsp-endpoint.js'
export { type DutyHandler, P2pDutyEndpoint, RemoteDutyError } from './duty-protocol.js'
export {
  MemberDirectoryRefusedError,
  NotAMemberError,
  PeerNotAdmittedError,
  PeerNotFoundError,
} from './errors.js'
export { JsonFrames, MAX_FRAME_BYTES } from './json-frames.js'
export { startListening } from './listen.js'
export {
  type DirectoryEntry,
  directoryAnswer,
  MAX_DIRECTORY_BYTES,
  MAX_DIRECTORY_ENTRIES,
  MAX_ENTRY_ADDRESSES,
  MemberDirectory,
  parseDirectoryAnswer,
} from './member-directory.js'
export { membersOnly } from './member-gate.js'
export { fetchStatusList } from './membership-protocol.js'
export { type PeerDirectory, PeerLocator } from './peer-locator.js'
export { PEER_MEMORY_SUBLEVEL, PeerMemory, type RememberedPeer } from './peer-memory.js'
export { type MeshStanding, PeerMesh, type PeerSummary, wantedPeers } from './peer-mesh.js'
export { widenReceiveWindow } from './receive-window.js'
