import type { DataAddress, DspBinding } from '../../protocol/index.js'
import { ConsumerPull, type ConsumerPullComponents } from './consumer-pull.js'
import type { DataFlowSignals, DataFlows, FlowTransfer, FlowTransfers } from './data-flows.js'
import type {
  ContentTotals,
  DataCaller,
  DataGrant,
  DataProvider,
  DataPusher,
  DataRequest,
  ReceiptGrant,
} from './data-plane.js'
import { ProviderGate, type ProviderGateComponents, type ProviderGateInit } from './provider-gate.js'
import { ProviderPush } from './provider-push.js'

export interface TransferDataPlaneComponents extends ProviderGateComponents, ConsumerPullComponents {
  /** Provider: delivers `-PUSH` transfers to the consumer's `dataAddress`; without it they are refused. */
  readonly pusher?: DataPusher
}

export interface TransferDataPlaneInit extends ProviderGateInit {
  /** Provider: push attempts after transport failures before the transfer ends (default 6). */
  readonly maxPushAttempts?: number
}

/**
 * A node's data plane for transfers in both roles: the provider's gate (data requests of
 * consumers, over whichever binding carries them), its pushes, and the consumer's pulls. The
 * transfer manager drives it through {@link DataFlows}; the bindings serve its gate.
 */
export class TransferDataPlane implements DataFlows, DataProvider {
  readonly gate: ProviderGate
  private readonly pulls: ConsumerPull
  private readonly pushes: ProviderPush | undefined

  constructor(components: TransferDataPlaneComponents, init: TransferDataPlaneInit = {}) {
    this.gate = new ProviderGate(components, init)
    this.pulls = new ConsumerPull(components)
    this.pushes =
      components.pusher === undefined
        ? undefined
        : new ProviderPush({
            gate: this.gate,
            pusher: components.pusher,
            log: components.log,
            ...(init.maxPushAttempts === undefined ? {} : { maxAttempts: init.maxPushAttempts }),
          })
  }

  connect(transfers: FlowTransfers, signals: DataFlowSignals): void {
    this.gate.connect(transfers, signals)
    this.pulls.connect(transfers, signals)
    this.pushes?.connect(transfers, signals)
  }

  openData(request: DataRequest, from: { readonly peer: string }): Promise<ReceiptGrant>
  openData(request: DataRequest, from: { readonly bearerFor: string }): Promise<DataGrant>
  openData(request: DataRequest, from: DataCaller): Promise<DataGrant> {
    return 'peer' in from ? this.gate.openData(request, from) : this.gate.openData(request, from)
  }

  async startAddress(transfer: FlowTransfer, consumer: DspBinding): Promise<DataAddress | undefined> {
    // A push needs no pull address: the provider delivers to the consumer's own address.
    if (transfer.dataAddress !== undefined) return undefined
    return this.gate.startAddress(transfer, consumer)
  }

  deliveryUnderWay(transferId: string): Promise<void> | undefined {
    return this.gate.deliveryUnderWay(transferId)
  }

  accepts(address: DataAddress | undefined): boolean {
    return this.pulls.accepts(address)
  }

  delivers(address: DataAddress | undefined): boolean {
    return this.pushes?.delivers(address) ?? false
  }

  start(transferId: string): void {
    void this.run(transferId)
  }

  suspend(transferId: string, reason: string): void {
    this.abort(transferId, reason)
  }

  terminate(transferId: string, reason: string): void {
    this.abort(transferId, reason)
    this.pulls.forget(transferId)
  }

  settle(transfer: FlowTransfer): Promise<ContentTotals> {
    return this.pulls.settle(transfer)
  }

  received(transferId: string): number | undefined {
    return this.pulls.received(transferId)
  }

  pulling(transferId: string): boolean {
    return this.pulls.pulling(transferId)
  }

  stop(): void {
    this.pulls.stop()
    this.pushes?.stop()
    this.gate.stop()
  }

  private abort(transferId: string, reason: string): void {
    const error = new Error(reason)
    this.pulls.abort(transferId, error)
    this.gate.abort(transferId, error)
  }

  /** Consumer: pull; provider with the consumer's address: push. */
  private async run(transferId: string): Promise<void> {
    await Promise.all([this.pulls.pull(transferId), this.pushes?.push(transferId)])
  }
}
