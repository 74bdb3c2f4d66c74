import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server of the test's own (smtp-server), on a free port, keeping what it received. */
export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>` for SMTP_URL. */
  url: string;
  /** Every mail accepted so far, parsed (mailparser), with its envelope recipients. */
  received: { to: string[]; mail: ParsedMail }[];
  /** The next mail (from now on) to `address`, or rejects after `ms`. */
  next(address: string, ms?: number): Promise<ParsedMail>;
  /** Refuses the next `count` mails (550 at DATA), as a relay that says no. */
  refuse(count: number): void;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const received: TestSmtp['received'] = [];
  const waiting = new Set<{ address: string; resolve: (mail: ParsedMail) => void }>();
  let refusals = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
      if (refusals > 0) {
        refusals -= 1;
        stream.resume();
        stream.on('end', () =>
          callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })),
        );
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          received.push({ to, mail });
          for (const waiter of [...waiting]) {
            if (to.includes(waiter.address)) {
              waiting.delete(waiter);
              waiter.resolve(mail);
            }
          }
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    next(address, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const waiter = { address: address.toLowerCase(), resolve };
        waiting.add(waiter);
        setTimeout(() => {
          if (waiting.delete(waiter)) reject(new Error(`no mail to ${address} within ${ms} ms`));
        }, ms).unref();
      });
    },
    refuse(count) {
      refusals = count;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
