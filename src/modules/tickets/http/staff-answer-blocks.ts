import { Injectable } from '@nestjs/common';

type BlockSource = (ticketIds: readonly string[]) => ReadonlyMap<string, unknown>;

/**
 * Blocks that other modules add to staff answers about tickets (the `sla` block of modules/sla), without
 * this module knowing them: a module registers a field and a batch lookup by ticket `_id`; a ticket the
 * lookup has nothing for gets no such field, so answers stay as they were where the feature is unused.
 * Storefront answers never get these blocks.
 */
@Injectable()
export class StaffAnswerBlocks {
  private readonly sources = new Map<string, BlockSource>();

  register(field: string, source: BlockSource): void {
    this.sources.set(field, source);
  }

  add<T extends { _id: string }>(docs: T[]): T[] {
    if (this.sources.size === 0 || docs.length === 0) return docs;
    const found = [...this.sources].map(([field, source]) => [field, source(docs.map((d) => d._id))] as const);
    return docs.map((doc) => {
      const extra = Object.fromEntries(
        found.filter(([, blocks]) => blocks.has(doc._id)).map(([field, blocks]) => [field, blocks.get(doc._id)]),
      );
      return Object.keys(extra).length ? { ...doc, ...extra } : doc;
    });
  }

  /**
   * `add` for documents held as JSON text (stored read-model rows sent as they are): each block is spliced in
   * before the closing brace, so the answer is the same as `add` gives, without parsing the document.
   */
  addToJson(docs: readonly { id: string; json: string }[]): string[] {
    if (this.sources.size === 0 || docs.length === 0) return docs.map((d) => d.json);
    const found = [...this.sources].map(([field, source]) => [field, source(docs.map((d) => d.id))] as const);
    return docs.map(({ id, json }) => {
      const extra = found
        .filter(([, blocks]) => blocks.has(id))
        .map(([field, blocks]) => `${JSON.stringify(field)}:${JSON.stringify(blocks.get(id))}`);
      if (extra.length === 0) return json;
      const end = json.lastIndexOf('}');
      return `${json.slice(0, end)}${json.slice(0, end).trimEnd().endsWith('{') ? '' : ','}${extra.join(',')}}`;
    });
  }
}
