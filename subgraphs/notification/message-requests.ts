import { z } from 'zod';
import type { NotificationDb } from './db';
import { recordMessages, requestedMessage, type MessageRequest } from './messages';
import type { MessageChannel } from './rules';

const id = z.string().trim().min(1).max(64);

/** The body of `POST /internal/messages`. */
export const messageRequestSchema: z.ZodType<MessageRequest> = z.object({
  customerId: id,
  text: z.string().trim().min(1).max(1000),
  correlationId: id,
  source: z.string().regex(/^[a-z]+$/, 'a context name (lower-case letters)'),
});

/**
 * Records a requested message on every configured channel (PENDING; the sender sends it after
 * the commit and announces MessageSent with the caller's correlation id) and answers the ids,
 * one per channel, first channel first. Idempotent per correlation id.
 */
export async function recordRequestedMessage(db: NotificationDb, channels: readonly MessageChannel[], request: MessageRequest): Promise<string[]> {
  return db.$transaction(async (tx) => {
    await recordMessages(tx, channels, requestedMessage(request));
    const rows = await tx.message.findMany({ where: { subjectKind: 'REQUEST', subjectId: request.correlationId, subjectVersion: 1 } });
    return channels.map((ch) => rows.find((r) => r.channel === ch)?.id).filter((x): x is string => x !== undefined);
  });
}
