/**
 * @packageDocumentation
 * Data space membership and admission (docs/architecture.md, "A node at start"): the signed data space descriptor,
 * `DataSpaceMembershipCredential`s issued by trust anchors with revocation through status lists, the anchor's
 * member register, what the data space asks of its network (`DataspaceNetwork`; the libp2p binding serves the
 * membership, status and descriptor protocols), and the admission policy that lets only members past the
 * connection gate and drops revoked ones within one refresh.
 *
 * @example
 * ```ts
 * const descriptor = await createDescriptor({ title: 'Südwest-Cluster', anchors: [anchorKey] })
 * await verifyDescriptor(descriptor) // throws InvalidDescriptorError if tampered
 * const dataspace = new DataspaceService({ descriptor, key, store, statusLists, log })
 * admission.setPolicy(dataspace.policy)
 * await dataspace.start(network) // e.g. a P2pDataspaceNetwork
 * await dataspace.endorse(memberDid)
 * ```
 */
export {
  type AdmissionPolicy,
  type AdmissionVerdict,
  sameDataspacePolicy,
  undecidedVerdict,
} from './admission-policy.js'
export type {
  Applicant,
  DataspaceHandlers,
  DataspaceNetwork,
  MembershipAnnouncement,
  MembershipNotice,
} from './dataspace-network.js'
export {
  DataspaceService,
  type DataspaceServiceInit,
  type DataspaceSummary,
  DEFAULT_MEMBERSHIP_REFRESH_SECONDS,
  type MemberView,
  memberView,
} from './dataspace-service.js'
export {
  ALLMENDE_ODRL_PROFILE,
  checkDescriptorDraft,
  createDescriptor,
  DATA_INTEGRITY_CONTEXT_V2,
  type DataspaceDescriptor,
  DESCRIPTOR_CONTEXT,
  type DescriptorDraft,
  type DescriptorInit,
  descriptorVersion,
  draftDescriptor,
  isAnchor,
  nextDescriptorVersion,
  readDescriptorFile,
  signDescriptor,
  successorRefusal,
  verifyDescriptor,
  writeDescriptorFile,
} from './descriptor.js'
export {
  InvalidDescriptorError,
  MembershipUnavailableError,
  NoDataspaceError,
  NotAnAnchorError,
  UnfitCredentialError,
} from './errors.js'
export { MEMBERS_SUBLEVEL, type MemberRecord, MemberRegistry, REVOKED_SUBLEVEL } from './member-registry.js'
export {
  type MembershipAdmissionInit,
  MembershipAdmissionPolicy,
  type MembershipRecheck,
  type MembershipSource,
} from './membership-admission.js'
export {
  checkMembership,
  type MembershipCheck,
  type MembershipCheckOptions,
  type MembershipVerdict,
} from './membership-check.js'
export {
  DEFAULT_MEMBERSHIP_VALIDITY_DAYS,
  isMembershipCredential,
  issueMembershipCredential,
  MEMBERSHIP_CREDENTIAL_TYPE,
  membershipSubject,
} from './membership-credential.js'
export { MembershipRule, type MembershipShown } from './membership-rule.js'
export { MEMBERSHIP_SUBLEVEL, MembershipWallet } from './membership-wallet.js'
export { bootstrapAddresses, type Reach, reachOf } from './mesh-reach.js'
export {
  adoptDescriptor,
  DESCRIPTOR_FILE,
  descriptorBootstrap,
  descriptorPath,
  keepHandedCredentials,
  loadNodeDescriptor,
  openOfflineRegistry,
} from './node-dataspace.js'
export {
  type CredentialName,
  credentialName,
  PARTY_CREDENTIALS_SUBLEVEL,
  PartyCredentials,
} from './party-credentials.js'
export { type NamedPeer, type PartyEvidence, type PartyName, PartyNames } from './party-names.js'
export { type ProvenName, provenNames } from './proven-names.js'
export {
  issueRevocationList,
  REVOCATION_LIST_TYPE,
  type Revocation,
  RevocationLists,
  revocationsRequired,
  type Veto,
} from './revocation-list.js'
export { TokenMembership } from './token-membership.js'
export { VERIFIED_DESCRIPTORS_SUBLEVEL, VerifiedDescriptors } from './verified-descriptors.js'
