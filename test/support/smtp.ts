import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** An SMTP server on loopback that parses every mail it accepts (smtp-server + mailparser). */
export interface TestSmtp {
  url: string;
  mails: ParsedMail[];
  /** While set, every mail is answered with this SMTP code (421: try later; 550: no such mailbox). */
  refuseWith: number | undefined;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const mails: ParsedMail[] = [];
  const state: { refuseWith: number | undefined } = { refuseWith: undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (state.refuseWith !== undefined) {
            const err = Object.assign(new Error(state.refuseWith >= 500 ? 'mailbox unavailable' : 'try again later'), {
              responseCode: state.refuseWith,
            });
            callback(err);
            return;
          }
          mails.push(mail);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // A client that goes away mid-session (a worker killed by a drill) resets its connection; the
  // server reports that as an 'error' event, which would otherwise end the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get refuseWith() {
      return state.refuseWith;
    },
    set refuseWith(code) {
      state.refuseWith = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
