import { StaffAnswerBlocks } from './staff-answer-blocks';

describe('StaffAnswerBlocks', () => {
  const docs = [
    { _id: 'a', title: 'one' },
    { _id: 'b', title: 'two' },
  ];

  it('leaves answers as they are when no module registered a block', () => {
    expect(new StaffAnswerBlocks().add(docs)).toBe(docs);
  });

  it('adds a registered block to the tickets its lookup knows, in one batch, and nothing to the others', () => {
    const blocks = new StaffAnswerBlocks();
    const lookups: (readonly string[])[] = [];
    blocks.register('sla', (ids) => {
      lookups.push(ids);
      return new Map([['b', { state: 'active' }]]);
    });
    expect(blocks.add(docs)).toEqual([
      { _id: 'a', title: 'one' },
      { _id: 'b', title: 'two', sla: { state: 'active' } },
    ]);
    expect(lookups).toEqual([['a', 'b']]);
  });
});
