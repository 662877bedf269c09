/**
 * An `Io` that does nothing unless told otherwise, for running a core outside a driver (unit tests, tools):
 * pass the outputs you want to observe, the rest are no-ops.
 */
import type { Io } from './protocol.js'

export function noopIo<M, T, E> (outputs: Partial<Io<M, T, E>> = {}): Io<M, T, E> {
  return {
    send () {},
    setTimer () {},
    connect () {},
    disconnect () {},
    hold () {},
    release () {},
    report () {},
    emit () {},
    ...outputs
  }
}
