import { advance, giftOffer, GIFTS, MISSIONS, missionDefinition } from './rules';

test('"place 3 orders" counts every paid order; "first pizza" only the pizzeria\'s or a pepperoni pizza', () => {
  const three = missionDefinition('THREE_ORDERS');
  const pizza = missionDefinition('FIRST_PIZZA');
  expect(three.counts({ productId: 'cake', storeId: 'sunrise-bakery' })).toBe(true);
  expect(pizza.counts({ productId: 'cake', storeId: 'sunrise-bakery' })).toBe(false);
  expect(pizza.counts({ productId: 'cheesePizza', storeId: 'mario-pizzeria' })).toBe(true);
  expect(pizza.counts({ productId: 'pepperoniPizza', storeId: 'elsewhere' })).toBe(true);
  expect(MISSIONS.map((m) => [m.kind, m.target, m.rewardPoints])).toEqual([
    ['THREE_ORDERS', 3, 300],
    ['FIRST_PIZZA', 1, 100],
  ]);
});

test('progress moves by one, completes at the target and never passes it', () => {
  expect(advance(0, 3)).toEqual({ progress: 1, completed: false });
  expect(advance(2, 3)).toEqual({ progress: 3, completed: true });
  expect(advance(3, 3)).toEqual({ progress: 3, completed: true });
  expect(advance(0, 1)).toEqual({ progress: 1, completed: true });
});

test('gift catalog: positive costs, unique ids, unknown ids are undefined', () => {
  expect(new Set(GIFTS.map((g) => g.giftId)).size).toBe(GIFTS.length);
  for (const g of GIFTS) expect(g.cost).toBeGreaterThan(0);
  expect(giftOffer('coffee')).toEqual({ giftId: 'coffee', name: 'Coffee voucher', cost: 100 });
  expect(giftOffer('yacht')).toBeUndefined();
});
