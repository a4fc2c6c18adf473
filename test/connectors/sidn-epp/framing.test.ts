import fc from 'fast-check';
import { FrameDecoder, FrameTooLargeError, MAX_FRAME_BYTES, encodeFrame } from '../../../connectors/sidn-epp/framing';

/** Cuts `bytes` at the given offsets (taken modulo its length), as TCP may deliver it. */
function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((start, index) => bytes.subarray(start, [...points, bytes.length][index])).filter((chunk) => chunk.length > 0);
}

test('frames, however TCP splits or coalesces them, parse back to the same XML, in order', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (xmls, cuts) => {
      const decoder = new FrameDecoder();
      const stream = Buffer.concat(xmls.map(encodeFrame));
      expect(chunksOf(stream, cuts).flatMap((chunk) => decoder.push(chunk))).toEqual(xmls);
    }),
  );
});

test('the length counts its own four bytes, big-endian (RFC 5734)', () => {
  const frame = encodeFrame('<hello/>é');
  expect(frame.readUInt32BE(0)).toBe(4 + Buffer.byteLength('<hello/>é'));
  expect(frame.length).toBe(frame.readUInt32BE(0));
});

test.each([
  ['over the maximum', MAX_FRAME_BYTES + 1],
  ['of 4 GiB', 0xffffffff],
  ['leaving no room for XML', 4],
  ['shorter than its own header', 3],
])('a frame length %s is refused as soon as the header arrives', (_case, length) => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  expect(() => new FrameDecoder().push(header)).toThrow(FrameTooLargeError);
});

test('a partial frame waits for the rest', () => {
  const decoder = new FrameDecoder();
  const frame = encodeFrame('<epp/>');
  expect(decoder.push(frame.subarray(0, 2))).toEqual([]);
  expect(decoder.push(frame.subarray(2, 7))).toEqual([]);
  expect(decoder.push(frame.subarray(7))).toEqual(['<epp/>']);
});
