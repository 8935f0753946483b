import { randomUUID } from 'node:crypto';
import type { EventData } from '../../platform/events';
import type { OrderPlaced } from '../../subgraphs/ordering/contracts';

export type OrderPlacedData = EventData<typeof OrderPlaced>;

/** A valid OrderPlaced payload as ordering writes it (a PAID cake order at version 2); override what a test cares about. */
export const sampleOrderPlaced = (overrides: Partial<OrderPlacedData> = {}): OrderPlacedData => ({
  orderId: randomUUID(),
  customerId: 'c-1',
  productId: 'cake',
  productName: 'cake',
  storeId: 'sunrise-bakery',
  qty: 1,
  unitPrice: 25000,
  amount: 25000,
  paymentId: randomUUID(),
  status: 'PAID',
  // Created at version 1, PAID makes it 2 (ordering's settlePaid).
  version: 2,
  placedAt: new Date().toISOString(),
  ...overrides,
});
