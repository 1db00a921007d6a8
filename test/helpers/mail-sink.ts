import { SMTPServer } from 'smtp-server';
import { freePort } from './server.js';

/** One message as the sink received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers and MIME parts). */
  raw: string;
  subject: string;
  /** The raw message with quoted-printable undone (soft line breaks, =XX), so links can be read from it. */
  decoded: string;
  /** The user name the client authenticated with, if it did. */
  user?: string;
}

export interface MailSink {
  port: number;
  /** smtp://user:secret@127.0.0.1:PORT: what Tessera is given (plain; tests allow it). */
  url: string;
  messages: ReceivedMail[];
  /** The next message not yet taken (waits up to `timeoutMs`). */
  next(timeoutMs?: number): Promise<ReceivedMail>;
  /** Stops listening (messages stay); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const decodeQuotedPrintable = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** A real SMTP server (the smtp-server package) on a free port that keeps what it receives. */
export async function startMailSink(port?: number): Promise<MailSink> {
  const chosen = port ?? (await freePort());
  const messages: ReceivedMail[] = [];
  let taken = 0;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'user' && auth.password === 'secret') callback(null, { user: auth.username });
        else callback(new Error('wrong credentials'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const decoded = decodeQuotedPrintable(raw);
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            decoded,
            subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '',
            ...(typeof session.user === 'string' ? { user: session.user } : {}),
          });
          callback();
        });
      },
    });
  let server = make();
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(chosen, '127.0.0.1', () => resolve());
  });
  await listen();
  return {
    port: chosen,
    url: `smtp://user:secret@127.0.0.1:${chosen}`,
    messages,
    async next(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (messages.length <= taken) {
        if (Date.now() > until) throw new Error(`no mail arrived within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages[taken++]!;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async start() {
      server = make();
      await listen();
    },
  };
}
