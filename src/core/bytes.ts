/**
 * Byte-length helpers shared by the codecs: protobuf varint lengths and UTF-8 lengths of strings,
 * computed without encoding anything.
 */

export function varintLength (n: number): number {
  let len = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    len++
  }
  return len
}

export function utf8Length (s: string): number {
  let bytes = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) {
      bytes += 1
    } else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2 // a surrogate pair: 4 bytes for 2 UTF-16 units
      i++
    } else {
      bytes += 2
    }
  }
  return bytes
}
