import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Answer, SendRecord } from './send-load.generator';

/** What one fault did to the sends, and what the database holds afterwards. */
export interface FaultFigures {
  fault: string;
  faultMs: number;
  sent: number;
  acked: number;
  /** Failed load sends by error code (`timeout`, `disconnected`: no answer). */
  failedByCode: Record<string, number>;
  /** The slowest answer (ack or error ack) to a load send. */
  maxAckMs: number;
  /** From the end of the fault to the first ack of a send started after it; null: none. */
  recoveryMs: number | null;
  /** Acknowledged sends not stored, or stored as another message than the ack said. */
  lost: number;
  /** Sends (acknowledged or not) stored more than once. */
  duplicated: number;
  /** Breaks in the seq of the load's chats (each chat must hold 1..n). */
  seqGaps: number;
  retried: number;
  /** Failed sends whose retry was acknowledged and stored exactly once, as that message. */
  retriesLanded: number;
  /** Error acks other than 503 service_unavailable / 429 rate_limited with details.retry_after_ms. */
  unexpectedRefusals: number;
  /** `alive`, or how the service process ended. */
  process: string;
}

interface StoredRow {
  client_message_id: string;
  copies: number;
  id: number;
  seq: number;
  chat_id: number;
}

const RETRYABLE = new Set(['503 service_unavailable', '429 rate_limited']);

function expectedRefusal(answer: Answer): boolean {
  if (answer.ok || answer.status === undefined) return true;
  return RETRYABLE.has(`${answer.status} ${answer.code}`) && answer.retryAfterMs !== undefined;
}

/** Reads the messages of the records and of their chats from the database and counts. */
export async function figuresOf(
  databaseUrl: string,
  fault: string,
  faultMs: number,
  records: SendRecord[],
  recoveryMs: number | null,
  processState: string,
): Promise<FaultFigures> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  let stored: StoredRow[];
  let seqs: { chat_id: number; seq: number }[];
  try {
    ({ rows: stored } = await db.query<StoredRow>(
      `SELECT client_message_id, count(*)::int AS copies, min(id)::int AS id, min(seq)::int AS seq,
              min(chat_id)::int AS chat_id
         FROM messages WHERE client_message_id = ANY($1) GROUP BY client_message_id`,
      [records.map((r) => r.clientMessageId)],
    ));
    ({ rows: seqs } = await db.query<{ chat_id: number; seq: number }>(
      'SELECT chat_id, seq FROM messages WHERE chat_id = ANY($1) ORDER BY chat_id, seq',
      [[...new Set(records.map((r) => r.chatId))]],
    ));
  } finally {
    await db.end();
  }
  const byId = new Map(stored.map((row) => [row.client_message_id, row]));
  const storedOnceAs = (record: SendRecord, answer: Answer | undefined): boolean => {
    const row = byId.get(record.clientMessageId);
    return (
      answer?.ok === true &&
      row?.copies === 1 &&
      row.chat_id === record.chatId &&
      row.id === answer.message.id &&
      row.seq === answer.message.seq
    );
  };

  const acked = records.filter((r) => r.answer?.ok);
  const failed = records.filter((r) => !r.answer?.ok);
  const failedByCode: Record<string, number> = {};
  for (const record of failed) {
    const code = record.answer && !record.answer.ok ? record.answer.code : 'timeout';
    failedByCode[code] = (failedByCode[code] ?? 0) + 1;
  }
  let seqGaps = 0;
  seqs.forEach((row, index) => {
    const previous = seqs[index - 1];
    const expected = previous?.chat_id === row.chat_id ? previous.seq + 1 : 1;
    if (row.seq !== expected) seqGaps += 1;
  });
  const answered = records.filter((r) => r.answer && !(!r.answer.ok && r.answer.status === undefined));
  return {
    fault,
    faultMs,
    sent: records.length,
    acked: acked.length,
    failedByCode,
    maxAckMs: Math.max(0, ...answered.map((r) => r.answer!.ms)),
    recoveryMs,
    lost: acked.filter((r) => !storedOnceAs(r, r.answer)).length,
    duplicated: stored.filter((row) => row.copies > 1).length,
    seqGaps,
    retried: failed.length,
    retriesLanded: failed.filter((r) => storedOnceAs(r, r.retry?.answer)).length,
    unexpectedRefusals: records.filter((r) => r.answer && !expectedRefusal(r.answer)).length,
    process: processState,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function failedText(figures: FaultFigures): string {
  const entries = Object.entries(figures.failedByCode);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return entries.length ? `${total} (${entries.map(([code, n]) => `${code} ${n}`).join(', ')})` : '0';
}

function recoveryText(figures: FaultFigures): string {
  return figures.recoveryMs === null ? 'none' : seconds(figures.recoveryMs);
}

/** One line per fault, for the test output. */
export function faultLine(f: FaultFigures): string {
  return (
    `fault "${f.fault}" (${seconds(f.faultMs)}): sent ${f.sent}, acked ${f.acked}, failed ${failedText(f)}, ` +
    `max ack ${seconds(f.maxAckMs)}, recovery ${recoveryText(f)}, lost ${f.lost}, duplicated ${f.duplicated}, ` +
    `seq gaps ${f.seqGaps}, retries landed ${f.retriesLanded}/${f.retried}, ` +
    `unexpected refusals ${f.unexpectedRefusals}, process ${f.process}`
  );
}

/** The table of the README's reliability section, as markdown. */
export function faultTable(rows: FaultFigures[]): string {
  const header = [
    'Fault',
    'Sent',
    'Acked',
    'Failed (by code)',
    'Max ack time',
    'Recovery',
    'Lost',
    'Duplicated',
    'Seq gaps',
    'Retries landed',
    'Process',
  ];
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(header.map(() => '---')),
    ...rows.map((f) =>
      line([
        `${f.fault} (${seconds(f.faultMs)})`,
        f.sent,
        f.acked,
        failedText(f),
        seconds(f.maxAckMs),
        recoveryText(f),
        f.lost,
        f.duplicated,
        f.seqGaps,
        `${f.retriesLanded}/${f.retried}`,
        f.process,
      ]),
    ),
  ].join('\n');
}

export async function writeReport(root: string, rows: FaultFigures[], setting: string): Promise<string> {
  const path = join(root, '.data', 'faults-report.md');
  await mkdir(join(root, '.data'), { recursive: true });
  await writeFile(
    path,
    `# Fault-injection run, ${new Date().toISOString()}\n\n${setting}\n\n${faultTable(rows)}\n`,
  );
  return path;
}
