import { BenchUser, createChat, react, sendMessage, uploadAttachment } from './api';
import { noiseJpeg } from './images';

/** Messages of the rich chat: more than a page of 50, so the newest page read is full. */
export const RICH_MESSAGES = 60;

/**
 * A group chat of `sender` and `reactors` in which every message (RICH_MESSAGES, sent by `sender`
 * over REST) is a reply to the one before, carries a photo (a 640×480 JPEG, uploaded, so with its
 * thumbnail) and has two reactions (👍 from the first reactor, ❤️ from the second). For the
 * history page whose every message has a reply, a photo and reactions (issue 14). Its id.
 */
export async function richChat(
  origin: string,
  sender: BenchUser,
  reactors: [BenchUser, BenchUser],
): Promise<number> {
  const chatId = await createChat(
    origin,
    sender,
    reactors.map((user) => user.id),
    'rich history',
  );
  const photo = await noiseJpeg(640, 480, 80);
  let previous: number | undefined;
  for (let n = 0; n < RICH_MESSAGES; n += 1) {
    const attachment = await uploadAttachment(origin, sender.token, photo, `cat-${n}.jpg`, 'image/jpeg');
    previous = await sendMessage(origin, sender, chatId, {
      content: `the cat was last seen near the shelter, photo ${n}`,
      attachment_ids: [attachment],
      ...(previous === undefined ? {} : { reply_to_id: previous }),
    });
    await react(origin, reactors[0], chatId, previous, '👍');
    await react(origin, reactors[1], chatId, previous, '❤️');
  }
  return chatId;
}
