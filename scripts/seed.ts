import 'reflect-metadata';
import { hash } from '@node-rs/argon2';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app.config';
import { dataSourceOptions } from '../src/database/data-source.options';
import { EmbeddedDatabase } from '../src/database/embedded-postgres.server';
import { runMigrations } from '../src/database/migrations.runner';
import { memberKey } from '../src/members/membership-limits.rules';

/**
 * Demo data for frontend teams and benchmarks: people of the rescue platform, chats of every
 * type, a few thousand messages in Russian and English. Safe to run twice: it does nothing when
 * the demo users exist. Every demo user's password is `demo-password`.
 */

const PEOPLE: [string, string][] = [
  ['demo_anna', 'Анна Петрова'],
  ['demo_boris', 'Борис (ловец)'],
  ['demo_vera', 'Вера, ветеринар'],
  ['demo_gleb', 'Глеб — передержка'],
  ['demo_dasha', 'Даша'],
  ['demo_egor', 'Егор Смирнов'],
  ['demo_kate', 'Kate Miller'],
  ['demo_tom', 'Tom (foster home)'],
  ['demo_lena', 'Лена, волонтёр'],
  ['demo_mike', 'Dr. Mike Chen'],
  ['demo_olga', 'Ольга'],
  ['demo_pavel', 'Павел'],
];

const LINES = [
  'Нашли рыжего кота у подъезда на Лесной, 12. Кто может забрать?',
  'Могу взять на передержку до пятницы.',
  'Нужна переноска и перчатки, кот пугливый.',
  'Ветклиника на Садовой принимает до 20:00.',
  'Сделали прививки, всё хорошо 🐾',
  'Собака без ошейника бегает у метро Сокол, похожа на потерявшуюся из объявления.',
  'Поставлю живоловку сегодня вечером.',
  'Спасибо всем! Котёнок уже дома.',
  'Found a grey kitten near the park entrance, very hungry.',
  'I can foster two cats this week.',
  'The vet says the dog needs an X-ray tomorrow morning.',
  'Trap is set, will check it every two hours.',
  'Does anyone have a crate for a large dog?',
  'Posted new photos in the lost-pet post, please share.',
  'Вес 3,2 кг, температура нормальная.',
  'Can you bring the medicine at 18:00?',
];

interface ChatPlan {
  type: string;
  title: string | null;
  postId: number | null;
  members: number[];
  messages: number;
}

async function seed(db: DataSource): Promise<string> {
  const existing: unknown[] = await db.query(`SELECT 1 FROM users WHERE username = 'demo_anna'`);
  if (existing.length > 0) return 'Demo data is already there; nothing to do.';

  const passwordHash = await hash('demo-password', { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  return db.transaction(async (manager) => {
    const users: { id: number }[] = await manager.query(
      `INSERT INTO users (username, display_name, password_hash)
       SELECT u, d, $3 FROM unnest($1::text[], $2::text[]) AS t(u, d) RETURNING id`,
      [PEOPLE.map(([u]) => u), PEOPLE.map(([, d]) => d), passwordHash],
    );
    const id = users.map((u) => u.id);
    const plans: ChatPlan[] = [
      { type: 'other', title: null, postId: null, members: [id[0]], messages: 40 },
      { type: 'other', title: null, postId: null, members: [id[0], id[1]], messages: 300 },
      {
        type: 'keeper',
        title: 'Передержка: рыжий кот',
        postId: null,
        members: [id[0], id[3], id[7]],
        messages: 500,
      },
      {
        type: 'seeker',
        title: 'Отлов у метро Сокол',
        postId: null,
        members: [id[1], id[0], id[4], id[5]],
        messages: 600,
      },
      { type: 'vet', title: 'Vet: grey kitten', postId: null, members: [id[2], id[0], id[9]], messages: 400 },
      {
        type: 'response',
        title: 'Re: lost dog, Sokol',
        postId: 1001,
        members: [id[6], id[0]],
        messages: 250,
      },
      { type: 'response', title: null, postId: 1002, members: [id[10], id[11]], messages: 150 },
      { type: 'other', title: 'Волонтёры района', postId: null, members: id, messages: 1200 },
    ];
    let total = 0;
    for (const [index, plan] of plans.entries()) {
      const [chat]: { id: number }[] = await manager.query(
        `INSERT INTO chats (chat_type, title, post_id, created_by, member_key, last_seq, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() - interval '30 days', now() - $7 * interval '1 hour')
         RETURNING id`,
        [plan.type, plan.title, plan.postId, plan.members[0], memberKey(plan.members), plan.messages, index],
      );
      await manager.query(
        `INSERT INTO chat_members (chat_id, user_id, role, joined_at, last_read_seq)
         SELECT $1, u, CASE WHEN u = $2 THEN 'owner' ELSE 'member' END, now() - interval '30 days',
                CASE WHEN u = $2 THEN $3 ELSE greatest($3 - 5 * (ord::int - 1), 0) END
           FROM unnest($4::int[]) WITH ORDINALITY AS m(u, ord)`,
        [chat.id, plan.members[0], plan.messages, plan.members],
      );
      // Messages spread over 30 days, senders taking turns, texts from LINES; the sender's read
      // cursor is kept at or above their own messages (the unread-count invariant).
      await manager.query(
        `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, created_at)
         SELECT $1, s, m.u, u.display_name, ($3::text[])[1 + (s * 7 + $4) % array_length($3::text[], 1)],
                now() - interval '30 days' + s * ((interval '30 days' - $5 * interval '1 hour') / $2)
           FROM generate_series(1, $2) s
           JOIN LATERAL (SELECT ($6::int[])[1 + (s % array_length($6::int[], 1))] AS u) m ON true
           JOIN users u ON u.id = m.u`,
        [chat.id, plan.messages, LINES, index, index, plan.members],
      );
      await manager.query(
        `UPDATE chat_members cm SET last_read_seq = greatest(cm.last_read_seq, own.max_seq)
           FROM (SELECT sender_id, max(seq) AS max_seq FROM messages WHERE chat_id = $1 GROUP BY sender_id) own
          WHERE cm.chat_id = $1 AND cm.user_id = own.sender_id`,
        [chat.id],
      );
      total += plan.messages;
    }
    return `Seeded ${users.length} users (password "demo-password"), ${plans.length} chats, ${total} messages.`;
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : new EmbeddedDatabase({ dataDir: config.embeddedPgDir, port: config.embeddedPgPort });
  try {
    const url = config.databaseUrl ?? (await embedded!.start());
    await runMigrations(url);
    const db = new DataSource(dataSourceOptions(url, 2));
    await db.initialize();
    try {
      process.stdout.write(`${await seed(db)}\n`);
    } finally {
      await db.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Seeding failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
