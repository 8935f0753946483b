// Notification's own events name what a message is about: an order, a reservation or another context's request, exactly one.
import { createEnvelope } from '../../platform/events';
import { MessageFailed, MessageSent } from './contracts';

const sent = { messageId: 'm-1', customerId: 'c-1', status: 'RESERVED', channel: 'LOG' as const, attempts: 1, sentAt: '2026-11-21T10:00:00.000Z' };

test('a message is about an order, a reservation or a request', () => {
  expect(createEnvelope(MessageSent, { ...sent, orderId: 'o-1' }, { correlationId: 'o-1' }).data).toEqual({ ...sent, orderId: 'o-1' });
  expect(createEnvelope(MessageSent, { ...sent, reservationId: 'r-1' }, { correlationId: 'r-1' }).data).toEqual({ ...sent, reservationId: 'r-1' });
  expect(createEnvelope(MessageSent, { ...sent, requestId: 'mission-1' }, { correlationId: 'mission-1' }).data).toEqual({ ...sent, requestId: 'mission-1' });
});

test('none, or two, is refused before it leaves notification', () => {
  expect(() => createEnvelope(MessageSent, sent, { correlationId: 'x' })).toThrow(/exactly one of orderId, reservationId and requestId/);
  expect(() => createEnvelope(MessageSent, { ...sent, orderId: 'o-1', reservationId: 'r-1' }, { correlationId: 'x' })).toThrow(/exactly one of orderId, reservationId and requestId/);
  expect(() => createEnvelope(MessageSent, { ...sent, orderId: 'o-1', requestId: 'mission-1' }, { correlationId: 'x' })).toThrow(/exactly one of orderId, reservationId and requestId/);
  const { sentAt, ...facts } = sent;
  const failed = { ...facts, error: 'HTTP 500', failedAt: sentAt };
  expect(() => createEnvelope(MessageFailed, failed, { correlationId: 'x' })).toThrow(/exactly one of orderId, reservationId and requestId/);
});
