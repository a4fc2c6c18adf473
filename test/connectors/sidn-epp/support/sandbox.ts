import { type SidnEppConfig } from '../../../../connectors/sidn-epp/connector';
import { type SidnSandbox, type SidnSandboxOptions, startSidnSandbox } from '../../../../connectors/sidn-epp/sandbox';
import { parseEpp, child, soleElement, textOf } from '../../../../connectors/sidn-epp/xml';

export interface RecordedFrame {
  direction: 'received' | 'sent';
  xml: string;
}

/** A sandbox whose every frame, both ways, is kept in `frames`, with a connector config that reaches it. */
export async function recordedSandbox(options: SidnSandboxOptions = {}): Promise<{ sandbox: SidnSandbox; frames: RecordedFrame[]; config: SidnEppConfig }> {
  const frames: RecordedFrame[] = [];
  const sandbox = await startSidnSandbox({ ...options, tap: (frame) => frames.push(frame) });
  const config = { host: sandbox.host, port: sandbox.port, clientId: sandbox.clientId, password: sandbox.password, caFile: sandbox.caFile, timeoutMs: 2000 };
  return { sandbox, frames, config };
}

/** The commands among `frames` the client sent: `login`, `contact:create`, …, with their clTRID. */
export function commandsIn(frames: RecordedFrame[]): Array<{ command: string; clTRID: string | undefined }> {
  return frames
    .filter((frame) => frame.direction === 'received')
    .map((frame) => child(parseEpp(frame.xml), 'command'))
    .filter((command) => command !== undefined)
    .map((command) => {
      const verb = soleElement(command)!;
      const type = soleElement(verb.element)?.namespace?.match(/:(contact|domain|host)-1\.0$/)?.[1];
      return { command: type === undefined ? verb.name : `${type}:${verb.name}`, clTRID: textOf(command, 'clTRID') };
    });
}
