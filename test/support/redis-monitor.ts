import net from 'node:net';
import IORedis from 'ioredis';

export interface RedisMonitor {
  /** Every command Redis executed (in MONITOR's quoted form) that `keep` accepted, in order. */
  lines(): string[];
  /** Resolves once every command sent before this call has been seen. */
  flush(): Promise<void>;
  close(): void;
}

/**
 * Redis MONITOR on a plain socket. ioredis's `.monitor()` loses track of its command queue when the first
 * monitored lines arrive together with MONITOR's "+OK" on a busy Redis; here the protocol is just lines.
 */
export function monitorRedis(redisUrl: string, keep: (line: string) => boolean): Promise<RedisMonitor> {
  const url = new URL(redisUrl);
  const socket = net.connect(Number(url.port || 6379), url.hostname);
  const kept: string[] = [];
  let buffered = '';
  let flushing: { marker: string; seen: () => void } | undefined;

  const monitor: RedisMonitor = {
    lines: () => kept,
    async flush() {
      const marker = `monitor-flush-${process.pid}-${Date.now()}`;
      const seen = new Promise<void>((resolve) => (flushing = { marker, seen: resolve }));
      const client = new IORedis(redisUrl);
      try {
        await client.exists(marker);
        await seen;
      } finally {
        client.disconnect();
      }
    },
    close: () => socket.destroy(),
  };

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const lines = buffered.split('\r\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === '+OK') resolve(monitor);
        else if (flushing && line.includes(flushing.marker)) flushing.seen();
        else if (keep(line)) kept.push(line);
      }
    });
  });
}
