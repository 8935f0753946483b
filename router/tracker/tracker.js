// The order tracker page: plain JavaScript against the router's /graphql (HTTP for queries
// and mutations, graphql-ws for the live status). No build step. Each order's story comes from
// the timeline read model (`order(id) { timeline }`), so it survives a reload; a live status
// push is shown at once and replaced by the timeline's own entry when that arrives.
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

  /** Money for people: KRW in the reader's locale (e.g. ₩50,000). */
  const money = new Intl.NumberFormat(navigator.language || 'en-US', { style: 'currency', currency: 'KRW' });
  const points = new Intl.NumberFormat(navigator.language || 'en-US');

  /** Like gql(), but keeps the data of a partial answer (one order's timeline failing leaves the others). */
  async function gqlPartial(query, variables) {
    const res = await fetch(GRAPHQL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${state.token}` },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
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
      head.innerHTML = `<span class="item"></span> × <span class="qty"></span> · <span class="amount"></span> · <span class="status" data-testid="status"></span>`;
      head.querySelector('.item').textContent = o.item;
      head.querySelector('.qty').textContent = String(o.qty);
      head.querySelector('.amount').textContent = money.format(o.amount);
      head.querySelector('.status').textContent = o.status;
      const meta = document.createElement('div');
      meta.className = 'muted';
      meta.textContent = `${o.id}${o.payment ? ` · payment ${o.payment}` : ''}${o.delivery ? ` · delivery ${o.delivery}` : ''}`;
      const tl = document.createElement('ol');
      tl.className = 'timeline';
      tl.dataset.timeline = o.id;
      for (const e of o.timeline) tl.appendChild(entryItem(e));
      li.append(head, meta, tl);
      list.appendChild(li);
    }
    $('empty').hidden = state.orders.size > 0;
  }

  function entryItem(e) {
    const s = document.createElement('li');
    s.dataset.kind = e.kind;
    if (e.status) s.dataset.status = e.status;
    if (e.eventId) s.dataset.eventId = e.eventId;
    if (e.live) s.className = 'live';
    const time = document.createElement('time');
    time.dateTime = e.occurredAt;
    time.textContent = new Date(e.occurredAt).toLocaleTimeString();
    const ctx = document.createElement('span');
    ctx.className = 'ctx';
    ctx.textContent = e.context;
    const details = [e.summary];
    if (e.amount != null) details.push(money.format(e.amount));
    if (e.points != null) details.push(`${points.format(e.points)} points`);
    s.append(time, ctx, document.createTextNode(details.join(' · ')));
    return s;
  }

  /** The documented order of a timeline: event time, then stream position, then event id. */
  function byTimelineOrder(a, b) {
    return a.occurredAt.localeCompare(b.occurredAt) || (a.streamSequence ?? Infinity) - (b.streamSequence ?? Infinity) || String(a.eventId).localeCompare(String(b.eventId));
  }

  /** Persisted entries replace the live ones they stand for (same ORDERING stream position); newer live ones stay on top. */
  function mergeTimeline(o, entries) {
    const known = new Set(entries.filter((e) => e.stream === 'ORDERING').map((e) => e.streamSequence));
    const live = o.timeline.filter((e) => e.live && !known.has(e.streamSequence));
    o.timeline = [...entries, ...live].sort(byTimelineOrder);
  }

  const ENTRY = 'eventId occurredAt context kind summary status channel amount points stream streamSequence';

  /** Orders per request: the router refuses more than 30 aliases (and costly queries) per operation. */
  const TIMELINES_PER_REQUEST = 10;

  /** Every listed order's timeline, ten orders per request (the router batches each request's to the timeline subgraph). */
  async function loadTimelines(ids) {
    const chunks = [];
    for (let i = 0; i < ids.length; i += TIMELINES_PER_REQUEST) chunks.push(ids.slice(i, i + TIMELINES_PER_REQUEST));
    await Promise.all(
      chunks.map(async (chunk) => {
        const vars = chunk.map((_, i) => `$o${i}: ID!`).join(', ');
        const fields = chunk.map((_, i) => `o${i}: order(id: $o${i}) { id timeline { ${ENTRY} } }`).join(' ');
        const body = await gqlPartial(`query Timelines(${vars}) { ${fields} }`, Object.fromEntries(chunk.map((id, i) => [`o${i}`, id])));
        for (const v of Object.values(body.data || {})) if (v && v.timeline) mergeTimeline(order(v.id), v.timeline);
      }),
    );
    render();
  }

  const refreshing = new Map();
  /** After a push, the timeline (its own consumer, a moment behind) is read again a little later. */
  function refreshSoon(id) {
    clearTimeout(refreshing.get(id));
    refreshing.set(id, setTimeout(() => loadTimelines([id]).catch(() => undefined), 800));
  }

  async function loadOrders() {
    const data = await gql('query MyOrders { myOrders { orderId item qty amount status placedAt } }');
    for (const v of data.myOrders) Object.assign(order(v.orderId), { item: v.item, qty: v.qty, amount: v.amount, status: order(v.orderId).status || v.status, placedAt: v.placedAt });
    render();
    await loadTimelines(data.myOrders.map((v) => v.orderId));
  }

  async function loadProducts() {
    const data = await gql('query Bakery { stores(kind: BAKERY) { id name products { id name price } } }');
    const select = $('product');
    select.textContent = '';
    for (const store of data.stores)
      for (const p of store.products) {
        const opt = document.createElement('option');
        opt.value = p.id;
        opt.textContent = `${p.name} · ${money.format(p.price)} (${store.name})`;
        select.appendChild(opt);
      }
  }

  const LIVE = `subscription Live($after: String) {
    myOrderStatusChanged(after: $after) {
      cursor orderId status previousStatus occurredAt
      order { item qty amount createdAt payment { status } delivery { status } }
    }
  }`;

  const human = (code) => String(code || '').toLowerCase().replace(/_/g, ' ');

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
          const seq = Number(c.cursor);
          if (!o.timeline.some((t) => t.stream === 'ORDERING' && t.streamSequence === seq)) {
            const what = c.previousStatus === 'PENDING' ? 'Order placed' : `Order status: ${human(c.previousStatus)} → ${human(c.status)}`;
            o.timeline.push({ live: true, kind: 'ORDER_STATUS_CHANGED', status: c.status, occurredAt: c.occurredAt, context: 'ordering', summary: what, stream: 'ORDERING', streamSequence: seq });
            o.timeline.sort(byTimelineOrder);
          }
          refreshSoon(c.orderId);
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
    if (c.role !== 'customer') return explainRole(c);
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

  /**
   * Another role's token: the page says what it is for instead of showing a form it cannot use
   * (the token is still checked, so a bad one is refused with the reason).
   */
  async function explainRole(c) {
    try {
      await gql('query Check { __typename }');
    } catch (e) {
      $('signin-error').textContent = `${e.message}${e.code ? ` (${e.code})` : ''}`;
      return;
    }
    sessionStorage.setItem('og.token', state.token);
    $('who').textContent = `${c.sub} (${c.role})`;
    // Nothing live to watch for this role: no "offline" badge either.
    $('live').hidden = true;
    $('sign-out').hidden = false;
    $('signin-form').hidden = true;
    $('token').value = '';
    const note = $('role-note');
    note.textContent = '';
    const h = document.createElement('h2');
    h.textContent = 'This page is for customers';
    const p1 = document.createElement('p');
    p1.textContent = `The order tracker lets a customer order from the bakery and follow each order's whole story: payment, the store, delivery, messages and rewards, live and after a reload. You are signed in as ${c.sub} with the role ${c.role}, which does not place orders here.`;
    const p2 = document.createElement('p');
    p2.textContent =
      c.role === 'admin'
        ? 'As an admin, read any order\'s story through the API at /graphql: query { order(id: "…") { status timeline { occurredAt context kind summary } } }.'
        : c.role === 'store-staff'
          ? 'As store staff, work through the API at /graphql: deliveriesByStore lists your store\'s orders; acceptOrder, startProduction and startDelivery move them on, and order(id) { timeline } tells each one\'s story.'
          : 'Work through the API at /graphql with this token (see the README for your role\'s fields), or sign out and sign in with a customer\'s token.';
    note.append(h, p1, p2);
    note.hidden = false;
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
      refreshSoon(p.id);
    } catch (e) {
      $('order-error').textContent = `${e.message}${e.code ? ` (${e.code})` : ''}`;
    }
  });

  if (state.token) signIn(state.token);
})();
