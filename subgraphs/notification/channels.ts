import type { Logger } from '../../platform/logger';
import { subjectRef, type MessageChannel, type MessageSubject } from './rules';

/** What a channel needs to deliver a message. */
export interface OutgoingMessage {
  id: string;
  /** What it is about: an order or a reservation, and its id. */
  subjectKind: MessageSubject;
  subjectId: string;
  customerId: string;
  status: string;
  text: string;
}

/** One way to reach a customer. `send` resolves once the channel accepted the message and throws otherwise. */
export interface Channel {
  readonly name: MessageChannel;
  send(message: OutgoingMessage, signal: AbortSignal): Promise<void>;
}

/** Header carrying the message id on HTTP channels: a receiver can drop a repeat (delivery is at least once). */
export const MESSAGE_ID_HEADER = 'x-ordergraph-message-id';

export interface ChannelSettings {
  NOTIFY_WEBHOOK_URL?: string;
  TELEGRAM_API_URL: string;
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_CHAT_ID?: string;
  KAKAO_WEBHOOK_URL?: string;
  KAKAO_TOKEN?: string;
}

/** The default: the message is written to notification's log (the pizza seed's "notification manager"). */
export class LogChannel implements Channel {
  readonly name = 'LOG' as const;
  constructor(private readonly log: Logger) {}
  async send(m: OutgoingMessage): Promise<void> {
    this.log.info({ channel: 'log', messageId: m.id, ...subjectRef(m.subjectKind, m.subjectId), customerId: m.customerId, status: m.status, text: m.text }, 'message to customer');
  }
}

/** POSTs the message as JSON (with `orderId` or `reservationId`) to a configured URL; any 2xx answer is acceptance. */
export class WebhookChannel implements Channel {
  readonly name = 'WEBHOOK' as const;
  constructor(private readonly url: string) {}
  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.url, { id: m.id, ...subjectRef(m.subjectKind, m.subjectId), customerId: m.customerId, status: m.status, message: m.text }, { [MESSAGE_ID_HEADER]: m.id }, signal);
  }
}

/**
 * Telegram Bot API: `POST {base}/bot{token}/sendMessage` with `{ chat_id, text }`, answered
 * with `{ ok: true, result }`. The chat is TELEGRAM_CHAT_ID when set (a shop's channel),
 * else the customer id (the customer's Telegram chat id, as in seed 003).
 */
export class TelegramChannel implements Channel {
  readonly name = 'TELEGRAM' as const;
  constructor(private readonly opts: { baseUrl: string; token: string; chatId?: string }) {}
  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}/bot${this.opts.token}/sendMessage`;
    const answer = (await postJson(url, { chat_id: this.opts.chatId ?? m.customerId, text: m.text }, {}, signal)) as { ok?: boolean; description?: string };
    if (answer?.ok !== true) throw new Error(`Telegram refused the message: ${answer?.description ?? 'no ok in the answer'}`);
  }
}

/**
 * KakaoTalk through a message webhook: `{ receiver, template_object }` with Kakao's text
 * template (`object_type: "text"`), `Authorization: Bearer KAKAO_TOKEN` when a token is set.
 */
export class KakaoChannel implements Channel {
  readonly name = 'KAKAO' as const;
  constructor(private readonly opts: { url: string; token?: string }) {}
  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { [MESSAGE_ID_HEADER]: m.id };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    await postJson(this.opts.url, { receiver: m.customerId, template_object: { object_type: 'text', text: m.text, link: {} } }, headers, signal);
  }
}

/** The configured channels, by name. Settings were checked at start-up (service.ts). */
export function createChannels(names: readonly MessageChannel[], s: ChannelSettings, log: Logger): Map<MessageChannel, Channel> {
  const make = (name: MessageChannel): Channel => {
    switch (name) {
      case 'LOG':
        return new LogChannel(log);
      case 'WEBHOOK':
        return new WebhookChannel(s.NOTIFY_WEBHOOK_URL!);
      case 'TELEGRAM':
        return new TelegramChannel({ baseUrl: s.TELEGRAM_API_URL, token: s.TELEGRAM_BOT_TOKEN!, chatId: s.TELEGRAM_CHAT_ID });
      case 'KAKAO':
        return new KakaoChannel({ url: s.KAKAO_WEBHOOK_URL!, token: s.KAKAO_TOKEN });
    }
  };
  return new Map(names.map((n) => [n, make(n)]));
}

async function postJson(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
  } catch (e) {
    // fetch says only "fetch failed"; the cause says why (refused, reset, timeout). Never the URL: it may hold a token.
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new Error(cause ? `${(e as Error).message}: ${cause}` : (e as Error).message);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
