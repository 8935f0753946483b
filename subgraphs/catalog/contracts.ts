import { z } from 'zod';
import { defineEvent } from '../../platform/events';

/** Events the catalog publishes. Consumers import these schemas and validate against them. */
export const ProductAdded = defineEvent({
  context: 'catalog',
  name: 'product-added',
  version: 1,
  data: z.object({
    productId: z.string().min(1),
    storeId: z.string().min(1),
    name: z.string().min(1),
    price: z.number().int().nonnegative(),
  }),
});
