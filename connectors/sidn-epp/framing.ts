/**
 * EPP over TCP framing (RFC 5734 §4): each frame is a 4-byte big-endian total length, which counts the
 * four bytes themselves, then that many bytes less four of XML.
 */
const HEADER_BYTES = 4;

/** Larger frames are refused: no EPP frame of ours or an answer to one comes near it. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export class FrameTooLargeError extends Error {
  constructor(readonly length: number) {
    super(`EPP frame length ${length} outside 5..${MAX_FRAME_BYTES}`);
  }
}

export function encodeFrame(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(body.length + HEADER_BYTES);
  return Buffer.concat([header, body]);
}

/** Turns the TCP byte stream, however it is split or joined into chunks, back into frames. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** The XML of every frame `chunk` completes; throws FrameTooLargeError on an absurd length. */
  push(chunk: Buffer): string[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: string[] = [];
    while (this.buffered.length >= HEADER_BYTES) {
      const length = this.buffered.readUInt32BE(0);
      if (length <= HEADER_BYTES || length > MAX_FRAME_BYTES) throw new FrameTooLargeError(length);
      if (this.buffered.length < length) break;
      frames.push(this.buffered.subarray(HEADER_BYTES, length).toString('utf8'));
      this.buffered = this.buffered.subarray(length);
    }
    return frames;
  }
}
