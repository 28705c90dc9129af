import { loadSettings } from '../src/platform/config/settings';
import { APPS, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';
import { WebhookReceiver, waitFor } from './support/webhook-receiver';

const SHOP = '/service/application/lead/v1.0';
const COMPANY_1 = '/service/platform/lead/v1.0/company/1';
const FORMS = `${COMPANY_1}/application/${APPS.a.application_id}/form`;

/** Issue 17, the desk's daily needs: internal notes, unassignment and agent groups, list filters, bulk edits. */
describe("the desk's daily needs (end to end)", () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    const defaults = loadSettings({}).webhooks;
    t = await startTestApp({
      auditAnchorIntervalMs: 0,
      webhooks: { ...defaults, allowedHosts: ['127.0.0.1'], pollMs: 50, timeoutMs: 1_000 },
    });
    staff = await staffAuth(t, 'one', 'agent-7');
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await t.dispose();
    await receiver.stop();
  });

  const inject = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const ok = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => {
    const res = await inject(method, url, headers, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const open = async (title: string, category = 'desk', user = 'u1') =>
    ok('POST', `${SHOP}/ticket/`, storefrontAuth('a', user), { category, content: { title } });
  const edit = (id: string, body: object) => inject('PUT', `${COMPANY_1}/ticket/${id}`, staff, body);
  const list = async (query: string) => ok('GET', `${COMPANY_1}/ticket?${query}`, staff);
  const ids = async (query: string) => (await list(`items=true&${query}`)).items.map((i: { _id: string }) => i._id);

  describe('internal notes', () => {
    it('staff write and read a note; the storefront never sees it: no route, no change feed item, no webhook delivery', async () => {
      const sub = await ok('POST', `${COMPANY_1}/webhooks`, staff, { url: receiver.url, events: ['*'] });
      const ticket = await open('Note me');
      const note = await ok('POST', `${COMPANY_1}/ticket/${ticket._id}/history`, staff, {
        type: 'note',
        value: { text: 'customer sounds upset: SECRET-NOTE', media: [] },
      });
      expect(note.type).toBe('note');
      const reply = await ok('POST', `${COMPANY_1}/ticket/${ticket._id}/history`, staff, {
        type: 'comment',
        value: { text: 'We are on it' },
      });

      // Staff see both, in order.
      const history = await ok('GET', `${COMPANY_1}/ticket/${ticket._id}/history`, staff);
      expect(history.items.map((i: { _id: string }) => i._id)).toEqual([note._id, reply._id]);
      const appLevel = await ok('GET', `${COMPANY_1}/application/${APPS.a.application_id}/ticket/${ticket._id}/history`, staff);
      expect(appLevel.items.map((i: { type: string }) => i.type)).toEqual(['note', 'comment']);

      // The storefront cannot write one, and its answers carry none.
      const shop = storefrontAuth('a', 'u1');
      const refused = await inject('POST', `${SHOP}/ticket/${ticket._id}/history`, shop, { type: 'note', value: { text: 'x' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      const seen = await inject('GET', `${SHOP}/ticket/${ticket._id}`, shop);
      expect(seen.statusCode).toBe(200);
      expect(seen.body).not.toContain('SECRET-NOTE');
      expect(seen.body).not.toContain(note._id);
      // The storefront API has no history list (the application client of the Lead API has none): nothing to leak there.
      expect((await inject('GET', `${SHOP}/ticket/${ticket._id}/history`, shop)).statusCode).toBe(404);

      // The change feed (the storefront-facing, public form) and the webhook deliveries skip it.
      const feed = await ok('GET', `${COMPANY_1}/events?limit=500`, staff);
      const mine = feed.items.filter((i: { stream: string }) => i.stream === `ticket-${ticket._id}`);
      expect(mine.map((i: { type: string }) => i.type)).toEqual(['TicketCreated', 'HistoryAppended']);
      expect(JSON.stringify(feed)).not.toContain('SECRET-NOTE');
      await waitFor('the reply delivered', () =>
        receiver.received.some((r) => r.json.data?.stream === `ticket-${ticket._id}` && r.json.type === 'HistoryAppended'),
      );
      await new Promise((done) => setTimeout(done, 300));
      const delivered = receiver.received.filter((r) => r.json.data?.stream === `ticket-${ticket._id}`);
      expect(delivered.map((r) => r.json.type)).toEqual(['TicketCreated', 'HistoryAppended']);
      expect(receiver.received.map((r) => r.body).join('\n')).not.toContain('SECRET-NOTE');
      // The note is in the log all the same (the audit trail keeps it).
      const log = await t.store.readStream(`ticket-${ticket._id}`);
      expect(log.map((e) => (e.data as { type?: string }).type).filter(Boolean)).toContain('note');
      expect((await inject('DELETE', `${COMPANY_1}/webhooks/${sub.id}`, staff)).statusCode).toBe(204);
    });
  });

  describe('assignment and agent groups', () => {
    it('unassigns an agent: assigned_to null, a TicketUnassigned event and a diff entry', async () => {
      const ticket = await open('Unassign me');
      expect((await edit(ticket._id, { assigned_to: { agent_id: 'agent-3' } })).json().assigned_to).toEqual({ agent_id: 'agent-3' });
      const res = await edit(ticket._id, { assigned_to: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).not.toHaveProperty('assigned_to');
      const history = await ok('GET', `${COMPANY_1}/ticket/${ticket._id}/history`, staff);
      expect(history.items.at(-1)).toMatchObject({ type: 'diff', value: { assigned_to: ['agent-3', null] } });
      expect((await t.store.readStream(`ticket-${ticket._id}`)).map((e) => e.type)).toContain('TicketUnassigned');
      // Unassigning a ticket without an agent changes nothing.
      expect((await edit(ticket._id, { assigned_to: null })).statusCode).toBe(200);
      expect((await ok('GET', `${COMPANY_1}/ticket/${ticket._id}/history`, staff)).items).toHaveLength(history.items.length);
    });

    it('groups: create, read, list, replace, delete; names unique; bad input is a problem; another company sees none', async () => {
      const created = await ok('POST', `${COMPANY_1}/group`, staff, { name: 'Billing', agents: ['agent-1', 'agent-2', 'agent-1'] });
      expect(created).toMatchObject({ name: 'Billing', description: '', agents: ['agent-1', 'agent-2'] });
      expect(await ok('GET', `${COMPANY_1}/group/${created._id}`, staff)).toEqual(created);
      expect((await ok('GET', `${COMPANY_1}/group`, staff)).items).toContainEqual(created);
      const clash = await inject('POST', `${COMPANY_1}/group`, staff, { name: 'billing' });
      expect(clash.statusCode).toBe(409);
      expect((await inject('POST', `${COMPANY_1}/group`, staff, { name: '' })).statusCode).toBe(400);
      const replaced = await ok('PUT', `${COMPANY_1}/group/${created._id}`, staff, { name: 'Billing EU', description: 'EU' });
      expect(replaced).toMatchObject({ _id: created._id, name: 'Billing EU', description: 'EU', agents: [] });
      const staff2 = await staffAuth(t, 'two');
      expect((await inject('GET', `/service/platform/lead/v1.0/company/2/group/${created._id}`, staff2)).statusCode).toBe(404);
      expect(await ok('DELETE', `${COMPANY_1}/group/${created._id}`, staff)).toMatchObject({ _id: created._id });
      expect((await inject('GET', `${COMPANY_1}/group/${created._id}`, staff)).statusCode).toBe(404);
      expect((await ok('GET', `${COMPANY_1}/group`, staff)).items.map((g: { _id: string }) => g._id)).not.toContain(created._id);
    });

    it('assigns a ticket to a group and an agent, independently; an unknown group is refused', async () => {
      const group = await ok('POST', `${COMPANY_1}/group`, staff, { name: 'Returns', agents: ['agent-5'] });
      const ticket = await open('Group me');
      const both = await edit(ticket._id, { group_id: group._id, assigned_to: { agent_id: 'agent-5' } });
      expect(both.json()).toMatchObject({ group_id: group._id, assigned_to: { agent_id: 'agent-5' } });
      const agentOff = (await edit(ticket._id, { assigned_to: null })).json();
      expect(agentOff.group_id).toBe(group._id);
      expect(agentOff).not.toHaveProperty('assigned_to');
      const out = (await edit(ticket._id, { group_id: null })).json();
      expect(out).not.toHaveProperty('group_id');
      const history = (await ok('GET', `${COMPANY_1}/ticket/${ticket._id}/history`, staff)).items;
      expect(history.at(-1).value).toEqual({ group_id: [group._id, null] });
      const unknown = await edit(ticket._id, { group_id: 'no-such-group' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().errors).toContainEqual(expect.objectContaining({ field: 'group_id' }));
    });

    it("a form naming a group opens its tickets in that group, the group's agents in turn; the filters block lists groups", async () => {
      const group = await ok('POST', `${COMPANY_1}/group`, staff, { name: 'Form queue', agents: ['agent-a', 'agent-b'] });
      const refused = await inject('POST', FORMS, staff, {
        slug: 'queued-bad',
        title: 'Queued',
        priority: 'low',
        group_id: 'missing',
        inputs: [{ key: 'name', display: 'Name', type: 'text' }],
      });
      expect(refused.statusCode).toBe(400);
      await ok('POST', FORMS, staff, {
        slug: 'queued',
        title: 'Queued',
        priority: 'low',
        available_assignees: ['agent-ignored'],
        group_id: group._id,
        inputs: [{ key: 'name', display: 'Name', type: 'text' }],
      });
      const submit = async () =>
        (await ok('POST', `${SHOP}/form/queued/submit`, storefrontAuth('a', 'u9'), { response: [{ key: 'name', value: 'Ann' }] })).ticket;
      const opened = [await submit(), await submit(), await submit()];
      expect(opened.map((o) => o.group_id)).toEqual([group._id, group._id, group._id]);
      expect(opened.map((o) => o.assigned_to.agent_id)).toEqual(['agent-a', 'agent-b', 'agent-a']);
      expect(opened[0].status.key).toBe('in_progress');
      // The group's agents as they are at each submission.
      await ok('PUT', `${COMPANY_1}/group/${group._id}`, staff, { name: 'Form queue', agents: ['agent-c'] });
      expect((await submit()).assigned_to).toEqual({ agent_id: 'agent-c' });
      // The group and agent filters find them; the filters block names the group.
      expect(await ids(`group=${group._id}&assigned_to=agent-a`)).toEqual([opened[2]._id, opened[0]._id]);
      expect((await list('filters=true')).filters.groups).toContainEqual({ _id: group._id, name: 'Form queue' });
    });
  });

  describe('list filters and sorts', () => {
    it('assigned_to (incl. none), group (incl. none), tags all/any, created_after, updated_after; totals follow', async () => {
      const category = 'filters-17';
      const [a, b, c] = [await open('a', category), await open('b', category), await open('c', category)];
      const group = await ok('POST', `${COMPANY_1}/group`, staff, { name: 'Filters' });
      await edit(a._id, { assigned_to: { agent_id: 'agent-f' }, tags: ['vip', 'refund'] });
      await edit(b._id, { group_id: group._id, tags: ['vip'] });
      const q = (query: string) => ids(`category=${category}&${query}`);
      expect(await q('assigned_to=agent-f')).toEqual([a._id]);
      expect(await q('assigned_to=none')).toEqual([c._id, b._id]);
      expect(await q(`group=${group._id}`)).toEqual([b._id]);
      expect(await q('group=none')).toEqual([c._id, a._id]);
      expect(await q('tags=vip,refund')).toEqual([a._id]);
      expect(await q('tags=vip&tags=refund&tags_match=all')).toEqual([a._id]);
      expect(await q('tags=vip,refund&tags_match=any')).toEqual([b._id, a._id]);
      expect(await q('tags=nothing&tags_match=any')).toEqual([]);
      expect((await list(`items=true&category=${category}&assigned_to=none`)).page.item_total).toBe(2);
      expect((await list(`items=true&category=${category}&tags=vip&tags_match=any`)).page.item_total).toBe(2);

      const stamp = (await ok('GET', `${COMPANY_1}/ticket/${c._id}`, staff)).created_at as string;
      expect(await q(`created_after=${encodeURIComponent(stamp)}`)).toEqual([]);
      const before = new Date(Date.parse(stamp) - 1).toISOString();
      expect(await q(`created_after=${encodeURIComponent(before)}`)).toEqual([c._id]);
      await new Promise((done) => setTimeout(done, 5));
      const mark = new Date().toISOString();
      await new Promise((done) => setTimeout(done, 5));
      await edit(c._id, { priority: 'urgent' });
      expect(await q(`updated_after=${encodeURIComponent(mark)}`)).toEqual([c._id]);
      // Offsets are taken, and read as the instant they name.
      const offset = mark.replace('Z', '+00:00');
      expect(await q(`updated_after=${encodeURIComponent(offset)}`)).toEqual([c._id]);
      for (const bad of ['created_after=yesterday', 'updated_after=2026-13-01', 'tags_match=some', 'sort=random']) {
        const res = await inject('GET', `${COMPANY_1}/ticket?${bad}`, staff);
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    });

    it('sorts: number (newest first), oldest, updated, priority', async () => {
      const category = 'sorts-17';
      const [a, b, c] = [await open('a', category), await open('b', category), await open('c', category)];
      await edit(b._id, { priority: 'urgent' });
      await edit(a._id, { priority: 'high' });
      const q = (sort: string) => ids(`category=${category}&sort=${sort}`);
      expect(await q('number')).toEqual([c._id, b._id, a._id]);
      expect(await q('oldest')).toEqual([a._id, b._id, c._id]);
      expect(await q('updated')).toEqual([a._id, b._id, c._id]);
      expect(await q('priority')).toEqual([b._id, a._id, c._id]);
    });
  });

  describe('bulk edits', () => {
    const bulk = (body: object, headers: Record<string, string> = staff) => inject('PATCH', `${COMPANY_1}/ticket`, headers, body);

    it('applies one edit to each ticket as its own command; a forbidden transition and a stale If-Match are reported, the rest applied', async () => {
      const [a, b, c, d] = [await open('bulk a'), await open('bulk b'), await open('bulk c'), await open('bulk d')];
      await edit(b._id, { status: 'closed' }); // closed -> resolved is not a transition the lifecycle allows
      const etagOf = async (id: string) => (await inject('GET', `${COMPANY_1}/ticket/${id}`, staff)).headers.etag as string;
      const fresh = await etagOf(c._id);
      const stale = await etagOf(d._id);
      await edit(d._id, { priority: 'medium' }); // moves d past the ETag read
      const res = await bulk({
        ids: [a._id, b._id, c._id, d._id, 'nope'],
        changes: { status: 'resolved', tags: ['bulk'] },
        if_match: { [c._id]: fresh, [d._id]: stale },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.map((i: { _id: string; status: number }) => [i._id, i.status])).toEqual([
        [a._id, 200],
        [b._id, 409],
        [c._id, 200],
        [d._id, 412],
        ['nope', 404],
      ]);
      expect(body).toMatchObject({ succeeded: 2, failed: 3 });
      expect(body.items[1].problem).toMatchObject({ status: 409, type: expect.stringContaining('urn:lead:problem:') });
      expect(body.items[3].problem.status).toBe(412);
      expect(body.items[0].ticket).toMatchObject({ _id: a._id, status: { key: 'resolved' }, tags: ['bulk'] });
      expect(body.items[0].etag).toBe((await inject('GET', `${COMPANY_1}/ticket/${a._id}`, staff)).headers.etag);
      // Each edited ticket has its own diff entry; the refused ones are untouched.
      for (const id of [a._id, c._id]) {
        const history = (await ok('GET', `${COMPANY_1}/ticket/${id}/history`, staff)).items;
        expect(history).toHaveLength(1);
        expect(history[0].value).toEqual({ status: ['pending', 'resolved'], tags: [[], ['bulk']] });
      }
      expect((await ok('GET', `${COMPANY_1}/ticket/${b._id}`, staff)).status.key).toBe('closed');
      expect((await ok('GET', `${COMPANY_1}/ticket/${d._id}`, staff)).tags).toEqual([]);
    });

    it('a repeated Idempotency-Key answers the same without writing again', async () => {
      const [a, b] = [await open('keyed a'), await open('keyed b')];
      const headers = { ...staff, 'idempotency-key': 'bulk-17-once' };
      const body = { ids: [a._id, b._id], changes: { priority: 'high' } };
      const first = await bulk(body, headers);
      expect(first.statusCode).toBe(200);
      const logOf = async () => [...(await t.store.readStream(`ticket-${a._id}`)), ...(await t.store.readStream(`ticket-${b._id}`))];
      const written = (await logOf()).length;
      const again = await bulk(body, headers);
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect((await logOf()).length).toBe(written);
      // The same key with another body is refused.
      expect((await bulk({ ...body, changes: { priority: 'low' } }, headers)).statusCode).toBe(422);
    });

    it('refuses more than 100 ids, an empty list, duplicates and If-Match for tickets not listed, with problem documents', async () => {
      const many = Array.from({ length: 101 }, (_, i) => `t${i}`);
      for (const body of [
        { ids: many, changes: { priority: 'low' } },
        { ids: [], changes: { priority: 'low' } },
        { ids: ['x', 'x'], changes: { priority: 'low' } },
        { ids: ['x'], changes: { priority: 'nope' } },
        { ids: ['x'], changes: { priority: 'low' }, if_match: { y: '"1"' } },
        { ids: ['x'] },
      ]) {
        const res = await bulk(body);
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    });
  });
});
