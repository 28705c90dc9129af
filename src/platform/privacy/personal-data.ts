import { EventMetadata } from '../event-store/event-store.port';

/**
 * Which fields of an event are personal data, and whose. Each module declares its events next to them
 * (`<module>/<name>.privacy.ts`); the composition root hands every declaration to the event store's
 * personal-data layer (protected-event-store.ts), which seals the personal fields on the write path.
 *
 * A field is named by its path in the event's data: `content.title`, `content.attachments[].display` (`[]`:
 * every element), `created_by` (a whole subtree: every leaf under it). The most specific declaration wins, so
 * `created_by: 'requester'` with `'created_by.id': 'none'` keeps the id (the pointer) and seals the rest.
 */
export type SubjectRole = 'requester' | 'author';
export type FieldClass = SubjectRole | 'none';
/** A class, or one chosen per event from its data (a `diff` history entry holds the requester's old text). */
export type FieldRule<Data = never> = FieldClass | ((data: Data) => FieldClass);

/**
 * A declaration mirrors the data's shape: each member that may hold a string is either a rule (covering its
 * whole subtree) or, for an object, a declaration of its members; an array's elements are declared as the array
 * (`attachments: { display: 'requester', … }`); `'*'` stands for every other member of an open record. The
 * compiler refuses a declaration that leaves a member holding strings out.
 */
export type Declaration<T, Data> = unknown extends T
  ? FieldRule<Data> | { readonly [key: string]: Declaration<unknown, Data> }
  : T extends string | number | boolean | null | undefined
    ? FieldRule<Data>
    : T extends readonly (infer U)[]
      ? FieldRule<Data> | Declaration<U, Data>
      : T extends object
        ? string extends keyof T
          ? FieldRule<Data> | { readonly [key: string]: Declaration<T[string], Data> }
          : FieldRule<Data> | MembersOf<T, Data>
        : never;

type MembersOf<T, Data> = { readonly [K in keyof T as HoldsText<T[K]> extends true ? K : never]-?: Declaration<T[K], Data> };

/** Whether a member may hold a string somewhere (numbers and booleans alone are no text). */
type HoldsText<T> = unknown extends T
  ? true
  : true extends (
        T extends string
          ? true
          : T extends number | boolean | null | undefined
            ? false
            : T extends readonly (infer U)[]
              ? HoldsText<U>
              : T extends object
                ? true extends { [K in keyof T]-?: HoldsText<T[K]> }[keyof T]
                  ? true
                  : false
                : false
      )
    ? true
    : false;

/** One event type's declaration: every member of its data that may hold a string, classified. */
export type FieldDeclarations<Data> = MembersOf<Data, Data>;

type AnyEvent = { readonly type: string; readonly data: unknown };

/** One declaration per event type of a union, each exhaustive (the compiler checks both). */
export type EventDeclarations<E extends AnyEvent> = {
  readonly [T in E['type']]: FieldDeclarations<Extract<E, { type: T }>['data']>;
};

export interface SubjectsInput {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
}

/** Who a role is for one event, as a user id within the event's company; undefined = the default (the actor). */
export interface EventSubjects {
  readonly requester?: string;
  readonly author?: string;
}

export interface PersonalDataDeclaration {
  /** The module, for messages. */
  readonly name: string;
  readonly events: Readonly<Record<string, object>>;
  /**
   * The subjects of an event about to be written, given the stream's history as read (decrypted). A ticket's
   * own fields belong to its requester (from its TicketCreated); a comment's to its author.
   */
  subjects(event: SubjectsInput, history: readonly SubjectsInput[]): EventSubjects;
}

export function declarePersonalData<E extends AnyEvent>(declaration: {
  readonly name: string;
  readonly events: EventDeclarations<E>;
  readonly subjects: PersonalDataDeclaration['subjects'];
}): PersonalDataDeclaration {
  return declaration as unknown as PersonalDataDeclaration;
}

/** Metadata every command writes: the caller's user agent and address (request-context.ts) are the actor's. */
export const METADATA_FIELDS = { source: { user_agent: 'author', ip: 'author' } } as const;

/** The subject a role falls back to: the event's actor (the storefront user, the application for an anonymous caller, the staff member). */
export function actorSubject(metadata: EventMetadata): string | undefined {
  const actor = metadata.actor;
  if (!actor) return undefined;
  switch (actor.type) {
    case 'storefront_user':
    case 'staff_user':
      return actor.id;
    case 'application':
      return `app:${actor.id}`;
    case 'staff_client':
      return `client:${actor.id}`;
    case 'system':
      return `system:${actor.id}`;
  }
}

/** A data subject's name in the key store: its company and its id there (erasure is asked per company). */
export const subjectRef = (companyId: string, userId: string): string => `${companyId}/${userId}`;

interface Rule {
  readonly segments: readonly string[];
  readonly rule: FieldRule<Record<string, unknown>>;
}

/** The nested declaration as (path, rule) pairs. */
function flatten(declared: object, prefix: string[] = [], out: Rule[] = []): Rule[] {
  for (const [key, value] of Object.entries(declared)) {
    if (typeof value === 'object' && value !== null) flatten(value as object, [...prefix, key], out);
    else out.push({ segments: [...prefix, key], rule: value as FieldRule<Record<string, unknown>> });
  }
  return out;
}

const wildcards = (segments: readonly string[]) => segments.filter((s) => s === '*').length;

export interface Leaf {
  /** e.g. `content.attachments.0.display` */
  readonly path: string;
  readonly segments: readonly string[];
}

/** A leaf found under a declared path: its class (`undefined`: a string no declaration covers). */
export interface ClassifiedLeaf extends Leaf {
  readonly cls: FieldClass | undefined;
  readonly declared: boolean;
}

/** The rules of one event type (or of the metadata), compiled once. */
export class FieldRules {
  private readonly rules: readonly Rule[];
  /** The rule (or none) per leaf path with array indices removed: found once, not by a scan per leaf per event. */
  private readonly byNamedPath = new Map<string, Rule | null>();

  constructor(declared: object) {
    // Most specific first (longest, then fewest `*`): the first rule matching a leaf (or a prefix of it) decides.
    this.rules = flatten(declared).sort((a, b) => b.segments.length - a.segments.length || wildcards(a.segments) - wildcards(b.segments));
  }

  /** Every primitive leaf of `value` with its class; strings no rule covers come out undeclared. */
  classify(value: unknown, data: Record<string, unknown> = value as Record<string, unknown>): ClassifiedLeaf[] {
    const out: ClassifiedLeaf[] = [];
    const walk = (v: unknown, segments: string[]) => {
      if (v === null || v === undefined) return;
      if (Array.isArray(v)) return v.forEach((item, i) => walk(item, [...segments, String(i)]));
      if (typeof v === 'object') {
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) walk(item, [...segments, k]);
        return;
      }
      const rule = this.ruleFor(segments);
      const cls = rule === undefined ? undefined : typeof rule.rule === 'function' ? rule.rule(data) : rule.rule;
      // Numbers and booleans under a personal subtree are sealed too (a phone number); elsewhere they are no text.
      if (cls === undefined && typeof v !== 'string') return;
      out.push({ path: segments.join('.'), segments, cls, declared: rule !== undefined });
    };
    walk(value, []);
    return out;
  }

  private ruleFor(segments: readonly string[]): Rule | undefined {
    // Array indices are transparent: an array's elements are declared as the array.
    const named = segments.filter((s) => !/^\d+$/.test(s));
    const path = named.join('\u0000');
    let rule = this.byNamedPath.get(path);
    if (rule === undefined) {
      rule = this.rules.find((r) => matches(r.segments, named)) ?? null;
      // Bounded: open records ('*', custom_json) can name any member; past the bound, lookups just scan.
      if (this.byNamedPath.size < 4096) this.byNamedPath.set(path, rule);
    }
    return rule ?? undefined;
  }
}

/** A rule matches a leaf when it names the leaf or one of its ancestors (`*`: any member). */
function matches(rule: readonly string[], leaf: readonly string[]): boolean {
  if (rule.length > leaf.length) return false;
  for (let i = 0; i < rule.length; i++) if (rule[i] !== '*' && rule[i] !== leaf[i]) return false;
  return true;
}

/** Paths of string fields of `data` that its event type's declaration does not classify (the declarations test). */
export function undeclaredPaths(declarations: readonly PersonalDataDeclaration[], type: string, data: Record<string, unknown>): string[] {
  const declared = declarations.find((d) => d.events[type])?.events[type];
  if (!declared) return [`(event type ${type} is not declared)`];
  return new FieldRules(declared)
    .classify(data)
    .filter((l) => !l.declared)
    .map((l) => l.path.replace(/\.\d+(?=\.|$)/g, '[]').replace(/^\d+(?=\.|$)/, '[]'));
}
