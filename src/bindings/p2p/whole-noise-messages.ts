import type { ConnectionEncrypter, SecuredConnection } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** What an encrypted connection of @chainsafe/libp2p-noise does to each chunk it sends. */
interface Encrypting {
  encrypt(chunk: Uint8Array | Uint8ArrayList): Uint8Array | Uint8ArrayList
}

/**
 * Wraps a Noise connection encrypter so each message it sends reaches the socket as one buffer. Noise hands
 * the socket a message as its two-byte length and its ciphertext, and TCP writes each buffer with a call of
 * its own: two system calls for every yamux frame (a gossip message, a window update). Joining them costs a
 * copy of the message. The bytes on the wire stay the same, so peers of any build understand them.
 */
export function wholeNoiseMessages<C>(
  factory: (components: C) => ConnectionEncrypter,
): (components: C) => ConnectionEncrypter {
  return (components) => {
    const encrypter = factory(components)
    const joining =
      <A extends unknown[]>(secure: (...args: A) => Promise<SecuredConnection<unknown>>) =>
      async (...args: A) => {
        const secured = await secure(...args)
        joinEachMessage(secured.connection as unknown as Encrypting)
        return secured
      }
    return new Proxy(encrypter, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        const bound = value.bind(target)
        return prop === 'secureInbound' || prop === 'secureOutbound' ? joining(bound) : bound
      },
    })
  }
}

function joinEachMessage(connection: Encrypting): void {
  const encrypt = connection.encrypt.bind(connection)
  connection.encrypt = (chunk) => {
    const sealed = encrypt(chunk)
    return sealed instanceof Uint8Array ? sealed : sealed.subarray()
  }
}
