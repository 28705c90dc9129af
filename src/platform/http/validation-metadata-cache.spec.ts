import { IsInt, IsString, getMetadataStorage, registerDecorator, validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Base {
  @IsString() name!: string;
}
class Derived extends Base {
  @IsInt() count!: number;
}

const failing = async (value: object) =>
  (await validate(plainToInstance(Derived, value), { forbidUnknownValues: true })).map((e) => e.property);

describe('cached class-validator metadata', () => {
  beforeAll(() => cacheValidationMetadata());

  it("looks a class's rules up once (own and inherited), with the same answers", async () => {
    const storage = getMetadataStorage() as unknown as { getTargetValidationMetadatas: (...args: unknown[]) => unknown[] };
    const first = storage.getTargetValidationMetadatas(Derived, undefined, false, false);
    expect(storage.getTargetValidationMetadatas(Derived, undefined, false, false)).toBe(first);
    expect(first.map((m) => (m as { propertyName: string }).propertyName).sort()).toEqual(['count', 'name']);
    expect(await failing({ name: 1, count: 'x' })).toEqual(['count', 'name']);
    expect(await failing({ name: 'a', count: 2 })).toEqual([]);
  });

  it('a rule added after a validation applies to the next one', async () => {
    expect(await failing({ name: 'a', count: 2 })).toEqual([]);
    registerDecorator({
      name: 'positive',
      target: Derived,
      propertyName: 'count',
      validator: { validate: (value: unknown) => typeof value === 'number' && value > 0 },
    });
    expect(await failing({ name: 'a', count: -2 })).toEqual(['count']);
    expect(await failing({ name: 'a', count: 2 })).toEqual([]);
  });
});
