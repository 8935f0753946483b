// The order tracker page: plain JavaScript against the router's /graphql (HTTP for queries
// and mutations, graphql-ws for the live status). No build step.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const GRAPHQL = new URL('/graphql', location.href).toString();
  const WS = GRAPHQL.replace(/^http/, 'ws');
  const state = { token: sessionStorage.getItem('og.token') || '', cursor: sessionStorage.getItem('og.cursor') || null, orders: new Map(), client: null, dispose: null };

  function claims(token) {
    try {
      return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    } catch {
      return null;
    }
  }

  async function gql(query, variables) {
    const res = await fetch(GRAPHQL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${state.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors && body.errors.length) {
      const e = body.errors[0];
      const err = new Error(e.message);
      err.code = e.extensions && e.extensions.code;
      throw err;
    }
    return body.data;
  }

  function order(id) {
    if (!state.orders.has(id)) state.orders.set(id, { id, item: '', qty: 0, amount: 0, status: '', payment: null, delivery: null, timeline: [] });
    return state.orders.get(id);
  }

  function render() {
    const list = $('orders');
    list.textContent = '';
    const sorted = [...state.orders.values()].sort((a, b) => (b.placedAt || '').localeCompare(a.placedAt || ''));
    for (const o of sorted) {
      const li = document.createElement('li');
      li.dataset.orderId = o.id;
      li.dataset.testid = 'order';
      const head = document.createElement('div');
      head.innerHTML = `<span class="item"></span> × <span class="qty"></span> · <span class="amount"></span> won · <span class="status" data-testid="status"></span>`;
      head.querySelector('.item').textContent = o.item;
      head.querySelector('.qty').textContent = String(o.qty);
      head.querySelector('.amount').textContent = String(o.amount);
      head.querySelector('.status').textContent = o.status;
      const meta = document.createElement('div');
      meta.className = 'muted';
      meta.textContent = `${o.id}${o.payment ? ` · payment ${o.payment}` : ''}${o.delivery ? ` · delivery ${o.delivery}` : ''}`;
      const tl = document.createElement('ol');
      tl.className = 'timeline';
      tl.dataset.timeline = o.id;
      for (const step of o.timeline) {
        const s = document.createElement('li');
        s.dataset.status = step.status;
        s.textContent = `${new Date(step.at).toLocaleTimeString()} ${step.previousStatus ? `${step.previousStatus} → ` : ''}${step.status}`;
        tl.appendChild(s);
      }
      li.append(head, meta, tl);
      list.appendChild(li);
    }
  }

  async function loadOrders() {
    const data = await gql('query MyOrders { myOrders { orderId item qty amount status placedAt } }');
    for (const v of data.myOrders) Object.assign(order(v.orderId), { item: v.item, qty: v.qty, amount: v.amount, status: order(v.orderId).status || v.status, placedAt: v.placedAt });
    render();
  }

  async function loadProducts() {
    const data = await gql('query Bakery { stores(kind: BAKERY) { id name products { id name price } } }');
    const select = $('product');
    select.textContent = '';
    for (const store of data.stores)
      for (const p of store.products) {
        const opt = document.createElement('option');
        opt.value = p.id;
        opt.textContent = `${p.name} · ${p.price} won (${store.name})`;
        select.appendChild(opt);
      }
  }

  const LIVE = `subscription Live($after: String) {
    myOrderStatusChanged(after: $after) {
      cursor orderId status previousStatus occurredAt
      order { item qty amount createdAt payment { status } delivery { status } }
    }
  }`;

  function setLive(on, text) {
    $('live').textContent = text;
    $('live').className = on ? 'live' : 'live off';
  }

  function subscribe() {
    if (!state.client) return;
    state.dispose = state.client.subscribe(
      { query: LIVE, variables: { after: state.cursor } },
      {
        next(result) {
          if (result.errors && result.errors.length) return setLive(false, `error: ${result.errors[0].message}`);
          const c = result.data.myOrderStatusChanged;
          const o = order(c.orderId);
          Object.assign(o, { status: c.status, item: c.order.item, qty: c.order.qty, amount: c.order.amount, placedAt: o.placedAt || c.order.createdAt });
          o.payment = c.order.payment && c.order.payment.status;
          o.delivery = c.order.delivery && c.order.delivery.status;
          if (!o.timeline.some((t) => t.cursor === c.cursor)) o.timeline.push({ cursor: c.cursor, status: c.status, previousStatus: c.previousStatus, at: c.occurredAt });
          state.cursor = c.cursor;
          sessionStorage.setItem('og.cursor', c.cursor);
          render();
        },
        error() {
          setLive(false, 'reconnecting…');
          setTimeout(subscribe, 1000);
        },
        complete() {},
      },
    );
  }

  function connect() {
    state.client = graphqlWs.createClient({
      url: WS,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      connectionParams: () => ({ authorization: `Bearer ${state.token}` }),
      on: {
        connected: () => setLive(true, 'live'),
        closed: (e) => setLive(false, e && e.code === 4401 ? `signed out: ${e.reason}` : 'offline'),
      },
    });
    subscribe();
  }

  async function signIn(token) {
    $('signin-error').textContent = '';
    const c = claims(token);
    if (!c) {
      $('signin-error').textContent = 'That is not a JWT.';
      return;
    }
    state.token = token;
    try {
      await loadProducts();
    } catch (e) {
      $('signin-error').textContent = `${e.message}${e.code ? ` (${e.code})` : ''}`;
      return;
    }
    sessionStorage.setItem('og.token', token);
    $('who').textContent = `${c.sub} (${c.role})`;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    $('signin-form').hidden = true;
    $('token').value = '';
    connect();
    await loadOrders().catch((e) => ($('order-error').textContent = e.message));
  }

  $('sign-in').addEventListener('click', () => signIn($('token').value.trim()));
  $('sign-out').addEventListener('click', () => {
    sessionStorage.clear();
    location.reload();
  });
  $('order-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('order-error').textContent = '';
    const address = $('address').value.trim();
    try {
      const data = await gql('mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id item qty amount status createdAt } }', {
        input: { productId: $('product').value, qty: Number($('qty').value), ...(address ? { deliveryAddress: address } : {}) },
      });
      const p = data.placeOrder;
      const o = order(p.id);
      Object.assign(o, { item: p.item, qty: p.qty, amount: p.amount, placedAt: p.createdAt, status: o.status || p.status });
      render();
    } catch (e) {
      $('order-error').textContent = `${e.message}${e.code ? ` (${e.code})` : ''}`;
    }
  });

  if (state.token) signIn(state.token);
})();
