import { Logger } from '@nestjs/common';
import {
  EventMetadata,
  EventStore,
  InlineProjector,
  decorateStore,
  RecordedEvent,
  STORED_FORM,
  SealInput,
  Subscription,
} from '../event-store/event-store.port';
import { ERASED, fieldAad, isSealed, openField, sealField } from './field-cipher';
import { KeyStore, SubjectKey } from './key-store';
import { FieldRules, METADATA_FIELDS, PersonalDataDeclaration, SubjectRole, actorSubject, subjectRef } from './personal-data';

/** The metadata member that marks an event written with its personal fields sealed; events without it are plaintext (written before). */
export const PERSONAL_DATA_MARK = 'personalData';
export const SEALED_V1 = 'sealed-v1';

export const isSealedEvent = (event: { readonly metadata: EventMetadata }): boolean => event.metadata[PERSONAL_DATA_MARK] === SEALED_V1;

export interface PersonalDataOptions {
  readonly keys: KeyStore;
  /** Every module's declaration; without them the store only reads (the CLIs). */
  readonly declarations?: readonly PersonalDataDeclaration[];
  /** LEAD_PERSONAL_DATA_ENCRYPTION: off writes plaintext (benchmarks); reads always decrypt what is sealed. */
  readonly encrypt: boolean;
}

const logger = new Logger('PersonalData');

/** How many opened events the layer keeps (a few MB): enough for every reader of the log to catch up on a burst. */
const OPENED_CACHE_SIZE = 4096;

/**
 * The personal-data layer of the event store, the one place every reader goes through: folds, projections,
 * rebuilds, the change feed, webhooks and the audit routes all get the store from the event-store module with
 * this layer inside, so none of them sees a ciphertext or a field whose subject was erased (it reads
 * `"[erased]"`). Each decrypted event keeps its stored form (`STORED_FORM`), which the hash chain covers.
 *
 * Writing: `sealPersonalData` is called by the command path before it computes the chain links.
 */
export function protectPersonalData(store: EventStore, options: PersonalDataOptions): EventStore {
  const layer = new PersonalDataLayer(options);
  const wrapped: Record<string, unknown> = {
    readStream: async (...args: Parameters<EventStore['readStream']>) => layer.openAll(await store.readStream(...args)),
    readAll: async (...args: Parameters<EventStore['readAll']>) => layer.openAll(await store.readAll(...args)),
    subscribeToAll: (...args: Parameters<EventStore['subscribeToAll']>) => layer.openSubscription(store.subscribeToAll(...args)),
    // Read models applied inside the append's transaction (inline, on SQLite) read through this layer too: they
    // are handed the events, and the log they catch up from, opened, never the stored ciphertext.
    ...(store.setInlineProjector
      ? {
          setInlineProjector: (projector: InlineProjector | undefined) =>
            store.setInlineProjector!(projector && openedProjector(projector, layer)),
        }
      : {}),
    ...(options.declarations && options.encrypt
      ? {
          sealPersonalData: (stream: string, firstRevision: bigint, events: readonly SealInput[], history: readonly RecordedEvent[]) =>
            layer.seal(stream, firstRevision, events, history),
        }
      : {}),
  };
  // Every other member passes through, so the layer never drops one the port gains.
  return decorateStore(store, wrapped);
}

/** `projector`, given opened events (decrypted, erased fields as `"[erased]"`) by `layer`. */
function openedProjector(projector: InlineProjector, layer: PersonalDataLayer): InlineProjector {
  return {
    apply: (events, previous, log) =>
      projector.apply(layer.openAll([...events]), previous, (after, maxCount) => layer.openAll(log(after, maxCount))),
    beforeCommit: () => projector.beforeCommit(),
    committed: () => projector.committed(),
    rolledBack: () => projector.rolledBack(),
  };
}

export class PersonalDataLayer {
  private readonly byType = new Map<string, { rules: FieldRules; declaration: PersonalDataDeclaration }>();
  private readonly metadataRules = new FieldRules(METADATA_FIELDS);
  private readonly warned = new Set<string>();
  /**
   * Events recently opened, by stream and revision: the projections, the SLA processor, the change feed and
   * the webhook worker each read every new event, and decrypting it once per reader was most of what
   * encryption cost a create over HTTP (bench/README.md). Plaintext in memory only; dropped whole whenever the
   * key store's generation changes (a key destroyed here or by another instance), so after an erasure no
   * cached plaintext is served. Readers share the cached objects: events are read-only to them.
   */
  private readonly opened = new Map<string, RecordedEvent>();
  private openedGeneration = -1;

  constructor(private readonly options: PersonalDataOptions) {
    for (const declaration of options.declarations ?? []) {
      for (const [type, fields] of Object.entries(declaration.events)) {
        if (this.byType.has(type)) throw new Error(`personal data of ${type} is declared twice (${declaration.name})`);
        this.byType.set(type, { rules: new FieldRules(fields), declaration });
      }
    }
  }

  /** Seals the personal fields of events about to be appended at `firstRevision`, `firstRevision + 1`... */
  seal(stream: string, firstRevision: bigint, events: readonly SealInput[], history: readonly RecordedEvent[]): SealInput[] {
    const keys = new Map<string, SubjectKey>();
    const keyOf = (subject: string) => {
      let key = keys.get(subject);
      if (!key) keys.set(subject, (key = this.options.keys.keyFor(subject)));
      return key;
    };
    const seen: { type: string; data: Record<string, unknown>; metadata: EventMetadata }[] = [...history];
    return events.map((event, i) => {
      const revision = firstRevision + BigInt(i);
      const known = this.byType.get(event.type);
      if (!known) this.warnOnce(event.type, `${event.type} declares no personal data: every string in it is sealed as its author's`);
      const subjects = known?.declaration.subjects(event, seen) ?? {};
      const company = event.metadata.tenant?.companyId ?? '_';
      const subjectOf = (role: SubjectRole) =>
        subjectRef(company, subjects[role] ?? actorSubject(event.metadata) ?? subjects.requester ?? '_unattributed');
      const sealTree = <T extends Record<string, unknown>>(root: 'data' | 'metadata', value: T, rules: FieldRules): T => {
        // In data an undeclared string is sealed (the safe side); in metadata only what METADATA_FIELDS names.
        const leaves = rules
          .classify(value, event.data)
          .filter((leaf) => leaf.cls !== 'none' && (root === 'data' || leaf.cls !== undefined));
        if (!leaves.length) return value;
        const copy = structuredClone(value);
        for (const leaf of leaves) {
          if (leaf.cls === undefined && root === 'data')
            this.warnOnce(`${event.type} ${leaf.path}`, `${event.type}: ${leaf.path} is not declared; sealed as personal`);
          const role = (leaf.cls ?? 'author') as SubjectRole;
          setAt(copy, leaf.segments, (plain) =>
            sealField(keyOf(subjectOf(role)), fieldAad(stream, revision, `${root}.${leaf.path}`), plain),
          );
        }
        return copy;
      };
      const data = sealTree('data', event.data, known?.rules ?? new FieldRules({}));
      const metadata = sealTree('metadata', { ...event.metadata, [PERSONAL_DATA_MARK]: SEALED_V1 }, this.metadataRules);
      seen.push(event);
      return { type: event.type, data, metadata };
    });
  }

  openAll(events: RecordedEvent[]): RecordedEvent[] {
    if (!events.some(isSealedEvent)) return events;
    this.checkGeneration();
    const keys = new Map<string, Buffer | undefined>();
    return events.map((e) => this.openCached(e, keys));
  }

  private checkGeneration(): void {
    const generation = this.options.keys.generation();
    if (generation === this.openedGeneration) return;
    this.opened.clear();
    this.openedGeneration = generation;
  }

  private openCached(event: RecordedEvent, keys: Map<string, Buffer | undefined>): RecordedEvent {
    if (!isSealedEvent(event)) return event;
    const id = `${event.streamName}\n${event.revision}`;
    const hit = this.opened.get(id);
    // Served only if what is stored now is what was opened, member for member: a row edited in the database
    // since (the audit routes must see the edit and call it tampered), or another store under the same
    // names (a restored backup), is opened again. Comparing costs a fraction of decrypting.
    if (hit && hit.id === event.id && hit.type === event.type && sameStoredForm(hit, event)) return hit;
    const opened = this.open(event, keys);
    this.opened.set(id, opened);
    if (this.opened.size > OPENED_CACHE_SIZE) this.opened.delete(this.opened.keys().next().value!);
    return opened;
  }

  /** The event as readers see it: sealed fields decrypted, or `"[erased]"` when their key is gone. */
  open(event: RecordedEvent, keys = new Map<string, Buffer | undefined>()): RecordedEvent {
    if (!isSealedEvent(event)) return event;
    const keyById = (id: string) => {
      if (!keys.has(id)) keys.set(id, this.options.keys.keyById(id));
      return keys.get(id);
    };
    const openTree = (root: string, value: unknown, path: string): unknown => {
      if (isSealed(value)) {
        const key = keyById(value.k);
        if (!key) return ERASED;
        try {
          return openField(key, fieldAad(event.streamName, event.revision, path), value);
        } catch {
          // Not a field this service sealed here (a look-alike a caller sent, or one moved from elsewhere): the
          // hash chain reports an altered event; readers get no text out of it.
          return ERASED;
        }
      }
      if (Array.isArray(value)) return value.map((v, i) => openTree(root, v, `${path}.${i}`));
      if (value !== null && typeof value === 'object')
        return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, openTree(root, v, `${path}.${k}`)]));
      return value;
    };
    const opened = {
      ...event,
      data: openTree('data', event.data, 'data') as Record<string, unknown>,
      metadata: openTree('metadata', event.metadata, 'metadata') as EventMetadata,
    };
    Object.defineProperty(opened, STORED_FORM, { value: { data: event.data, metadata: event.metadata }, enumerable: false });
    return opened;
  }

  /** Key ids the event's sealed fields name (the export finds a subject's events by its key). */
  static keyIdsOf(event: RecordedEvent): Set<string> {
    const found = new Set<string>();
    const walk = (value: unknown) => {
      if (isSealed(value)) found.add(value.k);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
    };
    const stored = (event as unknown as Record<symbol, { data: unknown; metadata: unknown } | undefined>)[STORED_FORM] ?? event;
    walk(stored.data);
    walk(stored.metadata);
    return found;
  }

  openSubscription(subscription: Subscription): Subscription {
    const batches = subscription.batches?.bind(subscription);
    const layer = this;
    return {
      close: () => subscription.close(),
      async *[Symbol.asyncIterator]() {
        for await (const event of subscription) yield layer.openAll([event])[0];
      },
      ...(batches
        ? {
            async *batches() {
              for await (const batch of batches()) yield layer.openAll([...batch]);
            },
          }
        : {}),
    };
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    logger.warn(message);
  }
}

function sameStoredForm(opened: RecordedEvent, stored: RecordedEvent): boolean {
  const form = (opened as unknown as Record<symbol, { data: unknown; metadata: unknown } | undefined>)[STORED_FORM];
  return form !== undefined && sameJson(form.data, stored.data) && sameJson(form.metadata, stored.metadata);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  for (const key of keysA)
    if (
      !Object.prototype.hasOwnProperty.call(b, key) ||
      !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
    )
      return false;
  return true;
}

function setAt(root: Record<string, unknown>, segments: readonly string[], replace: (value: unknown) => unknown): void {
  let node = root as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  const last = segments[segments.length - 1];
  node[last] = replace(node[last]);
}
