// Channel selection is configuration, checked at start-up: which channels, and each one's settings.
import { z } from 'zod';
import { baseEnvSchema, parseEnv } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createChannels, KakaoChannel, LogChannel, TelegramChannel, WebhookChannel } from './channels';
import { notificationSpec, type NotificationConfig } from './service';

const parse = (env: NodeJS.ProcessEnv) => parseEnv(z.intersection(baseEnvSchema, notificationSpec.config!), env) as NotificationConfig;
const log = createLogger('notification', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });

test('by default every message goes to the log, with retry settings that give up after 5 sends', () => {
  expect(parse({})).toMatchObject({
    NOTIFY_CHANNELS: ['LOG'],
    TELEGRAM_API_URL: 'https://api.telegram.org',
    NOTIFY_SEND_TIMEOUT_MS: 5000,
    NOTIFY_MAX_ATTEMPTS: 5,
    NOTIFY_RETRY_BASE_MS: 1000,
    NOTIFY_POLL_MS: 1000,
  });
});

test('each listed channel is built with its settings', () => {
  const c = parse({
    NOTIFY_CHANNELS: 'log,webhook,telegram,kakao',
    NOTIFY_WEBHOOK_URL: 'http://hooks.example/orders',
    TELEGRAM_BOT_TOKEN: '1:abc',
    KAKAO_WEBHOOK_URL: 'http://kakao.example/send',
  });
  const channels = createChannels(c.NOTIFY_CHANNELS, c, log);
  expect([...channels.keys()]).toEqual(['LOG', 'WEBHOOK', 'TELEGRAM', 'KAKAO']);
  expect(channels.get('LOG')).toBeInstanceOf(LogChannel);
  expect(channels.get('WEBHOOK')).toBeInstanceOf(WebhookChannel);
  expect(channels.get('TELEGRAM')).toBeInstanceOf(TelegramChannel);
  expect(channels.get('KAKAO')).toBeInstanceOf(KakaoChannel);
  expect([...createChannels(parse({ NOTIFY_CHANNELS: 'telegram', TELEGRAM_BOT_TOKEN: '1:abc' }).NOTIFY_CHANNELS, c, log).keys()]).toEqual(['TELEGRAM']);
});

test('a channel without its settings stops the start with every problem named', () => {
  expect(() => parse({ NOTIFY_CHANNELS: 'webhook,telegram,kakao' })).toThrow(
    [
      'Invalid configuration:',
      '  - NOTIFY_WEBHOOK_URL: is required when NOTIFY_CHANNELS has webhook',
      '  - TELEGRAM_BOT_TOKEN: is required when NOTIFY_CHANNELS has telegram',
      '  - KAKAO_WEBHOOK_URL: is required when NOTIFY_CHANNELS has kakao',
    ].join('\n'),
  );
});

test('an unknown channel or a bad value is refused', () => {
  expect(() => parse({ NOTIFY_CHANNELS: 'log,sms' })).toThrow('NOTIFY_CHANNELS: unknown channel sms (choose from log, webhook, telegram, kakao)');
  expect(() => parse({ NOTIFY_CHANNELS: 'webhook', NOTIFY_WEBHOOK_URL: 'not a url' })).toThrow(/NOTIFY_WEBHOOK_URL/);
  expect(() => parse({ NOTIFY_MAX_ATTEMPTS: '0' })).toThrow(/NOTIFY_MAX_ATTEMPTS/);
});
